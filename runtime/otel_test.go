package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/resultgen/resultgen/runtime"
)

// observed is an engine whose spans and metrics go to an in-memory span
// recorder and a manual metric reader, as an exporter would see them.
type observed struct {
	ctx    context.Context
	e      *runtime.Engine
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
}

func newObserved(t *testing.T, opts ...runtime.EngineOption) observed {
	t.Helper()
	o := observed{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(o.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(o.reader))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()); _ = mp.Shutdown(context.Background()) })
	o.ctx, o.e, _ = newEngine(t, nil, append([]runtime.EngineOption{runtime.WithTracerProvider(tp), runtime.WithMeterProvider(mp)}, opts...)...)
	return o
}

// ended returns the ended spans named name, in the order they ended.
func (o observed) ended(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range o.spans.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

// attrs returns a span's attributes by key.
func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

// wantAttrs checks that span s has each of want's attributes (compared by
// their Emit text) and none of absent's keys.
func wantAttrs(t *testing.T, s sdktrace.ReadOnlySpan, want map[string]string, absent ...string) {
	t.Helper()
	got := attrs(s)
	for k, v := range want {
		if g, ok := got[attribute.Key(k)]; !ok || g.String() != v {
			t.Errorf("span %q: %s = %q (set: %v), want %q", s.Name(), k, g.String(), ok, v)
		}
	}
	for _, k := range absent {
		if g, ok := got[attribute.Key(k)]; ok {
			t.Errorf("span %q: %s = %q, want it absent", s.Name(), k, g.String())
		}
	}
}

// points collects the metrics and returns the data points of the metric
// named name, each as its attributes ("k=v,k=v", sorted) and its value (a
// histogram's: its count).
func (o observed) points(t *testing.T, name string) map[string]float64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := o.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("collect metrics: %v", err)
	}
	out := map[string]float64{}
	key := func(s attribute.Set) string {
		var parts []string
		for _, kv := range s.ToSlice() {
			if kv.Key == "code.function.name" {
				continue // the same as the name here
			}
			parts = append(parts, string(kv.Key)+"="+kv.Value.String())
		}
		return strings.Join(parts, ",")
	}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != runtime.InstrumentationName {
			t.Errorf("metrics of scope %q, want %q", sm.Scope.Name, runtime.InstrumentationName)
		}
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					out[key(p.Attributes)] += float64(p.Value)
				}
			case metricdata.Histogram[float64]:
				if m.Unit != "s" {
					t.Errorf("%s: unit %q, want s", name, m.Unit)
				}
				for _, p := range d.DataPoints {
					out[key(p.Attributes)] += float64(p.Count)
				}
			default:
				t.Fatalf("%s: data %T", name, m.Data)
			}
		}
	}
	return out
}

func wantPoints(t *testing.T, name string, got, want map[string]float64) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s{%s} = %v, want %v (all: %v)", name, k, got[k], v, got)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s{%s} = %v, not expected (all: %v)", name, k, got[k], got)
		}
	}
}

