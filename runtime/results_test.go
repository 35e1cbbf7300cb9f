package runtime_test

import (
	"context"
	"errors"
	goruntime "runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
)

// The seeds' "retrieve results": a call returns the value, a state's Result
// returns it, a future's Result returns it.
func TestRetrieveResults(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	one := newTask(taskDef("my_task", true, runtime.Config{}), func(context.Context) (int, error) { return 1, nil })

	tests := []struct {
		name string
		body func(ctx context.Context) (int, error)
	}{
		{"call", func(ctx context.Context) (int, error) {
			v, err := one.Call(ctx)
			return v + 1, err
		}},
		{"state", func(ctx context.Context) (int, error) {
			st := one.State(ctx)
			if !st.IsCompleted() || st.Name() != "Completed" {
				t.Errorf("task state = %s, want Completed", st.Name())
			}
			v, err := st.Result()
			return v + 1, err
		}},
		{"future", func(ctx context.Context) (int, error) {
			v, err := one.Submit(ctx).Result()
			return v + 1, err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flow := newTask(flowDef("my-flow", true, runtime.Config{}), tt.body)
			if v, err := flow.Call(ctx); v != 2 || err != nil {
				t.Errorf("flow call = %d, %v; want 2, nil", v, err)
			}
			st := flow.State(ctx)
			if v, err := st.Result(); v != 2 || err != nil || st.Name() != "Completed" {
				t.Errorf("flow state = %s %d, %v; want Completed 2, nil", st.Name(), v, err)
			}
			if st.Persisted() {
				t.Errorf("flow persisted (%s); nothing asked for it", st.PersistReason())
			}
		})
	}
}

var errValue = errors.New("value error")

// The seeds' "handling failures": the task's own error comes back from a call,
// a state and a future; a panic becomes a *PanicError.
func TestFailures(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	failing := newTask(taskDef("my_task", true, runtime.Config{}), func(context.Context) (int, error) {
		return 0, errValue
	})
	panicking := newTask(taskDef("panicky", true, runtime.Config{}), func(context.Context) (int, error) {
		var m map[string]int
		//lint:ignore SA5000 the nil-map write is the runtime error panic this test wants
		m["boom"] = 1
		return 0, nil
	})

	t.Run("call", func(t *testing.T) {
		flow := newTask(flowDef("my-flow", true, runtime.Config{}), func(ctx context.Context) (int, error) {
			if _, err := failing.Call(ctx); !errors.Is(err, errValue) {
				t.Errorf("call error = %v, want errValue", err)
			}
			return 1, nil
		})
		if v, err := flow.Call(ctx); v != 1 || err != nil {
			t.Errorf("flow = %d, %v", v, err)
		}
	})
	t.Run("state checked first", func(t *testing.T) {
		flow := newTask(flowDef("my-flow", true, runtime.Config{}), func(ctx context.Context) (int, error) {
			st := failing.State(ctx)
			result := 0
			if st.IsFailed() {
				result = 1
			} else {
				result, _ = st.Result()
			}
			return result + 1, nil
		})
		if v, err := flow.Call(ctx); v != 2 || err != nil {
			t.Errorf("flow = %d, %v; want 2, nil", v, err)
		}
	})
	t.Run("state result", func(t *testing.T) {
		st := failing.State(ctx)
		if st.Name() != "Failed" || !st.IsFailed() || st.IsCompleted() {
			t.Errorf("state = %s", st.Name())
		}
		if _, err := st.Result(); !errors.Is(err, errValue) || err != st.Err() {
			t.Errorf("Result error = %v, want errValue", err)
		}
	})
	t.Run("future", func(t *testing.T) {
		f := failing.Submit(ctx)
		if _, err := f.Result(); !errors.Is(err, errValue) {
			t.Errorf("future error = %v", err)
		}
		if !f.State().IsFailed() {
			t.Errorf("future state = %s", f.State().Name())
		}
	})
	t.Run("panic", func(t *testing.T) {
		st := panicking.State(ctx)
		_, err := st.Result()
		var pe *runtime.PanicError
		if !st.IsFailed() || !errors.As(err, &pe) {
			t.Fatalf("state %s, error %v; want Failed with *PanicError", st.Name(), err)
		}
		if !strings.Contains(pe.Error(), "nil map") || !strings.Contains(string(pe.Stack), "results_test.go") {
			t.Errorf("panic error %q, stack without the panicking line:\n%s", pe.Error(), pe.Stack)
		}
	})
	t.Run("flow error", func(t *testing.T) {
		flow := newTask(flowDef("my-flow", true, runtime.Config{}), func(ctx context.Context) (int, error) {
			return failing.Call(ctx)
		})
		st := flow.State(ctx)
		if _, err := st.Result(); !st.IsFailed() || !errors.Is(err, errValue) {
			t.Errorf("flow state %s, error %v", st.Name(), err)
		}
	})
}

