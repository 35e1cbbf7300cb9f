package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"strings"
	"sync"
	"time"
	"unsafe"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/resultgen/resultgen/internal/rules"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

// InstrumentationName is the name of the OpenTelemetry tracer and meter the
// runtime takes from its providers (the instrumentation scope of its spans
// and metrics).
const InstrumentationName = "github.com/resultgen/resultgen/runtime"

// LabelTraceParent, on the record a named run keeps while it runs (see
// RunID), holds the W3C traceparent of the run's span; a later attempt
// that resumes the run links its span to it.
const LabelTraceParent = "traceparent"

// WithTracerProvider sets where the engine's spans go. Without it the
// engine uses otel.GetTracerProvider() as it is when the engine is made
// (the global provider: a no-op until otel.SetTracerProvider is called,
// even after the engine was made). A no-op provider costs a run nothing:
// no span, no attribute is built.
//
// Each flow run and each task run is one span, a child of the span in the
// run's context (a task's span is a child of its flow's). The span of a
// flow is named "flow NAME", that of a task "task NAME"; its attributes
// (set as the run ends, with the run's error recorded and status Error
// when it failed):
//
//   - resultgen.task.name or resultgen.flow.name, and code.function.name
//     (the package-qualified function, "example.com/app.Square");
//   - resultgen.task.run.id and resultgen.task.run.name (a task run's
//     UUID and "Square-3"), resultgen.flow.run.id and
//     resultgen.flow.run.name (on a task run, those of its calling flow;
//     a named run's id is its RunID);
//   - resultgen.state: Completed, Cached or Failed;
//   - resultgen.persisted; for a persisted run, resultgen.storage (the
//     store, with credentials redacted), resultgen.serializer, and
//     resultgen.key (a cache policy's key: a hash) or, for a key made by
//     storage_key or cache_key_fn, which may hold a parameter's value,
//     resultgen.key.sha256 (the key's SHA-256 in hex) instead;
//   - resultgen.cache.outcome: hit or miss, and on a miss
//     resultgen.cache.miss_reason (absent, expired, damaged, type_changed,
//     code_changed, refresh, policy_none or other) and, for a cache
//     policy's key, resultgen.cache.miss_detail (State.CacheReason);
//   - resultgen.bytes.read (a hit) or resultgen.bytes.written (a commit):
//     the record's payload bytes;
//   - resultgen.attempt (the attempts the body ran, 1 without a retry) and
//     resultgen.retries (the retries allowed); each failed attempt that is
//     retried is an event "retry" with its error;
//   - on a flow span: resultgen.flow.resumed (a named run resuming one
//     that did not finish, whose span it links to) and
//     resultgen.flow.resumed_tasks (State.Resumed).
func WithTracerProvider(tp trace.TracerProvider) EngineOption {
	return func(e *Engine) {
		if tp != nil {
			e.tel.tp = tp
		}
	}
}

// WithMeterProvider sets where the engine's metrics go. Without it the
// engine uses otel.GetMeterProvider() as it is when the engine is made
// (the global provider: a no-op until otel.SetMeterProvider is called).
// The instruments, with their attributes:
//
//   - resultgen.task.runs and resultgen.flow.runs (counters, {run}):
//     resultgen.task.name or resultgen.flow.name, code.function.name,
//     resultgen.state;
//   - resultgen.task.duration and resultgen.flow.duration (histograms,
//     seconds): the same attributes;
//   - resultgen.cache.lookups (counter, {lookup}): resultgen.task.name,
//     resultgen.cache.outcome (hit or miss), resultgen.cache.miss_reason
//     (on a miss);
//   - resultgen.storage.bytes (counter, By): resultgen.task.name,
//     resultgen.io.direction (read or write): record payload bytes;
//   - resultgen.storage.operation.duration (histogram, seconds): a
//     lookup (resultgen.storage.operation=read) or a commit (write) of a
//     record, with resultgen.storage.kind (local, memory, s3, ...) and
//     error.type when it failed;
//   - resultgen.lock.wait.duration (histogram, seconds): the time to take
//     the lock of a serializable key (resultgen.lock.kind=task) or of a
//     named flow run (flow), with error.type when it was not taken.
func WithMeterProvider(mp metric.MeterProvider) EngineOption {
	return func(e *Engine) {
		if mp != nil {
			e.tel.mp = mp
		}
	}
}

