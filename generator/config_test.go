package generator

import (
	"reflect"
	"testing"

	"github.com/resultgen/resultgen/annotations"
	"github.com/resultgen/resultgen/runtime"
)

// TestConfigFieldOfEveryKey: every setting key (all but task and flow,
// and the transaction hooks, which fill Invocation fields) names the
// runtime.Config field config writes for it.
func TestConfigFieldOfEveryKey(t *testing.T) {
	cfg := reflect.TypeOf(runtime.Config{})
	for _, key := range annotations.Keys() {
		if key == "task" || key == "flow" || hookKey(key) {
			continue
		}
		if _, ok := cfg.FieldByName(configField(key)); !ok {
			t.Errorf("directive key %q: runtime.Config has no field %s", key, configField(key))
		}
	}
}
