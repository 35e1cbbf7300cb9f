package results_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/results"
)

// WriteShow's JSON is one object: the entry's fields and then value (null
// is a value) or value_error; its text ends in the value.
func TestWriteShow(t *testing.T) {
	e := results.Entry{Key: "k", Status: results.StatusRecord}
	for _, tt := range []struct {
		name string
		s    results.Shown
		want string // the "value" or "value_error" field, compact
	}{
		{"null value", results.Shown{Entry: e, WithValue: true}, `"value":null`},
		{"value", results.Shown{Entry: e, WithValue: true, Value: map[string]any{"a": 1}}, `"value":{"a":1}`},
		{"value error", results.Shown{Entry: e, WithValue: true, ValueErr: errors.New("gob")}, `"value_error":"gob"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b, c bytes.Buffer
			if err := results.WriteShow(&b, tt.s, results.FormatJSON); err != nil {
				t.Fatal(err)
			}
			if err := json.Compact(&c, b.Bytes()); err != nil || !strings.HasPrefix(c.String(), `{"key":"k"`) || !strings.HasSuffix(c.String(), ","+tt.want+"}") {
				t.Errorf("json = %s (%v), want it to end in %s", c.String(), err, tt.want)
			}
		})
	}
	var b bytes.Buffer
	if err := results.WriteShow(&b, results.Shown{Entry: e}, results.FormatJSON); err != nil || strings.Contains(b.String(), "value") {
		t.Errorf("without the value: %s (%v)", b.String(), err)
	}
	b.Reset()
	if err := results.WriteShow(&b, results.Shown{Entry: e, WithValue: true, Value: []any{true}}, results.FormatText); err != nil || !strings.HasSuffix(b.String(), "value:\n[\n  true\n]\n") {
		t.Errorf("text: %q (%v)", b.String(), err)
	}
}