// telemetry is an engine's tracer and instruments.
type telemetry struct {
	tp trace.TracerProvider // from WithTracerProvider; set by init otherwise
	mp metric.MeterProvider // from WithMeterProvider; set by init otherwise

	tracer trace.Tracer // nil: the provider is a no-op
	// dflt is the global provider tp is when it is OpenTelemetry's default,
	// whose tracers do nothing until otel.SetTracerProvider gives it a
	// delegate: tracing is off while the global provider is still dflt.
	dflt trace.TracerProvider
	// meterOff: mp is a no-op; mdflt: mp is the default global provider,
	// whose instruments do nothing until otel.SetMeterProvider (as dflt)
	meterOff bool
	mdflt    metric.MeterProvider
	// globalOnly: telemetry can come on only through the global providers
	// (tracer and meter each a no-op or the default global provider), so a
	// run asks only whether either global provider is still the default
	// one (off). dfltPtr and mdfltPtr are dflt's and mdflt's addresses
	// (nil without): tracing, meters and off compare the global providers'
	// with them rather than the interfaces (runtime.ifaceeq's call): with
	// no provider set, a run's telemetry cost 139 instructions, 83 now
	// (callgrind, BenchmarkCall/unpersisted).
	globalOnly        bool
	dfltPtr, mdfltPtr unsafe.Pointer

	taskRuns, flowRuns, lookups, bytes  metric.Int64Counter
	taskDur, flowDur, opDur, lockWaited metric.Float64Histogram
	sets                                sync.Map // attrKey -> metric.MeasurementOption (attrs)
}

// init takes the providers (the global ones unless set), the tracer and
// the instruments.
func (t *telemetry) init() {
	if t.tp == nil {
		t.tp = otel.GetTracerProvider()
	}
	if t.mp == nil {
		t.mp = otel.GetMeterProvider()
	}
	if !noopTracing(t.tp) {
		t.tracer = t.tp.Tracer(InstrumentationName)
		if globalDefault(t.tp) {
			t.dflt = t.tp
		}
	}
	switch t.mp.(type) {
	case metricnoop.MeterProvider, *metricnoop.MeterProvider:
		t.meterOff = true
	}
	if globalDefault(t.mp) {
		t.mdflt = t.mp
	}
	if t.dflt != nil {
		t.dfltPtr = dataOf(t.dflt)
	}
	if t.mdflt != nil {
		t.mdfltPtr = dataOf(t.mdflt)
	}
	t.globalOnly = (t.tracer == nil || t.dflt != nil) && (t.meterOff || t.mdflt != nil)
	m := t.mp.Meter(InstrumentationName)
	counter := func(name, unit, desc string) metric.Int64Counter {
		c, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		if err != nil {
			otel.Handle(err)
			return metricnoop.Int64Counter{}
		}
		return c
	}
	// the histograms' bucket bounds, in seconds: from a tenth of a
	// millisecond (a cache hit) to five minutes
	buckets := metric.WithExplicitBucketBoundaries(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
	histogram := func(name, desc string) metric.Float64Histogram {
		h, err := m.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc), buckets)
		if err != nil {
			otel.Handle(err)
			return metricnoop.Float64Histogram{}
		}
		return h
	}
	t.taskRuns = counter("resultgen.task.runs", "{run}", "Task runs, by final state.")
	t.flowRuns = counter("resultgen.flow.runs", "{run}", "Flow runs, by final state.")
	t.lookups = counter("resultgen.cache.lookups", "{lookup}", "Cache lookups of persisted task runs, by outcome and reason for a miss.")
	t.bytes = counter("resultgen.storage.bytes", "By", "Record payload bytes read (hits) and written (commits).")
	t.taskDur = histogram("resultgen.task.duration", "Duration of task runs, lookups and commits included.")
	t.flowDur = histogram("resultgen.flow.duration", "Duration of flow runs.")
	t.opDur = histogram("resultgen.storage.operation.duration", "Duration of record lookups and commits.")
	t.lockWaited = histogram("resultgen.lock.wait.duration", "Time taken to take the lock of a serializable key or of a named flow run.")
}

