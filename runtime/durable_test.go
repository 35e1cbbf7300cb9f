package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/storage"
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

// versioned is a named flow run report(n) whose code can change between
// attempts, as when its program is rebuilt: each Def's Source is a code
// version. The flow calls square(i) (the default cache policy) and then
// label(i, title) (storage_key "labels/{flow_run.id}/{parameters[i]}":
// neither the title nor the code is in its key) for i < n.
type versioned struct {
	flow, square, label *runtime.Def
	title               string
	failAt              int // > 0: the body fails before step failAt, as a crash would end it

	mu  sync.Mutex
	ran []string // "square 3", "label 3": the task bodies that ran
}

// version returns the Defs of one version of report: code versions
// "sha256:<flow>", "sha256:<square>", "sha256:<label>".
func version(flow, square, label string) *versioned {
	return &versioned{
		flow: &runtime.Def{Kind: runtime.KindFlow, Name: "report", Func: "example.com/app.Report", Source: "sha256:" + flow,
			Params: []string{"n"}, GoType: "string", Value: true},
		square: &runtime.Def{Kind: runtime.KindTask, Name: "square", Func: "example.com/app.Square", Source: "sha256:" + square,
			Params: []string{"i"}, GoType: "int", Value: true},
		label: &runtime.Def{Kind: runtime.KindTask, Name: "label", Func: "example.com/app.Label", Source: "sha256:" + label,
			Params: []string{"i", "title"}, GoType: "string", Value: true, KeyUsesFlowRun: true,
			Config: runtime.Config{StorageKey: "labels/{flow_run.id}/{parameters[i]}"}},
		title: "item",
	}
}

func (v *versioned) note(s string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.ran = append(v.ran, s)
}

// bodies returns the task bodies that ran since the last call.
func (v *versioned) bodies() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := v.ran
	v.ran = nil
	return out
}

func (v *versioned) State(ctx context.Context, n int, opts ...runtime.Option) *runtime.State[string] {
	return runtime.Run(ctx, runtime.Invocation[string]{
		Def:     v.flow,
		Options: append([]runtime.Option{runtime.RunID("order-7")}, opts...),
		Inputs:  func(h *runtime.Hasher) error { h.Param("n"); h.Int(int64(n)); return nil },
		Body: func(ctx context.Context) (string, error) {
			var out []string
			for i := range n {
				if v.failAt > 0 && i == v.failAt {
					return "", errors.New("crash")
				}
				sq, err := runtime.Run(ctx, runtime.Invocation[int]{
					Def:    v.square,
					Inputs: func(h *runtime.Hasher) error { h.Param("i"); h.Int(int64(i)); return nil },
					Body:   func(context.Context) (int, error) { v.note(fmt.Sprint("square ", i)); return i * i, nil },
				}).Result()
				if err != nil {
					return "", err
				}
				title := v.title
				lb, err := runtime.Run(ctx, runtime.Invocation[string]{
					Def: v.label,
					Inputs: func(h *runtime.Hasher) error {
						h.Param("i")
						h.Int(int64(i))
						h.Param("title")
						h.String(title)
						return nil
					},
					StorageKey: func(k runtime.KeyContext) (string, error) {
						return "labels/" + runtime.KeyValue(k.FlowRun.ID) + "/" + strconv.Itoa(i), nil
					},
					Body: func(context.Context) (string, error) {
						v.note(fmt.Sprint("label ", i))
						return fmt.Sprintf("%s %d (%s)", title, i, v.label.Source), nil
					},
				}).Result()
				if err != nil {
					return "", err
				}
				out = append(out, fmt.Sprintf("%s=%d", lb, sq))
			}
			return strings.Join(out, ", "), nil
		},
	})
}

// crashed runs report(4) under v until it fails before step 2: tasks 0
// and 1 finished.
func crashed(t *testing.T, ctx context.Context, v *versioned) {
	t.Helper()
	v.failAt = 2
	defer func() { v.failAt = 0 }()
	if st := v.State(ctx, 4); !st.IsFailed() {
		t.Fatalf("crashing run: %v", st)
	}
	if got := v.bodies(); !slices.Equal(got, []string{"square 0", "label 0", "square 1", "label 1"}) {
		t.Fatalf("crashing run ran %v", got)
	}
}

