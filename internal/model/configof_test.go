package model

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"testing"

	"github.com/resultgen/resultgen/annotations"
	"github.com/resultgen/resultgen/runtime"
)

// configKeys says, for every directive key, the directive item that sets it
// and the runtime.Config field ConfigOf must set from it ("" for task and
// flow, which set Def.Kind; "-" for the transaction hooks, code the
// generated Invocation calls, listed in the settings only). A key added to annotations without a row here
// fails the test: add it to ConfigOf (and to the emitted literal) first.
var configKeys = map[string]struct{ item, field string }{
	"task":             {"task", ""},
	"flow":             {"flow", ""},
	"name":             {"task name=n", "Name"},
	"persist":          {"task persist=false", "Persist"},
	"storage":          {"task storage=memory", "Storage"},
	"storage_key":      {`task storage_key="k/{parameters[x]}"`, "StorageKey"},
	"serializer":       {"task serializer=json", "Serializer"},
	"compression":      {"task serializer=compressed/json compression=gzip", "Compression"},
	"cache_in_memory":  {"task cache_in_memory=false", "CacheInMemory"},
	"cache_policy":     {"task cache_policy=none", "CachePolicy"},
	"cache_key_fn":     {"task cache_key_fn=keyOf", "CacheKeyFn"},
	"cache_expiration": {"task cache_expiration=1h", "CacheExpiration"},
	"refresh_cache":    {"task refresh_cache=true", "RefreshCache"},
	"isolation":        {"task isolation=serializable", "Isolation"},
	"retries":          {"task retries=2", "Retries"},
	"retry_delay":      {"task retries=1 retry_delay=2s", "RetryDelay"},
	"encrypt":          {"task persist encrypt=true", "Encrypt"},
	"on_commit":        {"task on_commit=sent", "-"},
	"on_rollback":      {"task on_rollback=undo", "-"},
}

func directiveOf(t *testing.T, item string) *annotations.Directive {
	t.Helper()
	src := "package p\n\n//result:" + item + "\nfunc F(x int) (int, error) { return x, nil }\n"
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	d, errs := annotations.Parse(fset, file.Decls[0].(*ast.FuncDecl))
	if len(errs) > 0 || d == nil {
		t.Fatalf("%s: %v", item, errs)
	}
	return d
}

func TestConfigOfHandlesEveryKey(t *testing.T) {
	for _, key := range annotations.Keys() {
		row, ok := configKeys[key]
		if !ok {
			t.Errorf("directive key %q: not in configKeys; make ConfigOf set it", key)
			continue
		}
		d := directiveOf(t, row.item)
		if row.field == "-" {
			if ss := settings(d); len(ss) != 1 || ss[0].Key != key {
				t.Errorf("%s: settings %v, want the key alone", key, ss)
			}
			continue
		}
		if row.field == "" {
			if want := map[string]runtime.Kind{"task": runtime.KindTask, "flow": runtime.KindFlow}[key]; FuncOf(d, true).Kind != want {
				t.Errorf("%s: FuncOf kind %v", key, FuncOf(d, true).Kind)
			}
			continue
		}
		f := reflect.ValueOf(ConfigOf(d)).FieldByName(row.field)
		if !f.IsValid() {
			t.Errorf("%s: runtime.Config has no field %s", key, row.field)
			continue
		}
		if f.IsZero() {
			t.Errorf("%s: %q leaves Config.%s unset", key, row.item, row.field)
		}
	}
	if len(configKeys) != len(annotations.Keys()) {
		t.Errorf("configKeys has %d rows, annotations.Keys %d", len(configKeys), len(annotations.Keys()))
	}
}

// TestSettingsFollowKeys checks walkSettings' second half: a directive that
// sets every key lists one Setting a key, in annotations.Keys order.
func TestSettingsFollowKeys(t *testing.T) {
	d := directiveOf(t, `task name=n persist=false storage=memory storage_key="k/{parameters[x]}" `+
		`serializer=compressed/json compression=gzip cache_in_memory=false cache_policy=none `+
		`cache_key_fn=keyOf cache_expiration=1h refresh_cache=true isolation=serializable retries=2 retry_delay=2s encrypt=false `+
		`on_commit=sent on_rollback=undo`)
	var got []string
	for _, s := range settings(d) {
		if s.Pos == token.NoPos || s.Value == "" {
			t.Errorf("%s: value %q at %v", s.Key, s.Value, s.Pos)
		}
		got = append(got, s.Key)
	}
	if want := annotations.Keys()[2:]; !reflect.DeepEqual(got, want) {
		t.Errorf("settings keys:\n got %v\nwant %v", got, want)
	}
}