// noopTracing reports whether tp is a no-op provider.
func noopTracing(tp trace.TracerProvider) bool {
	switch tp.(type) {
	case tracenoop.TracerProvider, *tracenoop.TracerProvider:
		return true
	}
	return false
}

// globalDefault reports whether provider is one of OpenTelemetry's
// default global providers (whose tracers or instruments delegate to the
// provider otel.SetTracerProvider or otel.SetMeterProvider sets, and do
// nothing before).
func globalDefault(provider any) bool {
	ty := reflect.TypeOf(provider)
	return ty.Kind() == reflect.Pointer && ty.Elem().PkgPath() == "go.opentelemetry.io/otel/internal/global"
}

// tracing reports whether runs make spans: the provider is not a no-op
// (nor the default global one, before otel.SetTracerProvider).
func (t *telemetry) tracing() bool {
	return t.tracer != nil && (t.dflt == nil || dataOf(otel.GetTracerProvider()) != t.dfltPtr)
}

// meters reports whether the meter provider may record: it is not a
// no-op (nor the default global one, before otel.SetMeterProvider).
func (t *telemetry) meters() bool {
	return !t.meterOff && (t.mdflt == nil || dataOf(otel.GetMeterProvider()) != t.mdfltPtr)
}

// metering reports whether a task run records metrics.
func (t *telemetry) metering(ctx context.Context) bool {
	return t.meters() && (t.taskRuns.Enabled(ctx) || t.taskDur.Enabled(ctx) || t.lookups.Enabled(ctx) || t.bytes.Enabled(ctx))
}

// runTel is one run's telemetry: its span and start time. A run makes
// one only when tracing or metrics are on (startTask, startFlow).
type runTel struct {
	t     *telemetry
	span  trace.Span // nil: no span
	start time.Time  // zero: no metrics
	fn    string     // Def.Func
}

// off reports whether runs record nothing: both providers are no-ops, or
// OpenTelemetry's default global ones before otel.SetTracerProvider or
// otel.SetMeterProvider.
func (t *telemetry) off() bool {
	if t.globalOnly {
		return (t.dfltPtr == nil || dataOf(otel.GetTracerProvider()) == t.dfltPtr) &&
			(t.mdfltPtr == nil || dataOf(otel.GetMeterProvider()) == t.mdfltPtr)
	}
	return !t.tracing() && !t.meters()
}

// dataOf returns the data word of the interface value v: for the global
// providers (pointers) the provider's address. Comparing it is what ==
// on the interfaces decides, without runtime.ifaceeq's call.
func dataOf(v any) unsafe.Pointer {
	return (*[2]unsafe.Pointer)(unsafe.Pointer(&v))[1]
}

// startTask starts the telemetry of a task run named name, called from
// fr (nil outside flows): its span, a child of ctx's, when tracing is on,
// and its clock when metrics are. It returns ctx, with the span when there
// is one, and the run's telemetry, nil when it records nothing: then it
// cost a few loads and allocated nothing.
func (t *telemetry) startTask(ctx context.Context, def *Def, name string, fr *flowRun) (context.Context, *runTel) {
	if t.off() {
		return ctx, nil
	}
	tr, mt := t.tracing(), t.metering(ctx)
	if !tr && !mt {
		return ctx, nil
	}
	return t.start(ctx, tr, mt, "task", def, name, fr)
}

// startFlow is startTask for the flow run fr, named name.
func (t *telemetry) startFlow(ctx context.Context, def *Def, name string, fr *flowRun) (context.Context, *runTel) {
	tr, mt := t.tracing(), t.meters() && (t.flowRuns.Enabled(ctx) || t.flowDur.Enabled(ctx))
	if !tr && !mt {
		return ctx, nil
	}
	ctx, o := t.start(ctx, tr, mt, "flow", def, name, fr.parent)
	if o.span != nil {
		o.span.SetAttributes(attribute.String("resultgen.flow.run.id", fr.id), attribute.String("resultgen.flow.run.name", fr.name))
		if fr.parent != nil {
			o.span.SetAttributes(attribute.String("resultgen.flow.parent.run.id", fr.parent.id))
		}
	}
	return ctx, o
}