func TestDurableRunCodeChanged(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	crashed(t, ctx, version("flow-v1", "square-v1", "label-v1"))

	// The flow's code changed: the resume fails before anything runs,
	// naming both versions and the fixes.
	v2 := version("flow-v2", "square-v1", "label-v2")
	st := v2.State(ctx, 4)
	err := st.Err()
	if !errors.Is(err, runtime.ErrRunCodeChanged) || len(v2.bodies()) != 0 {
		t.Fatalf("resume under changed flow code: %v; want ErrRunCodeChanged and no body run", st)
	}
	for _, want := range []string{`run id "order-7" started`, "flow code version flow-v1", "is now flow-v2",
		"new id", "runtime.ResumeAcrossVersions()", "resultgen results rm -flow-run order-7"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}

	// Opted in: the unchanged square steps are reused; the label steps,
	// whose code changed (their storage key says nothing of it), run again.
	st = v2.State(ctx, 4, runtime.ResumeAcrossVersions())
	if v, err := st.Result(); err != nil || st.Name() != runtime.StateCompleted || st.Resumed() != 2 {
		t.Fatalf("resumed across versions: %q %v %s, resumed %d", v, err, st.Name(), st.Resumed())
	}
	if got, want := v2.bodies(), []string{"label 0", "label 1", "square 2", "label 2", "square 3", "label 3"}; !slices.Equal(got, want) {
		t.Fatalf("resumed across versions ran %v; want %v", got, want)
	}
	if v, _ := st.Result(); !strings.Contains(v, "item 0 (sha256:label-v2)=0") || strings.Contains(v, "label-v1") {
		t.Fatalf("resumed across versions: %q mixes label versions", v)
	}
	if st.CodeVersion() != "sha256:flow-v2" {
		t.Errorf("completed run's code version %q", st.CodeVersion())
	}

	// Finished: returned by id under any code, reporting the code that
	// produced it.
	v3 := version("flow-v3", "square-v1", "label-v2")
	st = v3.State(ctx, 4)
	if !st.IsCached() || st.CodeVersion() != "sha256:flow-v2" || len(v3.bodies()) != 0 {
		t.Fatalf("finished run under other code: %v, code version %q", st, st.CodeVersion())
	}
	if m, _ := st.Meta(); m.Labels[runtime.LabelCodeVersion] != "sha256:flow-v2" {
		t.Errorf("run record labels %v", m.Labels)
	}
	// NewRun under other code reuses the run's steps: the same rule.
	if st := v3.State(ctx, 4, runtime.NewRun()); !errors.Is(st.Err(), runtime.ErrRunCodeChanged) || !strings.Contains(st.Err().Error(), `"order-7" finished`) {
		t.Fatalf("NewRun under other code: %v", st)
	}
	st = v3.State(ctx, 4, runtime.NewRun(), runtime.ResumeAcrossVersions())
	if st.Name() != runtime.StateCompleted || st.Resumed() != 8 || len(v3.bodies()) != 0 || st.CodeVersion() != "sha256:flow-v3" {
		t.Fatalf("NewRun across versions: %v, resumed %d, code %q", st, st.Resumed(), st.CodeVersion())
	}
}

func TestDurableRunAcrossVersionsInputs(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	crashed(t, ctx, version("flow-v1", "square-v1", "label-v1"))
	// The new flow passes the label steps another title: their storage key
	// does not show it, their inputs do.
	v2 := version("flow-v2", "square-v1", "label-v1")
	v2.title = "line"
	st := v2.State(ctx, 4, runtime.ResumeAcrossVersions())
	if got, want := v2.bodies(), []string{"label 0", "label 1", "square 2", "label 2", "square 3", "label 3"}; !slices.Equal(got, want) || st.Resumed() != 2 {
		t.Fatalf("ran %v, resumed %d; want %v, 2", got, st.Resumed(), want)
	}
	if v, err := st.Result(); err != nil || strings.Contains(v, "item") {
		t.Fatalf("result %q %v: holds a step of the old inputs", v, err)
	}
}

func TestDurableRunUnchangedFlowResumes(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	v1 := version("flow-v1", "square-v1", "label-v1")
	crashed(t, ctx, v1)
	// The same code: the run resumes as before.
	st := v1.State(ctx, 4)
	if got, want := v1.bodies(), []string{"square 2", "label 2", "square 3", "label 3"}; !slices.Equal(got, want) || st.Resumed() != 4 || st.Name() != runtime.StateCompleted {
		t.Fatalf("resume: %v ran %v, resumed %d; want %v, 4", st, got, st.Resumed(), want)
	}

	// Only a task's code changed (the flow's did not): the run resumes
	// without the option, and the run's records of that task are not
	// reused, whatever its key is made of.
	ctx2, _, _ := newEngine(t, nil)
	crashed(t, ctx2, version("flow-v1", "square-v1", "label-v1"))
	v1c := version("flow-v1", "square-v1", "label-v1b")
	st = v1c.State(ctx2, 4)
	if got, want := v1c.bodies(), []string{"label 0", "label 1", "square 2", "label 2", "square 3", "label 3"}; !slices.Equal(got, want) || st.Resumed() != 2 {
		t.Fatalf("resume with a changed task: %v ran %v, resumed %d; want %v, 2", st, got, st.Resumed(), want)
	}
}

