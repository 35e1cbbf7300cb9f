package runtime_test

import (
	"context"
	"io"
	"sync/atomic"
	"testing"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/storage"
)

// readCounter is a store that counts the reads of objects: Get and Stat
// (its other methods are the store's; it hides the store's optional
// interfaces, so every read comes through these two).
type readCounter struct {
	storage.Storage
	reads atomic.Int64
}

func (c *readCounter) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	c.reads.Add(1)
	return c.Storage.Get(ctx, key)
}

func (c *readCounter) Stat(ctx context.Context, key string) (storage.Info, error) {
	c.reads.Add(1)
	return c.Storage.Stat(ctx, key)
}

// A key made from a run id no earlier run had cannot hold a record: a
// first run writes without looking it up. The same key used again in the
// run is looked up (and hits); a retried flow attempt, a named run and a
// policy without run_id look their keys up as before.
func TestFreshRunKeysAreNotLookedUp(t *testing.T) {
	ctx, e, _ := newEngine(t, nil)
	st := &readCounter{Storage: localStore(t, t.TempDir())}
	e.RegisterStorage("s3/counted", st)
	var runs atomic.Int64
	task := func(policy string) *runtime.Def {
		d := taskDef("count", true, runtime.Config{Storage: "s3/counted", Persist: ptr(true), CachePolicy: policy})
		d.Params = []string{"n"}
		return d
	}
	byRun, byInputs := task(""), task("inputs+task_source")
	call := func(ctx context.Context, def *runtime.Def, n int) *runtime.State[int] {
		return runtime.Run(ctx, runtime.Invocation[int]{Def: def,
			Inputs: func(h *runtime.Hasher) error { h.Param("n"); h.Int(int64(n)); return nil },
			Body:   func(context.Context) (int, error) { runs.Add(1); return 2 * n, nil }})
	}
	expect := func(what string, s *runtime.State[int], cached bool, reads int64) {
		t.Helper()
		v, err := s.Result()
		if err != nil || s.IsCached() != cached || v%2 != 0 {
			t.Errorf("%s: %d, %v, cached=%v (%s), want cached=%v", what, v, err, s.IsCached(), s.CacheReason(), cached)
		}
		if got := st.reads.Swap(0); got != reads {
			t.Errorf("%s: %d reads of the store, want %d", what, got, reads)
		}
	}

	// outside flows every call is a run of its own
	for range 2 {
		expect("a call outside flows", call(ctx, byRun, 1), false, 0)
	}
	expect("a policy without run_id", call(ctx, byInputs, 1), false, 1)
	expect("a policy without run_id, again", call(ctx, byInputs, 1), true, 1)

	// in a flow: the first use of a key is not looked up, the second is
	flow := newTask(flowDef("daily", false, runtime.Config{}), func(ctx context.Context) (runtime.Void, error) {
		expect("first use in the flow run", call(ctx, byRun, 5), false, 0)
		expect("another input", call(ctx, byRun, 6), false, 0)
		expect("the same inputs again", call(ctx, byRun, 5), true, 1)
		return runtime.Void{}, nil
	})
	if _, err := flow.Call(ctx); err != nil {
		t.Fatal(err)
	}

	// a retried attempt finds its first attempt's records
	attempt := 0
	retried := newTask(flowDef("retried", false, runtime.Config{Retries: 1}), func(ctx context.Context) (runtime.Void, error) {
		attempt++
		if attempt == 1 {
			expect("first attempt", call(ctx, byRun, 7), false, 0)
			return runtime.Void{}, io.ErrUnexpectedEOF
		}
		expect("second attempt", call(ctx, byRun, 7), true, 1)
		return runtime.Void{}, nil
	})
	if _, err := retried.Call(ctx); err != nil {
		t.Fatal(err)
	}

	// a named run's keys are looked up: its id is the caller's (the run's
	// own records are on the default store, not counted)
	named := newTask(flowDef("named", false, runtime.Config{}), func(ctx context.Context) (runtime.Void, error) {
		expect("a named run's task", call(ctx, byRun, 8), false, 1)
		return runtime.Void{}, nil
	}).WithOptions(runtime.RunID("nightly-1"))
	if _, err := named.Call(ctx); err != nil {
		t.Fatal(err)
	}
	if n := runs.Load(); n != 7 {
		t.Errorf("the body ran %d times, want 7", n)
	}
}
