package runtime_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/runtime"
)

// memoRun runs, on ctx's engine, a task keyed by its inputs and code
// (the policy that keeps a key memo) with inputs values, and returns its
// state; body counts the runs of its body.
func memoRun(ctx context.Context, def *runtime.Def, body *int, values ...any) *runtime.State[string] {
	return runtime.Run(ctx, runtime.Invocation[string]{
		Def: def,
		Inputs: func(h *runtime.Hasher) error {
			for i, v := range values {
				if h.Param(fmt.Sprint("p", i)) {
					if err := h.Value(v); err != nil {
						return err
					}
				}
			}
			return nil
		},
		Body: func(context.Context) (string, error) { *body++; return fmt.Sprint(values...), nil },
	})
}

// A task keyed by its inputs and code finds the keys of inputs it saw
// before in a memo instead of hashing them: every key, and the key
// manifest its record keeps, is byte for byte what an engine that never
// saw the inputs computes; inputs that differ in one byte, in type or in
// length (short ones, kept, and long ones, hashed every time) never share
// a key; after more distinct inputs than the memo holds, keys are still
// right; a record removed from under a remembered key is computed and
// written again with the same key and manifest; and a policy with the run
// id keeps no memo (every call outside a flow is a new run).
func TestKeyMemoAgrees(t *testing.T) {
	for _, storage := range []string{"memory", ""} {
		t.Run("storage="+storage, func(t *testing.T) {
			def := &runtime.Def{Kind: runtime.KindTask, Name: "m", Func: "example.com/app.M", Source: "sha256:m", GoType: "string", Value: true,
				Config: runtime.Config{CachePolicy: "inputs+task_source", Persist: ptr(true), Storage: storage}}
			ctx, _, local := newEngine(t, nil)
			long := strings.Repeat("x", 300)
			inputs := [][]any{
				{"a"}, {"b"}, {"ab"}, {"a", "b"}, {"ab", ""}, {1}, {uint(1)}, {1.0}, {true},
				{long}, {long + "y"}, {map[string]int{"k": 1}}, {map[string]int{"k": 2}}, {[]int{1, 2}}, {nil},
			}
			var body int
			keys := map[string]int{}
			for i, in := range inputs {
				first := memoRun(ctx, def, &body, in...) // a miss: written
				again := memoRun(ctx, def, &body, in...) // a hit: its inputs remembered
				third := memoRun(ctx, def, &body, in...) // its key from the memo
				if first.Err() != nil || again.Err() != nil || third.Err() != nil || !again.IsCached() || !third.IsCached() {
					t.Fatalf("inputs %v: %v, %v, %v, cached %v, %v", in, first.Err(), again.Err(), third.Err(), again.IsCached(), third.IsCached())
				}
				fresh, _, _ := newEngine(t, nil)
				var other int
				want := memoRun(fresh, def, &other, in...)
				if first.Key() != want.Key() || again.Key() != want.Key() || third.Key() != want.Key() {
					t.Errorf("inputs %v: keys %s, %s, %s; an engine that never saw them computes %s", in, first.Key(), again.Key(), third.Key(), want.Key())
				}
				m1, _ := first.Meta()
				m2, _ := want.Meta()
				if !reflect.DeepEqual(m1.Manifest, m2.Manifest) {
					t.Errorf("inputs %v: manifest %+v, want %+v", in, m1.Manifest, m2.Manifest)
				}
				if j, dup := keys[first.Key()]; dup {
					t.Errorf("inputs %v and %v share the key %s", inputs[j], in, first.Key())
				}
				keys[first.Key()] = i
			}
			if body != len(inputs) {
				t.Errorf("%d bodies ran for %d distinct inputs", body, len(inputs))
			}
			// more distinct inputs hit than the memo keeps, then the first
			// again (memory storage: 2,200 writes to disk take a while)
			fillers := 0
			if storage == "memory" {
				fillers = 1100
			}
			for i := range fillers {
				for range 2 {
					if st := memoRun(ctx, def, &body, i, "filler"); st.Err() != nil {
						t.Fatal(st.Err())
					}
				}
			}
			before := body
			if st := memoRun(ctx, def, &body, inputs[0]...); st.Key() != first(keys, 0) || !st.IsCached() || body != before {
				t.Errorf("after the memo filled: key %s, cached %v", st.Key(), st.IsCached())
			}
			if storage != "" {
				return
			}
			// the record removed from under a remembered key
			st := memoRun(ctx, def, &body, "a")
			was, _ := st.Meta()
			if err := os.Remove(filepath.Join(local, st.Key())); err != nil {
				t.Fatal(err)
			}
			before = body
			st = memoRun(ctx, def, &body, "a")
			now, _ := st.Meta()
			if st.Err() != nil || st.IsCached() || body != before+1 || st.Key() != first(keys, 0) || !reflect.DeepEqual(was.Manifest, now.Manifest) {
				t.Errorf("record removed: %v, cached %v, key %s; manifest %+v, was %+v", st.Err(), st.IsCached(), st.Key(), now.Manifest, was.Manifest)
			}
		})
	}
	// a policy with the run id: every call outside a flow is a new run
	def := &runtime.Def{Kind: runtime.KindTask, Name: "r", Func: "example.com/app.R", Source: "sha256:r", GoType: "string", Value: true,
		Config: runtime.Config{Persist: ptr(true), Storage: "memory"}}
	ctx, _, _ := newEngine(t, nil)
	var body int
	a, b := memoRun(ctx, def, &body, "same"), memoRun(ctx, def, &body, "same")
	if a.Key() == b.Key() || body != 2 {
		t.Errorf("default policy, two calls outside a flow: keys %s and %s, %d bodies; want two runs", a.Key(), b.Key(), body)
	}
}

// first returns the key keys maps to i.
func first(keys map[string]int, i int) string {
	for k, j := range keys {
		if j == i {
			return k
		}
	}
	return ""
}