// Task retries re-run the body; the run count is visible to the body.
func TestTaskRetries(t *testing.T) {
	logs := &syncBuffer{}
	ctx, _, _ := newEngine(t, nil, runtime.WithLogger(slogText(logs)))
	var counts []int
	flaky := newTask(taskDef("flaky", true, runtime.Config{Retries: 2, RetryDelay: time.Millisecond}), func(ctx context.Context) (int, error) {
		tr, _ := runtime.TaskRunFrom(ctx)
		counts = append(counts, tr.RunCount)
		if tr.RunCount < 3 {
			return 0, errValue
		}
		return 7, nil
	})
	st := flaky.State(ctx)
	if v, err := st.Result(); v != 7 || err != nil {
		t.Fatalf("result %d, %v", v, err)
	}
	if got := flaky.calls.Load(); got != 3 {
		t.Errorf("body called %d times, want 3", got)
	}
	if tr, ok := st.TaskRun(); !ok || tr.RunCount != 3 || tr.Name != "flaky-1" {
		t.Errorf("task run = %+v", tr)
	}
	if st := flaky.WithOptions(runtime.Retries(0)).State(ctx); !st.IsFailed() {
		t.Errorf("without retries: %s", st.Name())
	}
	for _, want := range []string{"task flaky: retrying", "attempt=1", "task flaky: Completed"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs.String(), "task flaky: Failed") {
		t.Errorf("the failed run is logged at INFO, want DEBUG at most (its error is returned):\n%s", logs)
	}
}

// Runs inside a flow see the flow run; task runs are numbered per task.
func TestRunInfo(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	var names []string
	var mu sync.Mutex
	step := newTask(taskDef("step", true, runtime.Config{}), func(ctx context.Context) (int, error) {
		tr, ok := runtime.TaskRunFrom(ctx)
		fr, _ := runtime.FlowRunFrom(ctx)
		if !ok {
			return 0, errors.New("no task run")
		}
		mu.Lock()
		names = append(names, tr.Name+"@"+fr.FlowName)
		mu.Unlock()
		return 0, nil
	})
	var info runtime.FlowRunInfo
	flow := newTask(flowDef("my-flow", false, runtime.Config{}), func(ctx context.Context) (runtime.Void, error) {
		info, _ = runtime.FlowRunFrom(ctx)
		step.Call(ctx)
		step.Call(ctx)
		return runtime.Void{}, nil
	})
	st := flow.State(ctx)
	if !st.IsCompleted() {
		t.Fatal(st.Err())
	}
	fr, _ := st.FlowRun()
	if fr.ID != info.ID || fr.FlowName != "my-flow" || fr.RunCount != 1 || len(strings.Split(fr.Name, "-")) != 2 || len(fr.ID) != 36 {
		t.Errorf("flow run = %+v (body saw %+v)", fr, info)
	}
	if want := []string{"step-1@my-flow", "step-2@my-flow"}; !slicesEqual(names, want) {
		t.Errorf("task runs %v, want %v", names, want)
	}
	if _, ok := runtime.FlowRunFrom(ctx); ok {
		t.Error("flow run outside a flow")
	}
}

// A flow waits for the futures submitted inside it; Submit respects the
// engine's concurrency limit.
func TestSubmitWaitsAndLimits(t *testing.T) {
	ctx, _, _ := newEngine(t, nil, runtime.WithConcurrency(2))
	var running, peak, done atomic.Int64
	release := make(chan struct{})
	work := newTask(taskDef("work", true, runtime.Config{}), func(context.Context) (int, error) {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		running.Add(-1)
		done.Add(1)
		return 1, nil
	})
	flow := newTask(flowDef("fan-out", false, runtime.Config{}), func(ctx context.Context) (runtime.Void, error) {
		for range 10 {
			work.Submit(ctx) // not awaited
		}
		for running.Load() < 2 { // let the limit fill up before anyone finishes
			goruntime.Gosched()
		}
		close(release)
		return runtime.Void{}, nil
	})
	if st := flow.State(ctx); !st.IsCompleted() {
		t.Fatal(st.Err())
	}
	if done.Load() != 10 {
		t.Errorf("flow finished with %d of 10 futures done", done.Load())
	}
	if peak.Load() > 2 {
		t.Errorf("%d task runs at once, limit 2", peak.Load())
	}
}

func slicesEqual[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The default engine's settings cannot be loaded: every run fails with that
// error. (The only test that uses the default engine.)
func TestDefaultEngineSettingsError(t *testing.T) {
	t.Setenv(settings.Home, t.TempDir())
	t.Setenv(settings.PersistByDefault, "maybe")
	one := newTask(taskDef("one", true, runtime.Config{}), func(context.Context) (int, error) { return 1, nil })
	_, err := one.Call(context.Background())
	var se *settings.Error
	if !errors.As(err, &se) || !strings.Contains(err.Error(), settings.PersistByDefault) || one.calls.Load() != 0 {
		t.Errorf("run on the default engine: %v (%d calls); want the settings error, nothing run", err, one.calls.Load())
	}
}
