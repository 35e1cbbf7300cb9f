// Package resulttest tests code that runs resultgen tasks and flows, in the
// style of net/http/httptest: New gives a test an isolated engine, and the
// code under test runs on it unchanged, through the context it already
// takes.
//
//	func TestGreet(t *testing.T) {
//		h := resulttest.New(t)
//		hello := resulttest.Watch(h, HelloTask)
//
//		if _, err := GreetFlow.Call(h.Context()); err != nil { // the code under test
//			t.Fatal(err)
//		}
//		hello.AssertMiss("no record at the key")
//
//		if _, err := GreetFlow.Call(h.Context()); err != nil {
//			t.Fatal(err)
//		}
//		hello.AssertHit()
//		if n := hello.Calls(); n != 3 {
//			t.Errorf("Hello's body ran %d times, want 3 (the first flow run's)", n)
//		}
//	}
//
// # The engine
//
// New makes a runtime.Engine of the test's own and closes it with
// t.Cleanup. Context returns t.Context() carrying it (runtime.WithEngine),
// and Ctx(parent) any other context: runs under such a context use the
// harness's engine, and nothing else changes in the code under test.
//
// Every record goes to the harness's store, whatever storage the
// directives name (local, local:PATH, s3://..., a block: see
// runtime.WithStore): an in-memory store by default, a folder in
// t.TempDir with LocalStorage, or any store with Store. Stores passed in
// code (runtime.StorageBackend) are used as given. The settings are the
// defaults, whatever the environment and config.toml say (Setting sets
// one), with misses explained (runtime.WithExplain), so that
// State.CacheReason and AssertMiss can say what changed.
//
// # Watching a task
//
// Watch(h, HelloTask) follows the runs of one task or flow, named by its
// generated value, so a typo does not compile: Calls counts how many
// times its body ran (each attempt, retries included), AssertHit and
// AssertMiss check how its latest run ended, Runs lists every run, and
// FailNext and PanicNext make the next attempt of its body fail without
// running it, to test retries, fallbacks and resumed runs.
//
// # Seeding results
//
// Seed stores a result for a task's inputs without running its body, so
// the code under test finds it in the cache. The call it is given runs the
// task as the code under test will, typed: the value and the call's
// result type must agree, and the call's arguments are checked by the
// generated method.
//
//	resulttest.Seed(h, "hi from the cache", func(ctx context.Context) (string, error) {
//		return HelloTask.Call(ctx, "world")
//	})
//
// # Clock
//
// The engine's clock (runtime.WithClock: record creation and expiration
// times) is the harness's: time.Now until Freeze stops it, after which
// Advance moves it. A test of cache_expiration freezes the clock, runs the
// task, advances past the expiration and sees the next run miss, without
// sleeping. Under testing/synctest the harness's clock need not be
// frozen: inside the bubble time.Now is the bubble's fake clock, which
// time.Sleep advances at once, so a test made with New inside
// synctest.Test sleeps past the expiration instead.
//
// # Crashes and durable runs
//
// CrashAfter(n) makes the engine behave as a process that dies once n
// more task runs have finished: from then on every attempt of any body
// fails with ErrCrashed, so the flow run in progress stops where it was,
// having committed what its first n steps wrote and nothing else. Restart
// then starts a new engine on the same store, as a new process would (and
// forgets the runs watched so far); running the flow again under the same
// runtime.RunID resumes it, and the watchers say which steps were loaded
// and which ran:
//
//	h.CrashAfter(2)
//	_, err := PipelineFlow.WithOptions(runtime.RunID("order-42")).Call(h.Context())
//	// errors.Is(err, resulttest.ErrCrashed)
//	h.Restart()
//	st := PipelineFlow.WithOptions(runtime.RunID("order-42")).State(h.Context())
//	// st.Resumed() == 2: steps 1 and 2 loaded, step 3 ran
//
// Where a real crash leaves the run's record as it was (a run in
// progress), the simulated one lets the flow return ErrCrashed, so the run
// is recorded as failed; either way the next attempt resumes it. A run
// submitted concurrently that was already past its attempt when the crash
// came may still commit, as a process's last write may land before it
// dies.
//
// # Failures
//
// The assertions report through the testing.TB given to New (Errorf,
// with the run's state, key and cache reason), so a test goes on after a
// failed assertion; misuse (a value that is not a generated task, a seed
// that cannot be stored) is a Fatalf.
package resulttest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage"
)