func (t *telemetry) start(ctx context.Context, tracing, metering bool, kind string, def *Def, name string, fr *flowRun) (context.Context, *runTel) {
	o := &runTel{t: t, fn: def.Func}
	if metering {
		o.start = time.Now()
	}
	if !tracing {
		return ctx, o
	}
	attrs := make([]attribute.KeyValue, 0, 4)
	attrs = append(attrs, attribute.String(keysOf(kind).name, name))
	if def.Func != "" {
		attrs = append(attrs, attribute.String("code.function.name", def.Func))
	}
	if fr != nil && kind == "task" {
		attrs = append(attrs, attribute.String("resultgen.flow.name", fr.flowName), attribute.String("resultgen.flow.run.id", fr.id))
	}
	ctx, span := t.tracer.Start(ctx, kind+" "+name, trace.WithAttributes(attrs...))
	if span.IsRecording() {
		o.span = span
	} else {
		span.End()
	}
	return ctx, o
}

// runKeys are the attribute keys of a kind of run.
type runKeys struct{ name, runID, runName string }

// keysOf returns the attribute keys of kind, "task" or "flow".
func keysOf(kind string) runKeys {
	if kind == "flow" {
		return runKeys{"resultgen.flow.name", "resultgen.flow.run.id", "resultgen.flow.run.name"}
	}
	return runKeys{"resultgen.task.name", "resultgen.task.run.id", "resultgen.task.run.name"}
}

// outcome is what a run's end tells its telemetry.
type outcome struct {
	kind      string // "task" or "flow"
	name, fn  string // the run name and Def.Func
	state     string
	err       error
	persisted bool
	store     storage.Storage
	ser       serializer.Serializer
	key       string
	keyHashed bool   // the key may hold a value: give its hash
	cached    bool   // a hit
	why       string // on a miss: State.CacheReason
	detail    bool   // why may be given in full
	size      int64  // payload bytes read (a hit) or written
	attempt   int
	retries   int
	runID     string
	runName   string
	resumed   int // a flow's resumed tasks
}

// end ends the run's span and records its metrics.
func (o *runTel) end(ctx context.Context, out *outcome) {
	t := o.t
	var outcomeName, reason string
	if out.persisted {
		switch {
		case out.cached:
			outcomeName = "hit"
		case out.why != "":
			outcomeName, reason = "miss", missReason(out.why)
		}
	}
	if sp := o.span; sp != nil {
		attrs := make([]attribute.KeyValue, 0, 16)
		attrs = append(attrs, attribute.String("resultgen.state", out.state), attribute.Bool("resultgen.persisted", out.persisted),
			attribute.Int("resultgen.attempt", out.attempt), attribute.Int("resultgen.retries", out.retries))
		if out.runID != "" {
			k := keysOf(out.kind)
			attrs = append(attrs, attribute.String(k.runID, out.runID), attribute.String(k.runName, out.runName))
		}
		if out.persisted {
			if out.store != nil {
				attrs = append(attrs, attribute.String("resultgen.storage", rules.Redact(out.store.String())))
			}
			if out.ser != nil {
				attrs = append(attrs, attribute.String("resultgen.serializer", out.ser.Spec().String()))
			}
			if out.key != "" {
				if out.keyHashed {
					sum := sha256.Sum256([]byte(out.key))
					attrs = append(attrs, attribute.String("resultgen.key.sha256", hex.EncodeToString(sum[:])))
				} else {
					attrs = append(attrs, attribute.String("resultgen.key", out.key))
				}
			}
			if outcomeName != "" {
				attrs = append(attrs, attribute.String("resultgen.cache.outcome", outcomeName))
			}
			if reason != "" {
				attrs = append(attrs, attribute.String("resultgen.cache.miss_reason", reason))
				if out.detail {
					attrs = append(attrs, attribute.String("resultgen.cache.miss_detail", out.why))
				}
			}
			switch {
			case out.size <= 0:
			case out.cached:
				attrs = append(attrs, attribute.Int64("resultgen.bytes.read", out.size))
			case out.err == nil:
				attrs = append(attrs, attribute.Int64("resultgen.bytes.written", out.size))
			}
		}
		if out.kind == "flow" {
			attrs = append(attrs, attribute.Int("resultgen.flow.resumed_tasks", out.resumed))
		}
		sp.SetAttributes(attrs...)
		if out.err != nil {
			sp.RecordError(out.err)
			sp.SetStatus(codes.Error, out.err.Error())
		}
		sp.End()
	}
	if o.start.IsZero() {
		return
	}
	secs := time.Since(o.start).Seconds()
	set := t.attrs(attrKey{out.kind, out.name, out.fn, out.state})
	if out.kind == "flow" {
		t.flowRuns.Add(ctx, 1, set)
		t.flowDur.Record(ctx, secs, set)
		return
	}
	t.taskRuns.Add(ctx, 1, set)
	t.taskDur.Record(ctx, secs, set)
	if outcomeName != "" {
		t.lookups.Add(ctx, 1, t.attrs(attrKey{"lookup", out.name, outcomeName, reason}))
	}
	if out.persisted && out.size > 0 && (out.cached || out.err == nil) {
		dir := "write"
		if out.cached {
			dir = "read"
		}
		t.bytes.Add(ctx, out.size, t.attrs(attrKey{"bytes", out.name, dir, ""}))
	}
}

