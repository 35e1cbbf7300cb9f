package runtime_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resultgen/resultgen/runtime"
)

// partDef is a task with
// storage_key="{flow_run.parameters[region]}/{flow_run.start_time:2006-01-02}/part-{task_run.map_index}.json",
// written as the generator writes it.
var partDef = &runtime.Def{
	Kind: runtime.KindTask, Name: "part", Func: "example.com/app.Part",
	Source: "sha256:part", Params: []string{"row"}, GoType: "int", Value: true, KeyUsesFlowRun: true,
	Config: runtime.Config{StorageKey: "{flow_run.parameters[region]}/{flow_run.start_time:2006-01-02}/part-{task_run.map_index}.json"},
}

type partTask struct {
	calls   *atomic.Int64
	indexes *[8]atomic.Int64 // the MapIndex each row's body saw, plus one
}

func (t partTask) inv(row string) runtime.Invocation[int] {
	return runtime.Invocation[int]{
		Def: partDef,
		Inputs: func(h *runtime.Hasher) error {
			if h.Param("row") {
				h.String(row)
			}
			return nil
		},
		StorageKey: func(k runtime.KeyContext) (string, error) {
			text1, err := k.FlowParameter("region")
			if err != nil {
				return "", err
			}
			text2, err := k.MapIndex()
			if err != nil {
				return "", err
			}
			return runtime.KeyValue(text1) + "/" + runtime.KeyValue(k.FlowRunStart.Format("2006-01-02")) + "/part-" + runtime.KeyValue(strconv.Itoa(text2)) + ".json", nil
		},
		Body: func(ctx context.Context) (int, error) {
			t.calls.Add(1)
			if tr, ok := runtime.TaskRunFrom(ctx); ok && tr.MapIndex >= 0 && len(row) < len(t.indexes) {
				t.indexes[len(row)].Store(int64(tr.MapIndex) + 1)
			}
			return len(row), nil
		},
	}
}

func (t partTask) Map(ctx context.Context, rows []string) []*runtime.Future[int] {
	return runtime.Map(ctx, len(rows), func(i int) runtime.Invocation[int] { return t.inv(rows[i]) })
}

// dailyFlow is a flow with a parameter region that a key can read, and
// one, day, that it hands on too; body runs inside it.
func dailyFlow[R any](region string, body func(ctx context.Context) (R, error)) runtime.Invocation[R] {
	return runtime.Invocation[R]{
		Def:  &runtime.Def{Kind: runtime.KindFlow, Name: "daily", Func: "example.com/app.Daily", Source: "sha256:daily", Params: []string{"region"}, Value: true, GoType: "int"},
		Body: body,
		FlowParameter: func(k string) (string, bool, error) {
			switch k {
			case "region":
				return region, true, nil
			}
			return "", false, nil
		},
	}
}