// ErrCrashed is the error of every attempt after the crash CrashAfter
// simulates.
var ErrCrashed = errors.New("resulttest: the process crashed (CrashAfter)")

// Option configures a Harness.
type Option func(*config)

type config struct {
	local    bool
	store    storage.Storage
	settings map[string]string
	engine   []runtime.EngineOption
}

// LocalStorage keeps the records in a folder of t.TempDir (Dir returns it)
// instead of memory: the files a user would find, and file locks.
func LocalStorage() Option { return func(c *config) { c.local = true } }

// Store keeps the records in st, which the test made (and closes).
func Store(st storage.Storage) Option { return func(c *config) { c.store = st } }

// Setting sets one setting (settings.PersistByDefault, ...) to value, as
// the environment variable of that name would.
func Setting(name, value string) Option {
	return func(c *config) {
		if c.settings == nil {
			c.settings = map[string]string{}
		}
		c.settings[name] = value
	}
}

// EngineOptions passes opts to runtime.NewEngine after the harness's own
// (a logger, say: runtime.WithLogger).
func EngineOptions(opts ...runtime.EngineOption) Option {
	return func(c *config) { c.engine = append(c.engine, opts...) }
}

// Harness is an isolated engine for one test, and what it saw of the runs.
// Its methods are safe for concurrent use.
type Harness struct {
	tb    testing.TB
	cfg   config
	set   settings.Settings
	store storage.Storage
	dir   string

	mu       sync.Mutex
	engine   *runtime.Engine
	runs     []runtime.RunReport
	calls    map[string]int
	faults   []fault // pending, oldest first
	frozen   bool
	now      time.Time
	crashIn  int // finished task runs until the crash; -1: none coming
	crashed  bool
	restarts int
}

type fault struct {
	w     *Watcher
	err   error
	panic any
	isErr bool
}

// New returns a harness for the test tb, its engine closed by tb.Cleanup.
func New(tb testing.TB, opts ...Option) *Harness {
	tb.Helper()
	h := &Harness{tb: tb, calls: map[string]int{}, crashIn: -1}
	for _, o := range opts {
		o(&h.cfg)
	}
	root := tb.TempDir()
	env := map[string]string{
		settings.Home:             filepath.Join(root, "home"),
		settings.LocalStoragePath: filepath.Join(root, "storage"),
	}
	for k, v := range h.cfg.settings {
		env[k] = v
	}
	s, err := settings.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		tb.Fatalf("resulttest.New: settings: %v", err)
	}
	h.set = s
	switch {
	case h.cfg.store != nil:
		h.store = h.cfg.store
	case h.cfg.local:
		h.dir = s.LocalStoragePath
		local, err := storage.NewLocal(h.dir)
		if err != nil {
			tb.Fatalf("resulttest.New: %v", err)
		}
		tb.Cleanup(func() { _ = local.Close() })
		h.store = local
	default:
		h.store = storage.NewMemory()
	}
	h.engine = h.newEngine()
	tb.Cleanup(func() {
		h.mu.Lock()
		e := h.engine
		h.mu.Unlock()
		if err := e.Close(); err != nil {
			tb.Errorf("resulttest: close the engine: %v", err)
		}
	})
	return h
}

func (h *Harness) newEngine() *runtime.Engine {
	opts := []runtime.EngineOption{
		runtime.WithLogger(slog.New(slog.DiscardHandler)),
		runtime.WithStore(h.store),
		runtime.WithClock(h.Now),
		runtime.WithExplain(true),
		runtime.WithObserver(observer{h}),
	}
	return runtime.NewEngine(h.set, append(opts, h.cfg.engine...)...)
}

// Context returns the test's context (tb.Context()) carrying the
// harness's engine.
func (h *Harness) Context() context.Context { return h.Ctx(h.tb.Context()) }