// A persisted task's miss, hit and expired miss: one span each, with the
// cache outcome and the miss's reason, the key, storage, serializer and
// bytes; and the matching counters and histograms.
func TestOtelMissHitExpired(t *testing.T) {
	c := &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	o := newObserved(t, runtime.WithClock(c.Now))
	payload := strings.Repeat("p", 2000)
	def := taskDef("Report", true, runtime.Config{CachePolicy: "inputs+task_source", CacheExpiration: time.Hour})
	def.GoType = "string"
	tk := newTask(def, func(context.Context) (string, error) { return payload, nil })

	miss := tk.State(o.ctx)
	hit := tk.State(o.ctx)
	c.Add(2 * time.Hour)
	expired := tk.State(o.ctx)
	if miss.IsCached() || !hit.IsCached() || expired.IsCached() || expired.Err() != nil {
		t.Fatalf("runs: %v, %v, %v", miss, hit, expired)
	}
	spans := o.ended("task Report")
	if len(spans) != 3 {
		t.Fatalf("%d spans named \"task Report\", want 3 (all: %v)", len(spans), o.spans.Ended())
	}
	size := miss.Size()
	if size < 2000 {
		t.Fatalf("record payload %d bytes, want >= 2000", size)
	}
	common := map[string]string{
		"resultgen.task.name": "Report", "code.function.name": "example.com/app.Report",
		"resultgen.persisted": "true", "resultgen.key": miss.Key(), "resultgen.storage": miss.Storage(),
		"resultgen.serializer": "msgpack", "resultgen.attempt": "1", "resultgen.retries": "0",
	}
	with := func(m map[string]string) map[string]string {
		out := map[string]string{}
		for _, x := range []map[string]string{common, m} {
			for k, v := range x {
				out[k] = v
			}
		}
		return out
	}
	wantAttrs(t, spans[0], with(map[string]string{"resultgen.state": "Completed", "resultgen.cache.outcome": "miss",
		"resultgen.cache.miss_reason": "absent", "resultgen.cache.miss_detail": miss.CacheReason(),
		"resultgen.bytes.written": itoa(size)}), "resultgen.bytes.read", "resultgen.key.sha256")
	wantAttrs(t, spans[1], with(map[string]string{"resultgen.state": "Cached", "resultgen.cache.outcome": "hit",
		"resultgen.bytes.read": itoa(size)}), "resultgen.cache.miss_reason", "resultgen.bytes.written")
	wantAttrs(t, spans[2], with(map[string]string{"resultgen.state": "Completed", "resultgen.cache.outcome": "miss",
		"resultgen.cache.miss_reason": "expired"}))
	info, _ := hit.TaskRun()
	wantAttrs(t, spans[1], map[string]string{"resultgen.task.run.id": info.ID, "resultgen.task.run.name": info.Name})
	for _, s := range spans {
		if s.Status().Code != codes.Unset || s.Parent().IsValid() {
			t.Errorf("span %q: status %v, parent %v; want unset, none", s.Name(), s.Status(), s.Parent())
		}
	}

	wantPoints(t, "resultgen.task.runs", o.points(t, "resultgen.task.runs"), map[string]float64{
		"resultgen.state=Completed,resultgen.task.name=Report": 2,
		"resultgen.state=Cached,resultgen.task.name=Report":    1,
	})
	wantPoints(t, "resultgen.cache.lookups", o.points(t, "resultgen.cache.lookups"), map[string]float64{
		"resultgen.cache.miss_reason=absent,resultgen.cache.outcome=miss,resultgen.task.name=Report":  1,
		"resultgen.cache.miss_reason=expired,resultgen.cache.outcome=miss,resultgen.task.name=Report": 1,
		"resultgen.cache.outcome=hit,resultgen.task.name=Report":                                      1,
	})
	wantPoints(t, "resultgen.storage.bytes", o.points(t, "resultgen.storage.bytes"), map[string]float64{
		"resultgen.io.direction=write,resultgen.task.name=Report": float64(2 * size),
		"resultgen.io.direction=read,resultgen.task.name=Report":  float64(size),
	})
	wantPoints(t, "resultgen.task.duration", o.points(t, "resultgen.task.duration"), map[string]float64{
		"resultgen.state=Completed,resultgen.task.name=Report": 2,
		"resultgen.state=Cached,resultgen.task.name=Report":    1,
	})
	// three lookups, two commits
	wantPoints(t, "resultgen.storage.operation.duration", o.points(t, "resultgen.storage.operation.duration"), map[string]float64{
		"resultgen.storage.kind=local,resultgen.storage.operation=read":  3,
		"resultgen.storage.kind=local,resultgen.storage.operation=write": 2,
	})
}

func itoa(n int64) string { return attribute.Int64Value(n).String() }