func TestMapKeysByIndexFlowParameterAndStartTime(t *testing.T) {
	clk := &clock{now: time.Date(2026, 3, 1, 23, 30, 0, 0, time.FixedZone("X", -3*3600))} // 2026-03-02 in UTC
	ctx, _, local := newEngine(t, nil, runtime.WithClock(clk.Now))
	task := partTask{calls: new(atomic.Int64), indexes: new([8]atomic.Int64)}
	rows := []string{"a", "bbb", "cc"}
	run := func() []int {
		t.Helper()
		out, err := runtime.Call(ctx, dailyFlow("eu/west", func(ctx context.Context) ([]int, error) {
			var out []int
			for _, f := range task.Map(ctx, rows) {
				v, err := f.Result()
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			return out, nil
		}))
		if err != nil {
			t.Fatalf("flow: %v", err)
		}
		return out
	}
	if got := run(); !slices.Equal(got, []int{1, 3, 2}) {
		t.Fatalf("results %v, want [1 3 2] (in the order of the rows)", got)
	}
	want := []string{"eu%2Fwest/2026-03-02/part-0.json", "eu%2Fwest/2026-03-02/part-1.json", "eu%2Fwest/2026-03-02/part-2.json"}
	if got := files(t, local); !slices.Equal(got, want) {
		t.Fatalf("files %q, want %q", got, want)
	}
	for row, i := range map[string]int64{"a": 0, "bbb": 1, "cc": 2} {
		if got := task.indexes[len(row)].Load() - 1; got != i {
			t.Errorf("row %q: TaskRunFrom(ctx).MapIndex = %d, want %d", row, got, i)
		}
	}
	// the same day and rows: every part is loaded, none runs
	if got := run(); !slices.Equal(got, []int{1, 3, 2}) || task.calls.Load() != 3 {
		t.Fatalf("second run: results %v, %d bodies run in all, want [1 3 2] and 3", got, task.calls.Load())
	}
}

func TestMapIndexKeyOutsideMap(t *testing.T) {
	ctx, _, local := newEngine(t, nil)
	task := partTask{calls: new(atomic.Int64), indexes: new([8]atomic.Int64)}
	st := runtime.Run(ctx, dailyFlow("eu", func(ctx context.Context) (int, error) {
		return runtime.Call(ctx, task.inv("row"))
	}))
	_, err := st.Result()
	if !errors.Is(err, runtime.ErrNotMapped) || !strings.Contains(err.Error(), "task part") {
		t.Fatalf("a plain call of a task keyed by map_index: %v, want ErrNotMapped naming the task", err)
	}
	if task.calls.Load() != 0 || len(files(t, local)) != 0 {
		t.Errorf("the body ran (%d) or a record was written (%q)", task.calls.Load(), files(t, local))
	}
}

func TestFlowParameterKeyErrors(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	task := partTask{calls: new(atomic.Int64), indexes: new([8]atomic.Int64)}
	// outside any flow
	_, err := task.Map(ctx, []string{"x"})[0].Result()
	if err == nil || !strings.Contains(err.Error(), "needs a flow run") {
		t.Errorf("outside a flow: %v, want an error saying it needs a flow run", err)
	}
	// in a flow that cannot fill it (one the generator did not see)
	other := dailyFlow("eu", func(ctx context.Context) (int, error) {
		return task.Map(ctx, []string{"x"})[0].Result()
	})
	other.FlowParameter = nil
	other.Def.Params = []string{"day"}
	_, err = runtime.Call(ctx, other)
	if !errors.Is(err, runtime.ErrNoFlowParameter) || !strings.Contains(err.Error(), "flow daily has no parameter region") || !strings.Contains(err.Error(), "its parameters: day") {
		t.Errorf("in a flow without the parameter: %v, want ErrNoFlowParameter naming the flow and its parameters", err)
	}
	if task.calls.Load() != 0 {
		t.Errorf("the body ran %d times", task.calls.Load())
	}
}

// TestMapBounded runs more sets than the engine's concurrency limit: no
// more bodies than the limit run at once, and every future is in order.
func TestMapBounded(t *testing.T) {
	ctx, _, _ := newEngine(t, nil, runtime.WithConcurrency(2))
	var running, most atomic.Int64
	def := taskDef("sq", true, runtime.Config{})
	inv := func(i int) runtime.Invocation[int] {
		return runtime.Invocation[int]{Def: def, Body: func(ctx context.Context) (int, error) {
			n := running.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			defer running.Add(-1)
			tr, _ := runtime.TaskRunFrom(ctx)
			return i * tr.MapIndex, nil
		}}
	}
	fs := runtime.Map(ctx, 20, inv)
	for i, f := range fs {
		if v, err := f.Result(); err != nil || v != i*i {
			t.Fatalf("future %d: %d, %v; want %d", i, v, err, i*i)
		}
	}
	if most.Load() > 2 {
		t.Errorf("%d bodies ran at once, over the limit of 2", most.Load())
	}
	if fs := runtime.Map(ctx, 0, inv); len(fs) != 0 {
		t.Errorf("Map of nothing: %d futures", len(fs))
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for i, f := range runtime.Map(cancelled, 3, inv) {
		if _, err := f.Result(); !errors.Is(err, context.Canceled) {
			t.Errorf("future %d under a cancelled context: %v", i, err)
		}
	}
}