func TestDurableRunOptionErrors(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	if st := newSquares().with(runtime.ResumeAcrossVersions()).State(ctx, 1); !st.IsFailed() || !strings.Contains(st.Err().Error(), "RunID") {
		t.Errorf("ResumeAcrossVersions alone: %v", st)
	}
	tk := newTask(taskDef("t", true, runtime.Config{}), func(context.Context) (int, error) { return 1, nil })
	if _, err := tk.WithOptions(runtime.ResumeAcrossVersions()).Call(ctx); err == nil || !strings.Contains(err.Error(), "flow runs") {
		t.Errorf("ResumeAcrossVersions on a task: %v", err)
	}
}

// TestDurableRunStatusRecord checks the status a named run keeps at its
// key: Failed with the error (its secret redacted), the process and the
// steps done after a failed attempt, still resumable; Completed with the
// steps of the attempt that finished.
func TestDurableRunStatusRecord(t *testing.T) {
	ctx, _, local := newEngine(t, nil)
	f := newSquares().with(runtime.RunID("order-7"))
	failing := func(ctx context.Context) *runtime.State[int] {
		return runtime.Run(ctx, runtime.Invocation[int]{
			Def:     squaresDef,
			Options: f.opts,
			Inputs:  func(h *runtime.Hasher) error { h.Param("n"); h.Int(int64(3)); return nil },
			Body: func(ctx context.Context) (int, error) {
				for i := range 2 {
					if _, err := f.square(ctx, i); err != nil {
						return 0, err
					}
				}
				return 0, errors.New("upload to s3://AKIAKEY:TOPSECRET@bucket/out?X-Amz-Signature=abc failed:\nconnection reset")
			},
		})
	}
	if st := failing(ctx); !st.IsFailed() {
		t.Fatalf("failing run: %v", st)
	}
	st, err := storage.NewLocal(local)
	if err != nil {
		t.Fatal(err)
	}
	key := runtime.RunKey("squares", "order-7")
	m, err := record.Head(context.Background(), st, key)
	if err != nil {
		t.Fatalf("the failed run's record: %v", err)
	}
	l := m.Labels
	if l[runtime.LabelRunRecord] != "started" || l[runtime.LabelRunStatus] != runtime.StateFailed || l[runtime.LabelRunSteps] != "2" ||
		l[runtime.LabelRunPID] != strconv.Itoa(os.Getpid()) || l[runtime.LabelRunStarted] == "" || l[runtime.LabelCodeVersion] != "sha256:squares" {
		t.Fatalf("the failed run's labels: %v", l)
	}
	if e := l[runtime.LabelRunError]; strings.Contains(e, "TOPSECRET") || strings.Contains(e, "abc") || !strings.Contains(e, "s3://***@bucket/out?***") || strings.Contains(e, "\n") {
		t.Fatalf("the failed run's error is not redacted to one line: %q", e)
	}

	// The next attempt resumes the two steps and finishes: Completed, with
	// the steps it finished (loaded ones too).
	if st := f.State(ctx, 3); !st.IsCompleted() || st.Resumed() != 2 {
		t.Fatalf("resumed run: %v, resumed %d", st, st.Resumed())
	}
	m, err = record.Head(context.Background(), st, key)
	if err != nil {
		t.Fatal(err)
	}
	l = m.Labels
	if l[runtime.LabelRunRecord] != "true" || l[runtime.LabelRunStatus] != "" || l[runtime.LabelRunSteps] != "3" || l[runtime.LabelRunError] != "" {
		t.Fatalf("the finished run's labels: %v", l)
	}
}

func TestRedactErrorText(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"open local:/data/x: no such file", 512, "open local:/data/x: no such file"},
		{"get http://user:pass@minio:9000/b: 403", 512, "get http://***@minio:9000/b: 403"},
		{"line one\nline\ttwo", 512, "line one line two"},
		{strings.Repeat("é", 100), 60, strings.Repeat("é", 8) + "…"}, // 6 bytes each in metadata, the ellipsis 9
		{"a b", 7, "a b"},     // a space takes 3: 5 in all
		{"a b c d", 12, "a…"}, // 13 does not fit, "a…" (10) does
	} {
		if got := runtime.RedactErrorText(c.in, c.max); got != c.want {
			t.Errorf("RedactErrorText(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}
