package runtime_test

import (
	"context"
	"testing"

	"github.com/resultgen/resultgen/runtime/settings"
)

// A run whose conditional write finds the key taken (another process
// committed it while this run's body ran) returns the value that other
// run committed, whole, and leaves its record as it is: here the body of
// run A calls the same task on a second engine (another process) over the
// same folder, which commits first.
func TestLostCommitReturnsTheWinnersValue(t *testing.T) {
	type report struct {
		Rows  []string
		Total float64
	}
	ctxA, _, local := newEngine(t, nil)
	ctxB, _, _ := newEngine(t, map[string]string{settings.LocalStoragePath: local})
	def := keyedDef("Report", "example.com/app.report", "report")
	winner := report{Rows: []string{"b1", "b2"}, Total: 2}
	b := keyed(def, winner)
	a := newTask(def, func(context.Context) (report, error) {
		if _, err := b.Call(ctxB); err != nil {
			return report{}, err
		}
		return report{Rows: []string{"a1", "a2", "a3"}, Total: 3}, nil
	})
	a.key = def.Config.StorageKey

	st := a.State(ctxA)
	v, err := st.Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Rows) != 2 || v.Rows[0] != "b1" || v.Rows[1] != "b2" || v.Total != 2 {
		t.Fatalf("run A returned %+v; want the value run B committed first, %+v", v, winner)
	}
	if !st.Persisted() || st.Key() != "report" {
		t.Fatalf("run A: persisted %v at %q; want the record at report", st.Persisted(), st.Key())
	}
	// the record is B's: a third run loads it
	c := newTask(def, func(context.Context) (report, error) { return report{}, nil })
	c.key = def.Config.StorageKey
	again := c.State(ctxA)
	if got, err := again.Result(); err != nil || !again.IsCached() || got.Total != 2 || len(got.Rows) != 2 {
		t.Fatalf("a later run: %+v, cached %v, %v; want B's record loaded", got, again.IsCached(), err)
	}
}