// attrKey names the attributes of one metric point: a run's (kind "task"
// or "flow", the name, the function, the state), a lookup's ("lookup",
// the task, the outcome, the reason) or bytes' ("bytes", the task, the
// direction).
type attrKey struct{ kind, name, a, b string }

// attrs returns the measurement option of the attributes k names, made
// once per engine (an attribute set costs more than the measurement).
func (t *telemetry) attrs(k attrKey) metric.MeasurementOption {
	if o, ok := t.sets.Load(k); ok {
		return o.(metric.MeasurementOption)
	}
	var kv []attribute.KeyValue
	switch k.kind {
	case "lookup":
		kv = []attribute.KeyValue{attribute.String("resultgen.task.name", k.name), attribute.String("resultgen.cache.outcome", k.a)}
		if k.b != "" {
			kv = append(kv, attribute.String("resultgen.cache.miss_reason", k.b))
		}
	case "bytes":
		kv = []attribute.KeyValue{attribute.String("resultgen.task.name", k.name), attribute.String("resultgen.io.direction", k.a)}
	default:
		kv = []attribute.KeyValue{attribute.String(keysOf(k.kind).name, k.name), attribute.String("code.function.name", k.a), attribute.String("resultgen.state", k.b)}
	}
	o, _ := t.sets.LoadOrStore(k, metric.WithAttributeSet(attribute.NewSet(kv...)))
	return o.(metric.MeasurementOption)
}

// missReason classes a miss's reason (State.CacheReason, whose first part
// is the lookup's) for attributes: absent, expired, damaged, type_changed,
// code_changed, refresh, policy_none or other.
func missReason(why string) string {
	switch {
	case strings.HasPrefix(why, "no record at the key"):
		return "absent"
	case strings.HasPrefix(why, "the record expired"):
		return "expired"
	case strings.HasPrefix(why, "a damaged record"):
		return "damaged"
	case strings.HasPrefix(why, "result type changed"), strings.HasPrefix(why, "the record has no result-type fingerprint"):
		return "type_changed"
	case strings.HasPrefix(why, "the task's code changed"), strings.HasPrefix(why, "recorded under flow code version"):
		return "code_changed"
	case strings.HasPrefix(why, "refresh requested"):
		return "refresh"
	case strings.HasPrefix(why, "cache_policy=none"):
		return "policy_none"
	}
	return "other"
}

// observe ends the telemetry of the task run t ends as name with err.
func (t *taskEnd[R]) observe(name string, err error) {
	tr, p := t.log.task, t.p
	out := outcome{kind: "task", name: t.log.name, state: name, err: err, attempt: tr.runCount(), retries: p.retries}
	if t.st != nil {
		st := t.st
		out.persisted, out.store, out.ser, out.key = st.res.persisted, p.store, p.ser, st.res.key
		out.keyHashed = p.policy == nil
		out.cached, out.why, out.detail = name == StateCached, st.why, p.policy != nil
		out.size = st.res.size()
	}
	out.fn = t.tel.fn
	if t.tel.span != nil {
		info := tr.get()
		out.runID, out.runName = info.ID, info.Name
	}
	t.tel.end(t.ctx, &out)
}