// Ctx returns parent carrying the harness's engine.
func (h *Harness) Ctx(parent context.Context) context.Context {
	return runtime.WithEngine(parent, h.Engine())
}

// Engine returns the harness's engine (a new one after Restart).
func (h *Harness) Engine() *runtime.Engine {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engine
}

// Storage returns the store that holds every record of the harness's runs.
func (h *Harness) Storage() storage.Storage { return h.store }

// Dir returns the folder of LocalStorage's records; "" for other stores.
func (h *Harness) Dir() string { return h.dir }

// Runs returns every run the harness saw finish since New (or Restart),
// in the order they finished; seeding runs are left out.
func (h *Harness) Runs() []runtime.RunReport {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]runtime.RunReport(nil), h.runs...)
}

// Now is the engine's clock: time.Now, or the frozen time (see Freeze).
func (h *Harness) Now() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.frozen {
		return h.now
	}
	return time.Now()
}

// Freeze stops the engine's clock at t (the zero time: now).
func (h *Harness) Freeze(t time.Time) {
	if t.IsZero() {
		t = time.Now()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.frozen, h.now = true, t
}

// Advance moves the engine's clock forward by d, freezing it first if it
// runs.
func (h *Harness) Advance(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.frozen {
		h.frozen, h.now = true, time.Now()
	}
	h.now = h.now.Add(d)
}

// CrashAfter makes the engine behave as a process that dies once n more
// task runs have finished (Completed or Cached): every later attempt of a
// body, of any task or flow, fails with ErrCrashed until Restart. n = 0
// crashes at the next attempt.
func (h *Harness) CrashAfter(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.crashIn, h.crashed = max(n, 0), n <= 0
}

// Restart replaces the engine with a new one on the same store and
// settings, as a new process after a crash: the crash is over, and the
// runs, calls and pending faults seen so far are forgotten. Contexts made
// before keep the old engine: take a new one from Context.
func (h *Harness) Restart() {
	e := h.newEngine()
	h.mu.Lock()
	old := h.engine
	h.engine = e
	h.runs, h.calls, h.faults = nil, map[string]int{}, nil
	h.crashIn, h.crashed = -1, false
	h.restarts++
	h.mu.Unlock()
	if err := old.Close(); err != nil {
		h.tb.Errorf("resulttest: close the engine: %v", err)
	}
}

// observer is the harness's runtime.Observer.
type observer struct{ h *Harness }

type seedKey struct{}

// seeding is one Seed call's: the value its first attempt returns, and the
// report of its run.
type seeding struct {
	mu     sync.Mutex
	value  any
	verify bool // the check run: no attempt may run
	used   bool
	report *runtime.RunReport
}

var errSeedMissed = errors.New("resulttest: the seeded record was not found")

func (o observer) Attempt(ctx context.Context, run runtime.RunInfo) (func(context.Context) (any, error), error) {
	if s, ok := ctx.Value(seedKey{}).(*seeding); ok {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.verify {
			return nil, errSeedMissed
		}
		if !s.used {
			s.used = true
			v := s.value
			return func(context.Context) (any, error) { return v, nil }, nil
		}
		return nil, errors.New("resulttest: Seed's call runs more than one task")
	}
	h := o.h
	h.mu.Lock()
	if h.crashed {
		h.mu.Unlock()
		return nil, fmt.Errorf("%s %s: %w", kindWord(run.Kind), run.Name, ErrCrashed)
	}
	h.calls[run.Func]++
	var f *fault
	for i := range h.faults {
		if h.faults[i].w.matches(run.Func) {
			f = &h.faults[i]
			h.faults = append(h.faults[:i:i], h.faults[i+1:]...)
			break
		}
	}
	h.mu.Unlock()
	switch {
	case f == nil:
		return nil, nil
	case f.isErr:
		return nil, f.err
	default:
		panic(f.panic)
	}
}

func (o observer) Finished(ctx context.Context, run runtime.RunReport) {
	if s, ok := ctx.Value(seedKey{}).(*seeding); ok {
		s.mu.Lock()
		s.report = &run
		s.mu.Unlock()
		return
	}
	h := o.h
	h.mu.Lock()
	defer h.mu.Unlock()
	h.runs = append(h.runs, run)
	if run.Kind == runtime.KindTask && run.Err == nil && h.crashIn > 0 {
		h.crashIn--
		h.crashed = h.crashIn == 0
	}
}

func kindWord(k runtime.Kind) string {
	if k == runtime.KindFlow {
		return "flow"
	}
	return "task"
}

// Runnable is what resultgen generates for a task or flow: the type of
// HelloTask or GreetFlow.
type Runnable[T any] interface {
	WithOptions(opts ...runtime.Option) T
}

// Watcher follows the runs of one task or flow on a harness.
type Watcher struct {
	h    *Harness
	fn   string // Def.Func
	name string // for messages: "task Hello"
}

// Watch returns a Watcher of task (a generated value such as HelloTask or
// GreetFlow) on h. It finds the task by its function (Def.Func), so
// renamed runs (runtime.Name) count too.
func Watch[T Runnable[T]](h *Harness, task T) *Watcher {
	h.tb.Helper()
	typ := reflect.TypeOf(task)
	fn, kind, ok := funcOf(typ)
	if !ok {
		h.tb.Fatalf("resulttest.Watch: %s is not a type resultgen generates (FTaskType or FFlowType)", typ)
	}
	return &Watcher{h: h, fn: fn, name: kind + " " + fn[strings.LastIndex(fn, ".")+1:]}
}

// funcOf returns the function (Def.Func) whose generated type is typ:
// resultgen names the type of function F's value FTaskType or FFlowType
// (fTaskType for f), in F's package.
func funcOf(typ reflect.Type) (fn, kind string, ok bool) {
	for _, k := range []string{"Task", "Flow"} {
		if name, found := strings.CutSuffix(typ.Name(), k+"Type"); found && name != "" {
			return typ.PkgPath() + "." + name, strings.ToLower(k), true
		}
	}
	return "", "", false
}

// matches reports whether a run's Func is w's function. A main package's
// types say "main" where Def.Func has the import path.
func (w *Watcher) matches(fn string) bool {
	if fn == w.fn {
		return true
	}
	name, ok := strings.CutPrefix(w.fn, "main.")
	return ok && strings.HasSuffix(fn, "."+name) && !strings.Contains(name, ".")
}

// Calls returns how many times the body ran (each attempt, retries
// included; an attempt FailNext or PanicNext failed counts too) since New
// or Restart.
func (w *Watcher) Calls() int {
	w.h.mu.Lock()
	defer w.h.mu.Unlock()
	n := 0
	for fn, c := range w.h.calls {
		if w.matches(fn) {
			n += c
		}
	}
	return n
}

// Runs returns the task's finished runs since New or Restart, oldest
// first.
func (w *Watcher) Runs() []runtime.RunReport {
	w.h.mu.Lock()
	defer w.h.mu.Unlock()
	var out []runtime.RunReport
	for _, r := range w.h.runs {
		if w.matches(r.Func) {
			out = append(out, r)
		}
	}
	return out
}

// Last returns the task's latest finished run; false when it has not run.
func (w *Watcher) Last() (runtime.RunReport, bool) {
	runs := w.Runs()
	if len(runs) == 0 {
		return runtime.RunReport{}, false
	}
	return runs[len(runs)-1], true
}

// AssertHit checks that the task's latest run was a cache hit: its result
// loaded from the record at its key, its body not run.
func (w *Watcher) AssertHit() {
	w.h.tb.Helper()
	r, ok := w.Last()
	switch {
	case !ok:
		w.h.tb.Errorf("%s has not run; want a cache hit", w.name)
	case r.State != runtime.StateCached:
		w.h.tb.Errorf("%s: latest run %s, want a cache hit (Cached)%s", w.name, r.State, describe(r))
	}
}

// AssertMiss checks that the task's latest run was not a cache hit (it ran
// its body, or failed) and, unless reason is "", that its cache reason
// (runtime.State.CacheReason: "no record at the key", "parameter name
// changed", "the record expired at ...", "refresh requested") contains
// reason.
func (w *Watcher) AssertMiss(reason string) {
	w.h.tb.Helper()
	r, ok := w.Last()
	switch {
	case !ok:
		w.h.tb.Errorf("%s has not run; want a cache miss", w.name)
	case r.State == runtime.StateCached:
		w.h.tb.Errorf("%s: latest run was a cache hit, want a miss%s", w.name, describe(r))
	case reason != "" && !strings.Contains(r.CacheReason, reason):
		w.h.tb.Errorf("%s: latest run missed the cache, but not because %q%s", w.name, reason, describe(r))
	}
}

// describe says what a report holds, for failure messages.
func describe(r runtime.RunReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n\tstate:          %s", r.State)
	if r.Err != nil {
		fmt.Fprintf(&b, "\n\terror:          %v", r.Err)
	}
	if !r.Persisted {
		fmt.Fprintf(&b, "\n\tnot persisted:  %s (a result that is not persisted is never a hit)", r.PersistReason)
		return b.String()
	}
	fmt.Fprintf(&b, "\n\tkey:            %s", r.Key)
	if r.CacheReason != "" {
		fmt.Fprintf(&b, "\n\tcache reason:   %s", r.CacheReason)
	}
	return b.String()
}

// FailNext makes the next attempt of the task's body fail with err,
// without running the body; later attempts run it. Calls counts it.
func (w *Watcher) FailNext(err error) {
	if err == nil {
		err = fmt.Errorf("resulttest: %s failed (FailNext)", w.name)
	}
	w.push(fault{err: err, isErr: true})
}

// PanicNext makes the next attempt of the task's body panic with v,
// without running the body (the run fails with a *runtime.PanicError).
func (w *Watcher) PanicNext(v any) { w.push(fault{panic: v}) }

func (w *Watcher) push(f fault) {
	f.w = w
	w.h.mu.Lock()
	defer w.h.mu.Unlock()
	w.h.faults = append(w.h.faults, f)
}

// Seed stores value as the result that call's task run gives, without
// running the task's body: call runs the task as the code under test will
// (with the same arguments, and options), and the harness makes its body
// return value instead. Seed fails the test when the task does not
// persist its result, when a record is already at the key (Seed never
// replaces one), or when the same call does not find the record again
// (its key changes from run to run: the default cache policy has run_id,
// which outside a flow is each task run's own id; give the task a
// storage_key or a cache_policy without run_id). Seeding runs are not
// counted by watchers, nor listed by Runs.
func Seed[R any](h *Harness, value R, call func(ctx context.Context) (R, error)) {
	h.tb.Helper()
	s := &seeding{value: value}
	ctx := context.WithValue(h.Context(), seedKey{}, s)
	_, err := call(ctx)
	s.mu.Lock()
	r := s.report
	s.mu.Unlock()
	switch {
	case r == nil:
		h.tb.Fatalf("resulttest.Seed: the call ran no task (err: %v)", err)
	case r.State == runtime.StateCached:
		h.tb.Fatalf("resulttest.Seed: %s %s: a record is already at key %s; Seed does not replace it", kindWord(r.Kind), r.Name, r.Key)
	case err != nil:
		h.tb.Fatalf("resulttest.Seed: %s %s: %v", kindWord(r.Kind), r.Name, err)
	case !r.Persisted:
		h.tb.Fatalf("resulttest.Seed: %s %s does not persist its result (%s): there is nothing to seed; set persist or a storage_key", kindWord(r.Kind), r.Name, r.PersistReason)
	}
	// The same call must find it: a hit runs no attempt.
	s.mu.Lock()
	s.verify, s.report = true, nil
	s.mu.Unlock()
	_, err = call(ctx)
	s.mu.Lock()
	again := s.report
	s.mu.Unlock()
	if errors.Is(err, errSeedMissed) || again != nil && again.State != runtime.StateCached {
		why := ""
		if again != nil {
			why = ": " + again.CacheReason
		}
		h.tb.Fatalf("resulttest.Seed: %s %s: the same call does not find the seeded record at %s again%s; its key changes from run to run (the default cache policy has run_id): give the task a storage_key or a cache_policy without run_id", kindWord(r.Kind), r.Name, r.Key, why)
	}
}
