package runtime_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
)

// debugText is a text handler on w taking every level, so that only the
// engine's level filter decides what is written.
func debugText(w *syncBuffer) slog.Handler {
	return slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})
}

// logLines returns the lines written to w.
func logLines(w *syncBuffer) []string {
	var out []string
	for line := range strings.SplitSeq(w.String(), "\n") {
		if line != "" {
			out = append(out, line)
		}
	}
	return out
}

// runSome runs, on ctx: hello_world("world") (persisted, Completed on the
// first call and Cached after), an unpersisted task, and a flow calling
// hello_world("flow"). It returns the hello_world("world") state.
func runSome(t *testing.T, ctx context.Context) *runtime.State[string] {
	t.Helper()
	hello := helloTask{calls: new(atomic.Int64)}
	st := hello.State(ctx, "world")
	if !st.IsCompleted() {
		t.Fatalf("hello: %v", st)
	}
	plain := newTask(taskDef("plain", true, runtime.Config{}), func(context.Context) (int, error) { return 1, nil })
	if _, err := plain.Call(ctx); err != nil {
		t.Fatal(err)
	}
	flow := newTask(flowDef("my-flow", false, runtime.Config{}), func(ctx context.Context) (runtime.Void, error) {
		_, err := hello.State(ctx, "flow").Result()
		return runtime.Void{}, err
	})
	if _, err := flow.Call(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

// At the default level, WARNING, successful and failed runs log nothing;
// a retry still does.
func TestLogsQuietByDefault(t *testing.T) {
	logs := &syncBuffer{}
	ctx, e, _ := newEngineLogging(t, nil, runtime.WithLogHandler(debugText(logs)))
	if got := e.Settings().LoggingLevel; got != "WARNING" {
		t.Fatalf("default %s = %q, want WARNING", settings.LoggingLevel, got)
	}
	runSome(t, ctx)
	runSome(t, ctx) // cached this time
	if logs.String() != "" {
		t.Fatalf("successful runs logged at the default level:\n%s", logs)
	}

	errBoom := errors.New("boom")
	var n atomic.Int64
	flaky := newTask(taskDef("flaky", true, runtime.Config{Retries: 1}), func(context.Context) (int, error) {
		if n.Add(1) == 1 {
			return 0, errBoom
		}
		return 2, nil
	})
	if _, err := flaky.Call(ctx); err != nil {
		t.Fatal(err)
	}
	lines := logLines(logs)
	if len(lines) != 1 || !strings.Contains(lines[0], "level=WARN") || !strings.Contains(lines[0], `msg="task flaky: retrying"`) ||
		!strings.Contains(lines[0], "attempt=1") || !strings.Contains(lines[0], "error=boom") {
		t.Errorf("a retry logged, want one WARN line:\n%s", logs)
	}

	// A failed run returns its error: that is its one report, so nothing is
	// logged at the default level (DESIGN.md: errors are reported once).
	failing := newTask(taskDef("failing", true, runtime.Config{}), func(context.Context) (int, error) { return 0, errBoom })
	if _, err := failing.Call(ctx); !errors.Is(err, errBoom) {
		t.Fatalf("failing: %v", err)
	}
	if lines = logLines(logs)[1:]; len(lines) != 0 {
		t.Errorf("a failed run logged at the default level, want nothing (the error is returned):\n%s", strings.Join(lines, "\n"))
	}
}

// At DEBUG a failed run's final line is there, at DEBUG, with its error.
func TestLogsFailedAtDebug(t *testing.T) {
	logs := &syncBuffer{}
	ctx, _, _ := newEngineLogging(t, map[string]string{settings.LoggingLevel: "DEBUG"}, runtime.WithLogHandler(debugText(logs)))
	failing := newTask(taskDef("failing", true, runtime.Config{}), func(context.Context) (int, error) { return 0, errors.New("boom") })
	if _, err := failing.Call(ctx); err == nil {
		t.Fatal("failing: no error")
	}
	lines := logLines(logs)
	if len(lines) != 2 || !strings.Contains(lines[1], "level=DEBUG") || !strings.Contains(lines[1], `msg="task failing: Failed"`) ||
		!strings.Contains(lines[1], "run=failing-1") || !strings.Contains(lines[1], "error=boom") {
		t.Errorf("a failed run at DEBUG, want a start line and a DEBUG Failed line with the error:\n%s", logs)
	}
}

// At INFO each run logs one line when it finishes: state, run, location when
// persisted, reason and run id; no start line.
func TestLogsInfoOneLinePerRun(t *testing.T) {
	logs := &syncBuffer{}
	ctx, _, _ := newEngineLogging(t, map[string]string{settings.LoggingLevel: "info"}, runtime.WithLogHandler(debugText(logs)))
	st := runSome(t, ctx)
	lines := logLines(logs)
	// hello_world, plain, hello_world in the flow, the flow.
	if len(lines) != 4 {
		t.Fatalf("%d lines for 4 runs, want one each:\n%s", len(lines), logs)
	}
	for _, line := range lines {
		for _, want := range []string{"level=INFO", "run=", "reason=", "run_id="} {
			if !strings.Contains(line, want) {
				t.Errorf("line lacks %q: %s", want, line)
			}
		}
		if strings.Contains(line, "started") {
			t.Errorf("a start line at INFO: %s", line)
		}
	}
	hello := lines[0]
	for _, want := range []string{
		`msg="task hello_world: Completed"`, "run=hello_world-1", "location=" + st.Location(),
		`reason="inferred from storage_key"`,
	} {
		if !strings.Contains(hello, want) {
			t.Errorf("hello_world line lacks %q: %s", want, hello)
		}
	}
	if !strings.Contains(lines[1], `msg="task plain: Completed"`) || strings.Contains(lines[1], "location=") {
		t.Errorf("unpersisted line, want no location: %s", lines[1])
	}
	if !strings.Contains(lines[2], `msg="task hello_world: Completed"`) || !strings.Contains(lines[2], "flow=my-flow/") {
		t.Errorf("task in a flow, want flow=my-flow/NAME: %s", lines[2])
	}
	if !strings.Contains(lines[3], `msg="flow my-flow: Completed"`) || !strings.Contains(lines[3], "run=my-flow/") {
		t.Errorf("flow line: %s", lines[3])
	}

	// The next run of hello_world("world") is Cached, still one line.
	before := len(lines)
	helloTask{calls: new(atomic.Int64)}.State(ctx, "world")
	lines = logLines(logs)
	if len(lines) != before+1 || !strings.Contains(lines[before], `msg="task hello_world: Cached"`) ||
		!strings.Contains(lines[before], "location="+st.Location()) {
		t.Errorf("cached run, want one Cached line with the location:\n%s", strings.Join(lines[before:], "\n"))
	}
}

// DEBUG adds a start line to each run.
func TestLogsDebugStartLine(t *testing.T) {
	logs := &syncBuffer{}
	ctx, _, _ := newEngineLogging(t, map[string]string{settings.LoggingLevel: "DEBUG"}, runtime.WithLogHandler(debugText(logs)))
	plain := newTask(taskDef("plain", true, runtime.Config{}), func(context.Context) (int, error) { return 1, nil })
	if _, err := plain.Call(ctx); err != nil {
		t.Fatal(err)
	}
	lines := logLines(logs)
	if len(lines) != 2 || !strings.Contains(lines[0], `level=DEBUG msg="task plain: started" run=plain-1 run_id=`) ||
		!strings.Contains(lines[1], `msg="task plain: Completed"`) {
		t.Errorf("want a start and a finish line:\n%s", logs)
	}
}

// A logger given with WithLogger is used as is: RESULTGEN_LOGGING_LEVEL does
// not filter it.
func TestWithLoggerWins(t *testing.T) {
	mine, filtered := &syncBuffer{}, &syncBuffer{}
	ctx, _, _ := newEngineLogging(t, map[string]string{settings.LoggingLevel: "ERROR"},
		runtime.WithLogHandler(debugText(filtered)), runtime.WithLogger(slog.New(debugText(mine))))
	plain := newTask(taskDef("plain", true, runtime.Config{}), func(context.Context) (int, error) { return 1, nil })
	if _, err := plain.Call(ctx); err != nil {
		t.Fatal(err)
	}
	lines := logLines(mine)
	if len(lines) != 2 || !strings.Contains(lines[0], "task plain: started") || !strings.Contains(lines[1], "task plain: Completed") {
		t.Errorf("the caller's logger got:\n%s\nwant the start and finish lines", mine)
	}
	if filtered.String() != "" {
		t.Errorf("the default handler got lines although a logger was given:\n%s", filtered)
	}
}

// strictHandler takes no level, and fails the test if a record or attribute
// reaches it: disabled logs must not be built.
type strictHandler struct {
	enabled atomic.Int64
	mu      sync.Mutex
	calls   []string
}

func (h *strictHandler) Enabled(context.Context, slog.Level) bool { h.enabled.Add(1); return false }
func (h *strictHandler) call(name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, name)
}
func (h *strictHandler) Handle(context.Context, slog.Record) error { h.call("Handle"); return nil }
func (h *strictHandler) WithAttrs([]slog.Attr) slog.Handler        { h.call("WithAttrs"); return h }
func (h *strictHandler) WithGroup(string) slog.Handler             { h.call("WithGroup"); return h }

// Runs ask whether a level is enabled before building a line, and never
// attach attributes to the logger up front.
func TestDisabledLogsBuildNothing(t *testing.T) {
	h := &strictHandler{}
	ctx, _, _ := newEngineLogging(t, map[string]string{settings.LoggingLevel: "DEBUG"}, runtime.WithLogger(slog.New(h)))
	runSome(t, ctx)
	flaky := newTask(taskDef("flaky", true, runtime.Config{Retries: 1, RetryDelay: time.Millisecond}), func(context.Context) (int, error) {
		return 0, errors.New("boom")
	})
	flaky.Call(ctx)
	if h.enabled.Load() == 0 {
		t.Error("no run asked the logger whether a level is enabled")
	}
	if len(h.calls) > 0 {
		t.Errorf("disabled logs reached the handler: %v", h.calls)
	}
}
