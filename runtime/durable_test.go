package runtime_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/resultgen/resultgen/runtime"
)

// squaresFlow is a generated-like flow squares(n) that calls the task
// square(i) for i < n; failAt > 0 fails the body after that many tasks.
type squaresFlow struct {
	opts         []runtime.Option
	flows, tasks *atomic.Int64
	failAt       int
}

var (
	squareDef  = &runtime.Def{Kind: runtime.KindTask, Name: "square", Func: "example.com/app.Square", Source: "sha256:square", Params: []string{"i"}, GoType: "int", Value: true}
	squaresDef = &runtime.Def{Kind: runtime.KindFlow, Name: "squares", Func: "example.com/app.Squares", Source: "sha256:squares", Params: []string{"n"}, GoType: "int", Value: true}
)

func newSquares() squaresFlow { return squaresFlow{flows: new(atomic.Int64), tasks: new(atomic.Int64)} }

func (f squaresFlow) with(opts ...runtime.Option) squaresFlow {
	f.opts = append(append([]runtime.Option(nil), f.opts...), opts...)
	return f
}

func (f squaresFlow) square(ctx context.Context, i int) (int, error) {
	return runtime.Run(ctx, runtime.Invocation[int]{
		Def:    squareDef,
		Inputs: func(h *runtime.Hasher) error { h.Param("i"); h.Int(int64(i)); return nil },
		Body:   func(context.Context) (int, error) { f.tasks.Add(1); return i * i, nil },
	}).Result()
}

func (f squaresFlow) State(ctx context.Context, n int) *runtime.State[int] {
	return runtime.Run(ctx, runtime.Invocation[int]{
		Def:     squaresDef,
		Options: f.opts,
		Inputs:  func(h *runtime.Hasher) error { h.Param("n"); h.Int(int64(n)); return nil },
		Body: func(ctx context.Context) (int, error) {
			f.flows.Add(1)
			sum := 0
			for i := range n {
				if f.failAt > 0 && i == f.failAt {
					return 0, errors.New("crash")
				}
				v, err := f.square(ctx, i)
				if err != nil {
					return 0, err
				}
				sum += v
			}
			return sum, nil
		},
	})
}

func TestDurableRunFinishedResumedNew(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	f := newSquares().with(runtime.RunID("order-1"))

	// A run that fails after 2 tasks, then resumes.
	crash := f
	crash.failAt = 2
	if st := crash.State(ctx, 4); !st.IsFailed() || f.tasks.Load() != 2 {
		t.Fatalf("crashing run: %v, %d tasks", st, f.tasks.Load())
	}
	st := f.State(ctx, 4)
	if v, err := st.Result(); err != nil || v != 0+1+4+9 || st.Name() != runtime.StateCompleted || st.Resumed() != 2 || f.tasks.Load() != 4 {
		t.Fatalf("resumed run: %v %v %s, resumed %d, %d tasks in all", v, err, st.Name(), st.Resumed(), f.tasks.Load())
	}
	if fr, _ := st.FlowRun(); fr.ID != "order-1" || fr.Name != "order-1" {
		t.Errorf("flow run %+v; want id and name order-1", fr)
	}
	if st.Key() != ".runs/squares/order-1" || !st.Persisted() {
		t.Errorf("key %q persisted %v; want .runs/squares/order-1", st.Key(), st.Persisted())
	}

	// Finished: returned, nothing runs.
	flows := f.flows.Load()
	st = f.State(ctx, 4)
	if v, err := st.Result(); err != nil || v != 14 || !st.IsCached() || f.flows.Load() != flows || f.tasks.Load() != 4 {
		t.Fatalf("finished run: %v %v %s, %d bodies", v, err, st.Name(), f.flows.Load()-flows)
	}

	// Other parameters: an error naming both.
	st = f.State(ctx, 5)
	if !errors.Is(st.Err(), runtime.ErrRunParameters) || f.flows.Load() != flows || !strings.Contains(st.Err().Error(), "called now with") {
		t.Fatalf("other parameters: %v", st.Err())
	}

	// NewRun: runs again with them; the unchanged tasks are reused.
	st = f.with(runtime.NewRun()).State(ctx, 5)
	if v, err := st.Result(); err != nil || v != 30 || st.Name() != runtime.StateCompleted || st.Resumed() != 4 || f.tasks.Load() != 5 {
		t.Fatalf("new run: %v %v %s resumed %d, %d tasks", v, err, st.Name(), st.Resumed(), f.tasks.Load())
	}
	if st := f.State(ctx, 5); !st.IsCached() {
		t.Fatalf("after the new run: %v", st)
	}

	// Another id is another run.
	if st := f.with(runtime.RunID("order-2")).State(ctx, 5); st.Name() != runtime.StateCompleted || st.Resumed() != 0 {
		t.Fatalf("order-2: %v resumed %d", st, st.Resumed())
	}
}