// A task that fails twice and then succeeds: one span, attempt 3, a
// "retry" event per failed attempt; one that fails every attempt: status
// Error with the error recorded, and a Failed run in the metrics.
func TestOtelRetryAndFailure(t *testing.T) {
	o := newObserved(t)
	n := 0
	flaky := newTask(taskDef("Flaky", true, runtime.Config{}), func(context.Context) (int, error) {
		if n++; n < 3 {
			return 0, errors.New("try again")
		}
		return 7, nil
	}).WithOptions(runtime.Retries(2))
	if v, err := flaky.Call(o.ctx); v != 7 || err != nil {
		t.Fatalf("flaky: %v, %v", v, err)
	}
	broken := newTask(taskDef("Broken", true, runtime.Config{}), func(context.Context) (int, error) {
		return 0, errors.New("disk on fire")
	}).WithOptions(runtime.Retries(1))
	if _, err := broken.Call(o.ctx); err == nil {
		t.Fatal("broken task did not fail")
	}

	fs := o.ended("task Flaky")
	if len(fs) != 1 {
		t.Fatalf("%d Flaky spans, want 1", len(fs))
	}
	wantAttrs(t, fs[0], map[string]string{"resultgen.state": "Completed", "resultgen.attempt": "3", "resultgen.retries": "2", "resultgen.persisted": "false"},
		"resultgen.cache.outcome", "resultgen.key", "resultgen.storage")
	var retries []string
	for _, ev := range fs[0].Events() {
		if ev.Name == "retry" {
			m := map[attribute.Key]string{}
			for _, kv := range ev.Attributes {
				m[kv.Key] = kv.Value.String()
			}
			retries = append(retries, m["resultgen.attempt"]+": "+m["exception.message"])
		}
	}
	if strings.Join(retries, "; ") != "1: try again; 2: try again" {
		t.Errorf("Flaky retry events: %q", retries)
	}
	if fs[0].Status().Code != codes.Unset {
		t.Errorf("Flaky status %v, want unset", fs[0].Status())
	}

	bs := o.ended("task Broken")
	if len(bs) != 1 {
		t.Fatalf("%d Broken spans, want 1", len(bs))
	}
	wantAttrs(t, bs[0], map[string]string{"resultgen.state": "Failed", "resultgen.attempt": "2", "resultgen.retries": "1"})
	if st := bs[0].Status(); st.Code != codes.Error || st.Description != "disk on fire" {
		t.Errorf("Broken status %v, want Error \"disk on fire\"", st)
	}
	recorded := false
	for _, ev := range bs[0].Events() {
		for _, kv := range ev.Attributes {
			recorded = recorded || ev.Name == "exception" && kv.Key == "exception.message" && kv.Value.AsString() == "disk on fire"
		}
	}
	if !recorded {
		t.Errorf("Broken span has no exception event with its error: %v", bs[0].Events())
	}
	wantPoints(t, "resultgen.task.runs", o.points(t, "resultgen.task.runs"), map[string]float64{
		"resultgen.state=Completed,resultgen.task.name=Flaky": 1,
		"resultgen.state=Failed,resultgen.task.name=Broken":   1,
	})
	wantPoints(t, "resultgen.cache.lookups", o.points(t, "resultgen.cache.lookups"), map[string]float64{})
}

// A task whose function takes no context (Def.NoContext, which an
// unpersisted Call otherwise runs without a task run: runBare) gets its
// span with the attempts counted, as any task does, when OpenTelemetry is
// on.
func TestOtelNoContextTask(t *testing.T) {
	o := newObserved(t)
	def := taskDef("Bare", true, runtime.Config{})
	def.NoContext = true
	n := 0
	bare := newTask(def, func(context.Context) (int, error) {
		if n++; n < 2 {
			return 0, errors.New("try again")
		}
		return 5, nil
	}).WithOptions(runtime.Retries(1))
	if v, err := bare.Call(o.ctx); v != 5 || err != nil {
		t.Fatalf("bare: %v, %v", v, err)
	}
	bs := o.ended("task Bare")
	if len(bs) != 1 {
		t.Fatalf("%d Bare spans, want 1", len(bs))
	}
	wantAttrs(t, bs[0], map[string]string{"resultgen.state": "Completed", "resultgen.attempt": "2", "resultgen.retries": "1", "resultgen.persisted": "false"})
}

// A flow's span is the parent of its tasks' spans, and a child of the
// caller's; a key made by storage_key, which holds a parameter's value,
// shows only as its hash.
func TestOtelFlowSpansAndKeyHash(t *testing.T) {
	o := newObserved(t)
	hello := helloTask{calls: new(atomic.Int64)}
	flow := newTask(flowDef("greet", true, runtime.Config{}), func(ctx context.Context) (int, error) {
		v, err := hello.State(ctx, "alice-secret").Result()
		return len(v), err
	})
	tracer := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(o.spans)).Tracer("caller")
	ctx, caller := tracer.Start(o.ctx, "request")
	st := flow.State(ctx)
	caller.End()
	if st.Err() != nil {
		t.Fatal(st.Err())
	}
	fs, ts := o.ended("flow greet"), o.ended("task hello_world")
	if len(fs) != 1 || len(ts) != 1 {
		t.Fatalf("spans: %v", o.spans.Ended())
	}
	if fs[0].Parent().SpanID() != caller.SpanContext().SpanID() {
		t.Errorf("flow span's parent %v, want the caller's %v", fs[0].Parent().SpanID(), caller.SpanContext().SpanID())
	}
	if ts[0].Parent().SpanID() != fs[0].SpanContext().SpanID() {
		t.Errorf("task span's parent %v, want the flow's %v", ts[0].Parent().SpanID(), fs[0].SpanContext().SpanID())
	}
	fi, _ := st.FlowRun()
	wantAttrs(t, fs[0], map[string]string{"resultgen.flow.name": "greet", "code.function.name": "example.com/app.greet",
		"resultgen.flow.run.id": fi.ID, "resultgen.state": "Completed"})
	wantAttrs(t, ts[0], map[string]string{"resultgen.flow.name": "greet", "resultgen.flow.run.id": fi.ID,
		"code.function.name": "example.com/app.HelloWorld", "resultgen.cache.outcome": "miss"},
		"resultgen.key", "resultgen.cache.miss_detail")
	if h := attrs(ts[0])["resultgen.key.sha256"].AsString(); len(h) != 64 {
		t.Errorf("resultgen.key.sha256 = %q, want a hex SHA-256", h)
	}
	for _, s := range o.spans.Ended() {
		for _, kv := range s.Attributes() {
			if strings.Contains(kv.Value.String(), "alice") {
				t.Errorf("span %q: %s = %q shows the parameter's value", s.Name(), kv.Key, kv.Value.String())
			}
		}
	}
	wantPoints(t, "resultgen.flow.runs", o.points(t, "resultgen.flow.runs"), map[string]float64{
		"resultgen.flow.name=greet,resultgen.state=Completed": 1,
	})
}