// observeFlow ends the telemetry of flow run fr, planned as p, whose state
// st is final.
func observeFlow(ctx context.Context, o *runTel, p *plan, fr *flowRun, st *stateCore, res *resultCore) {
	fr.mu.Lock()
	attempt := fr.runCount
	fr.mu.Unlock()
	out := outcome{kind: "flow", name: p.name, fn: o.fn, state: st.name, err: st.err, attempt: attempt, retries: p.retries,
		persisted: res.persisted, store: p.store, ser: p.ser, key: res.key, cached: st.name == StateCached,
		size: res.size(), resumed: st.resumed}
	o.end(ctx, &out)
}

// resumes links the span of a named run that resumes a run that did not
// finish to that run's span, whose traceparent its start record kept.
func (o *runTel) resumes(labels map[string]string) {
	if o == nil || o.span == nil {
		return
	}
	o.span.SetAttributes(attribute.Bool("resultgen.flow.resumed", true))
	tp := labels[LabelTraceParent]
	if tp == "" {
		return
	}
	sc := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(), propagation.MapCarrier{"traceparent": tp}))
	if sc.IsValid() {
		o.span.AddLink(trace.Link{SpanContext: sc, Attributes: []attribute.KeyValue{attribute.String("resultgen.link", "resumes")}})
	}
}

// traceParent is the W3C traceparent of ctx's span; "" without one.
func traceParent(ctx context.Context) string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ""
	}
	c := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx, c)
	return c["traceparent"]
}

// retried adds a "retry" event, with the failed attempt's error, to the
// span of ctx when it records.
func retried(ctx context.Context, attempt int, err error) {
	sp := trace.SpanFromContext(ctx)
	if !sp.IsRecording() {
		return
	}
	sp.AddEvent("retry", trace.WithAttributes(attribute.Int("resultgen.attempt", attempt), attribute.String("exception.message", err.Error())))
}

// clock starts timing a storage operation: the time now when its
// histogram records, else zero.
func (t *telemetry) clock(ctx context.Context) time.Time {
	if !t.meters() || !t.opDur.Enabled(ctx) {
		return time.Time{}
	}
	return time.Now()
}

// storageOp records a storage operation (read or write) on st started at
// start (zero: not timed).
func (t *telemetry) storageOp(ctx context.Context, start time.Time, op string, st storage.Storage, err error) {
	if start.IsZero() {
		return
	}
	kind := "unknown"
	if st != nil {
		kind, _, _ = strings.Cut(st.String(), ":")
	}
	attrs := []attribute.KeyValue{attribute.String("resultgen.storage.operation", op), attribute.String("resultgen.storage.kind", kind)}
	if err != nil {
		attrs = append(attrs, attribute.String("error.type", "_OTHER"))
	}
	t.opDur.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(attrs...))
}

// lockWait is a wait for a lock started by lockStart.
type lockWait struct {
	start time.Time // zero: not timed
	span  trace.Span
}

// lockStart starts timing a wait for a lock, when its histogram records
// or ctx's span records.
func (t *telemetry) lockStart(ctx context.Context) lockWait {
	sp := trace.SpanFromContext(ctx)
	if !sp.IsRecording() {
		sp = nil
		if !t.meters() || !t.lockWaited.Enabled(ctx) {
			return lockWait{}
		}
	}
	return lockWait{start: time.Now(), span: sp}
}

// lockDone records a wait for a lock of kind (task or flow) that ended
// with err (nil: taken).
func (t *telemetry) lockDone(ctx context.Context, w lockWait, kind string, err error) {
	if w.start.IsZero() {
		return
	}
	secs := time.Since(w.start).Seconds()
	attrs := []attribute.KeyValue{attribute.String("resultgen.lock.kind", kind)}
	if err != nil {
		attrs = append(attrs, attribute.String("error.type", "_OTHER"))
	}
	t.lockWaited.Record(ctx, secs, metric.WithAttributes(attrs...))
	if w.span != nil {
		w.span.AddEvent("lock", trace.WithAttributes(attribute.Float64("resultgen.lock.wait", secs), attribute.Bool("resultgen.lock.taken", err == nil)))
	}
}

// timedLock is lock, timed (lockStart, lockDone).
func (e *Engine) timedLock(ctx context.Context, st storage.Storage, key string, u lockUse) (*heldKey, error) {
	w := e.tel.lockStart(ctx)
	h, err := e.lock(ctx, st, key, u)
	e.tel.lockDone(ctx, w, u.attr, err)
	return h, err
}