func TestDurableRunNotPersistedFlowKeepsRunRecord(t *testing.T) {
	ctx, _, dir := newEngine(t, nil)
	f := newSquares()
	if st := f.State(ctx, 2); st.Persisted() || st.Name() != runtime.StateCompleted {
		t.Fatalf("unnamed run: %v persisted %v", st, st.Persisted())
	}
	if fs := files(t, dir); len(fs) != 0 {
		t.Fatalf("an unnamed run stored %v", fs)
	}
	st := f.with(runtime.RunID("r")).State(ctx, 2)
	if st.Name() != runtime.StateCompleted || !strings.Contains(st.PersistReason(), "named run") {
		t.Fatalf("named run: %v (%s)", st, st.PersistReason())
	}
	if fs := files(t, dir); len(fs) != 2 {
		t.Fatalf("named run stored %v; want its 2 tasks", fs)
	}
	if _, err := os.Stat(filepath.Join(dir, ".runs", "squares", "r")); err != nil {
		t.Fatalf("the run record: %v", err)
	}
}

func TestDurableRunErrors(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	for _, id := range []string{"a/b", "..", ".tmp-x", strings.Repeat("x", 256), "a\x00b"} {
		if st := newSquares().with(runtime.RunID(id)).State(ctx, 1); !st.IsFailed() || !strings.Contains(st.Err().Error(), "run id") {
			t.Errorf("RunID(%q): %v", id, st)
		}
	}
	if st := newSquares().with(runtime.NewRun()).State(ctx, 1); !st.IsFailed() || !strings.Contains(st.Err().Error(), "RunID") {
		t.Errorf("NewRun alone: %v", st)
	}
	tk := newTask(taskDef("t", true, runtime.Config{}), func(context.Context) (int, error) { return 1, nil })
	if _, err := tk.WithOptions(runtime.RunID("x")).Call(ctx); err == nil || !strings.Contains(err.Error(), "flow runs") {
		t.Errorf("RunID on a task: %v", err)
	}
	reserved := newTask(taskDef("r", true, runtime.Config{}), func(context.Context) (int, error) { return 1, nil })
	reserved.key = ".runs/squares/x"
	if _, err := reserved.Call(ctx); err == nil || !strings.Contains(err.Error(), "reserved") {
		t.Errorf("storage key under .runs: %v", err)
	}
	// Another flow's run record under the same name and id.
	other := runtime.Def{Kind: runtime.KindFlow, Name: "squares", Func: "example.com/other.Squares", Source: "sha256:squares", Params: []string{"n"}, GoType: "int", Value: true}
	if st := newSquares().with(runtime.RunID("x")).State(ctx, 1); st.Err() != nil {
		t.Fatal(st.Err())
	}
	st := runtime.Run(ctx, runtime.Invocation[int]{Def: &other, Options: []runtime.Option{runtime.RunID("x")},
		Inputs: func(h *runtime.Hasher) error { h.Param("n"); h.Int(1); return nil },
		Body:   func(context.Context) (int, error) { return 0, nil }})
	if !st.IsFailed() || !strings.Contains(st.Err().Error(), "holds a run of example.com/app.Squares") {
		t.Errorf("another flow's run: %v", st)
	}
}

func TestDurableRunOneRunnerInProcess(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	f := newSquares().with(runtime.RunID("same"))
	var wg sync.WaitGroup
	states := make([]*runtime.State[int], 4)
	for i := range states {
		wg.Go(func() { states[i] = f.State(ctx, 20) })
	}
	wg.Wait()
	completed := 0
	for _, st := range states {
		if v, err := st.Result(); err != nil || v != 2470 {
			t.Fatalf("%v: %v %v", st, v, err)
		}
		if st.Name() == runtime.StateCompleted {
			completed++
		}
	}
	if completed != 1 || f.flows.Load() != 1 || f.tasks.Load() != 20 {
		t.Fatalf("%d completed, %d bodies, %d tasks; want 1, 1, 20", completed, f.flows.Load(), f.tasks.Load())
	}
}