// A named run that failed, then resumed: the resuming attempt's span
// links to the failed attempt's (its traceparent kept in the run's start
// record), says it resumed and how many tasks it reused.
func TestOtelResumedDurableRun(t *testing.T) {
	o := newObserved(t)
	f := newSquares().with(runtime.RunID("order-7"))
	crash := f
	crash.failAt = 2
	if st := crash.State(o.ctx, 4); !st.IsFailed() {
		t.Fatalf("crashing run: %v", st)
	}
	if st := f.State(o.ctx, 4); st.Err() != nil || st.Resumed() != 2 {
		t.Fatalf("resumed run: %v, resumed %d", st, st.Resumed())
	}
	runs := o.ended("flow squares")
	if len(runs) != 2 {
		t.Fatalf("%d flow spans, want 2", len(runs))
	}
	first, second := runs[0], runs[1]
	wantAttrs(t, first, map[string]string{"resultgen.state": "Failed", "resultgen.flow.run.id": "order-7"}, "resultgen.flow.resumed")
	if first.Status().Code != codes.Error {
		t.Errorf("failed run's status %v", first.Status())
	}
	wantAttrs(t, second, map[string]string{"resultgen.state": "Completed", "resultgen.flow.run.id": "order-7",
		"resultgen.flow.resumed": "true", "resultgen.flow.resumed_tasks": "2"})
	links := second.Links()
	if len(links) != 1 || links[0].SpanContext.SpanID() != first.SpanContext().SpanID() || links[0].SpanContext.TraceID() != first.SpanContext().TraceID() {
		t.Fatalf("resumed run's links %v, want one to the failed run's span %v", links, first.SpanContext())
	}
	// the resumed attempt's task spans: two hits (reused), two misses
	outcomes := map[string]int{}
	for _, s := range o.ended("task square") {
		if s.Parent().SpanID() == second.SpanContext().SpanID() {
			outcomes[attrs(s)["resultgen.cache.outcome"].AsString()]++
		}
	}
	if outcomes["hit"] != 2 || outcomes["miss"] != 2 {
		t.Errorf("resumed run's task outcomes %v, want 2 hits and 2 misses", outcomes)
	}
}

// A serializable task's lock wait is timed and shows on its span.
func TestOtelLockWait(t *testing.T) {
	o := newObserved(t)
	tk := newTask(taskDef("Locked", true, runtime.Config{Isolation: runtime.Serializable, Persist: ptr(true)}), func(context.Context) (int, error) { return 1, nil })
	if _, err := tk.Call(o.ctx); err != nil {
		t.Fatal(err)
	}
	s := o.ended("task Locked")
	if len(s) != 1 {
		t.Fatalf("%d spans", len(s))
	}
	found := false
	for _, ev := range s[0].Events() {
		found = found || ev.Name == "lock"
	}
	if !found {
		t.Errorf("no lock event on the span: %v", s[0].Events())
	}
	wantPoints(t, "resultgen.lock.wait.duration", o.points(t, "resultgen.lock.wait.duration"), map[string]float64{"resultgen.lock.kind=task": 1})
}

// With no-op providers, an unpersisted task's Call still makes one
// allocation (TestCallUnpersistedAllocations checks the same without
// providers: the global ones).
func TestOtelNoopCostsNothing(t *testing.T) {
	ctx, _, _ := newEngine(t, nil, runtime.WithTracerProvider(tracenoop.NewTracerProvider()), runtime.WithMeterProvider(metricnoop.NewMeterProvider()))
	inv := runtime.Invocation[int]{Def: taskDef("cheap", true, runtime.Config{}),
		Body: func(context.Context) (int, error) { return 1, nil }}
	if n := testing.AllocsPerRun(100, func() { _, _ = runtime.Call(ctx, inv) }); n > 1 {
		t.Errorf("Call of an unpersisted task without a provider: %v allocations, want <= 1", n)
	}
}

// BenchmarkCallTelemetry is BenchmarkCall/unpersisted on an engine with
// the OTel SDK's providers (spans sampled, no exporter; metrics to a
// manual reader), with tracing only, and with metrics only.
func BenchmarkCallTelemetry(b *testing.B) {
	body := func(context.Context) (int, error) { return 42, nil }
	for _, c := range []struct {
		name           string
		trace, metrics bool
	}{{"traces+metrics", true, true}, {"traces", true, false}, {"metrics", false, true}} {
		b.Run(c.name, func(b *testing.B) {
			var opts []runtime.EngineOption
			if c.trace {
				tp := sdktrace.NewTracerProvider()
				b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
				opts = append(opts, runtime.WithTracerProvider(tp))
			}
			if c.metrics {
				mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
				b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
				opts = append(opts, runtime.WithMeterProvider(mp))
			}
			ctx, _, _ := newEngine(b, nil, opts...)
			inv := runtime.Invocation[int]{Def: taskDef("bench", true, runtime.Config{}), Body: body}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := runtime.Call(ctx, inv); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

const otelHelperEnv = "RESULTGEN_TEST_OTEL_HELPER"

// An engine made before the program sets the global providers (the
// default engine is often made first) records nothing until then, and
// every run from then on, each provider on its own: checked in a process of its own, since the
// global providers are the process's.
func TestOtelGlobalProvidersSetLater(t *testing.T) {
	if os.Getenv(otelHelperEnv) != "" {
		t.Skip("helper process")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestOtelGlobalHelper$", "-test.v")
	cmd.Env = append(os.Environ(), otelHelperEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "BEFORE spans=0 runs=0\n") || !strings.Contains(string(out), "TRACER spans=1 runs=0\n") ||
		!strings.Contains(string(out), "AFTER spans=2 runs=1\n") {
		t.Errorf("helper output:\n%s", out)
	}
}

// TestOtelGlobalHelper is TestOtelGlobalProvidersSetLater's process.
func TestOtelGlobalHelper(t *testing.T) {
	if os.Getenv(otelHelperEnv) == "" {
		t.Skip("runs as TestOtelGlobalProvidersSetLater's helper process")
	}
	ctx, _, _ := newEngine(t, nil) // the global providers: OpenTelemetry's defaults
	tk := newTask(taskDef("Later", true, runtime.Config{}), func(context.Context) (int, error) { return 1, nil })
	spans, reader := tracetest.NewSpanRecorder(), sdkmetric.NewManualReader()
	registered := false
	count := func() (int, int) {
		if !registered {
			return len(spans.Ended()), 0 // the reader can collect only once registered
		}
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(context.Background(), &rm); err != nil {
			t.Fatal(err)
		}
		runs := 0
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				if s, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == "resultgen.task.runs" {
					for _, p := range s.DataPoints {
						runs += int(p.Value)
					}
				}
			}
		}
		return len(spans.Ended()), runs
	}
	if _, err := tk.Call(ctx); err != nil {
		t.Fatal(err)
	}
	s, r := count()
	fmt.Printf("BEFORE spans=%d runs=%d\n", s, r)
	// the tracer first: a run is traced while the meter is still the default
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)))
	if _, err := tk.Call(ctx); err != nil {
		t.Fatal(err)
	}
	s, r = count()
	fmt.Printf("TRACER spans=%d runs=%d\n", s, r)
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	registered = true
	if _, err := tk.Call(ctx); err != nil {
		t.Fatal(err)
	}
	s, r = count()
	fmt.Printf("AFTER spans=%d runs=%d\n", s, r)
}

// The runtime depends on OpenTelemetry's API only: a program picks the
// SDK and the exporters.
func TestOtelAPIOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "github.com/resultgen/resultgen/runtime").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	api := false
	for pkg := range strings.Lines(string(out)) {
		pkg = strings.TrimSpace(pkg)
		api = api || pkg == "go.opentelemetry.io/otel/trace"
		if strings.HasPrefix(pkg, "go.opentelemetry.io/otel/sdk") || strings.HasPrefix(pkg, "go.opentelemetry.io/otel/exporters") {
			t.Errorf("the runtime imports %s: only OpenTelemetry's API may be imported", pkg)
		}
	}
	if !api {
		t.Errorf("go list -deps shows no go.opentelemetry.io/otel/trace:\n%s", out)
	}
}
