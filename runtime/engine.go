package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage"
)

// Engine runs tasks and flows under one set of settings. It holds the stores
// it opened, the blocks registered in code, the Submit concurrency limit, the
// logger and the clock.
//
// Most programs never make one: Run and Submit use the engine of their
// context (WithEngine), else the default engine, built on first use from
// settings.Load(). Tests and programs that want their own settings make one
// with NewEngine and attach it with WithEngine.
type Engine struct {
	settings settings.Settings
	err      error // settings could not be loaded: every run fails with it
	logger   *slog.Logger
	logBase  slog.Handler // handler filtered at the logging level when no logger is given; nil: slog.Default()'s
	sem      chan struct{}
	now      func() time.Time
	clockSet bool         // now is WithClock's
	recent   atomic.Int64 // a reading of now less than a second old, in Unix ns; 0: none (see recentNow)
	locks    storage.KeyMutex
	// lockNotice: how long a wait for another process's lock goes unsaid
	// (WithLockWaitNotice); lockTimeout, lockTimeoutSet: the longest wait
	// (WithLockWaitTimeout, else RESULTGEN_LOCK_WAIT_TIMEOUT; 0: no limit)
	lockNotice     time.Duration
	lockTimeout    time.Duration
	lockTimeoutSet bool
	// explain: explain misses and keep the task index (WithExplain, else
	// RESULTGEN_EXPLAIN_MISSES); explainDebug: neither says, so do it when
	// the logger takes DEBUG (see explaining)
	explain, explainSet, explainDebug bool
	obs                               Observer        // WithObserver; nil: none
	store                             storage.Storage // WithStore: every spec opens it; nil: none
	tel                               telemetry       // tracer and instruments (WithTracerProvider, WithMeterProvider; otel.go)

	mu       sync.Mutex
	stores   map[string]storage.Storage // opened stores by resolved spec
	blocks   map[string]storage.Storage // registered in code, by slug
	memory   storage.Storage
	opened   []io.Closer // stores this engine opened and must close
	counters runCounters // task run numbers outside flows
	plans    planMemo    // resolved settings of runs outside flows

	txnDone    sync.Map     // txnDoneKey -> true: transactions known committed (transaction.go, doneTxn)
	txnDoneN   atomic.Int64 // entries put in txnDone since it was last cleared
	txnCleaned sync.Map     // storage.Storage -> true: abandoned transactions cleaned up once
}

// EngineOption configures an Engine.
type EngineOption func(*Engine)

// WithLogger sets the logger of run logs, used as is: every record goes to
// it, whatever RESULTGEN_LOGGING_LEVEL says. Without it the engine logs
// through the handler of slog.Default() (as it is when the engine is made),
// passing on only records at or above the settings' level (WARNING unless
// configured), so successful runs print nothing by default.
func WithLogger(l *slog.Logger) EngineOption {
	return func(e *Engine) {
		if l != nil {
			e.logger = l
		}
	}
}

// WithConcurrency limits how many submitted task runs execute at once; n < 1
// means the default, 4 x GOMAXPROCS (task bodies are often waiting on I/O).
// Direct runs (Run, generated Call and State) and flow runs take no slot, so a
// flow that waits for its futures never starves them. A task body that itself
// submits tasks and waits for them holds its slot while it waits: submit
// from flows, or keep such bodies fewer than the limit.
func WithConcurrency(n int) EngineOption {
	return func(e *Engine) {
		if n >= 1 {
			e.sem = make(chan struct{}, n)
		}
	}
}

// WithClock sets the clock used for record creation and expiration times;
// tests use it to move time forward.
func WithClock(now func() time.Time) EngineOption {
	return func(e *Engine) {
		if now != nil {
			e.now, e.clockSet = now, true
		}
	}
}

// DefaultLockWaitNotice is how long a run waits for a key another process
// holds before it says so (see WithLockWaitNotice).
const DefaultLockWaitNotice = 3 * time.Second

// WithLockWaitNotice sets how long a run waits for a key another process
// holds (isolation=serializable, a named flow run) before it says so, once,
// at WARN: who holds the key (pid, host, since when) and, on S3, until when
// its lease runs. Short waits stay quiet. d <= 0 means
// DefaultLockWaitNotice.
func WithLockWaitNotice(d time.Duration) EngineOption {
	return func(e *Engine) {
		if d > 0 {
			e.lockNotice = d
		}
	}
}

// WithLockWaitTimeout sets the longest wait for a key another run holds,
// beating RESULTGEN_LOCK_WAIT_TIMEOUT: a run that waits longer fails with
// an error wrapping ErrLockTimeout that names the holder. d <= 0 means no
// limit: wait as long as the holder holds the key.
func WithLockWaitTimeout(d time.Duration) EngineOption {
	return func(e *Engine) { e.lockTimeout, e.lockTimeoutSet = max(d, 0), true }
}

// NewEngine returns an engine running under s.
func NewEngine(s settings.Settings, opts ...EngineOption) *Engine {
	e := &Engine{
		settings: s,
		now:      time.Now,
		stores:   map[string]storage.Storage{},
		blocks:   map[string]storage.Storage{},
	}
	for _, o := range opts {
		o(e)
	}
	if !e.explainSet {
		e.explain = s.ExplainMisses
		e.explainDebug = !s.ExplainMisses && !s.ExplainMissesSet()
	}
	if !e.lockTimeoutSet {
		e.lockTimeout = max(s.LockWaitTimeout, 0)
	}
	if e.lockNotice <= 0 {
		e.lockNotice = DefaultLockWaitNotice
	}
	if e.sem == nil {
		e.sem = make(chan struct{}, goruntime.GOMAXPROCS(0)*4)
	}
	e.tel.init()
	if e.logger == nil {
		base := e.logBase
		if base == nil {
			base = slog.Default().Handler()
		}
		e.logger = slog.New(&levelHandler{level: s.Level(), h: base})
	}
	return e
}

// levelHandler passes on to h the records at or above level; h's own level
// still applies.
type levelHandler struct {
	level slog.Level
	h     slog.Handler
}

func (l *levelHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= l.level && l.h.Enabled(ctx, level)
}

func (l *levelHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < l.level {
		return nil
	}
	return l.h.Handle(ctx, r)
}

func (l *levelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &levelHandler{level: l.level, h: l.h.WithAttrs(attrs)}
}

func (l *levelHandler) WithGroup(name string) slog.Handler {
	return &levelHandler{level: l.level, h: l.h.WithGroup(name)}
}

// Settings returns the settings the engine runs under.
func (e *Engine) Settings() settings.Settings { return e.settings }

var (
	defaultOnce   sync.Once
	defaultEngine *Engine
)

// DefaultEngine returns the process-wide engine used when a context carries
// none. It is built once, on first use, from settings.Load(); when the
// settings cannot be loaded every run on it fails with that error.
func DefaultEngine() *Engine {
	defaultOnce.Do(func() {
		s, err := settings.Load()
		defaultEngine = NewEngine(s)
		if err != nil {
			defaultEngine.err = fmt.Errorf("load resultgen settings: %w", err)
		}
	})
	return defaultEngine
}

type engineKey struct{}

// WithEngine returns a context whose runs use e.
func WithEngine(ctx context.Context, e *Engine) context.Context {
	return context.WithValue(ctx, engineKey{}, e)
}

// engineFrom returns the engine of ctx, else the default engine.
func engineFrom(ctx context.Context) *Engine {
	if e, ok := ctx.Value(engineKey{}).(*Engine); ok && e != nil {
		return e
	}
	return DefaultEngine()
}

// RegisterStorage makes st the block with slug ("TYPE/NAME", e.g. "s3/prod")
// on the default engine, so storage specs naming that slug use it. This is
// the one process-wide registry: blocks made in code. Registered blocks beat
// blocks of the same slug in config.toml.
func RegisterStorage(slug string, st storage.Storage) { DefaultEngine().RegisterStorage(slug, st) }

// RegisterStorage makes st the block with slug ("TYPE/NAME") on e.
func (e *Engine) RegisterStorage(slug string, st storage.Storage) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.blocks[slug] = st
}

// nextTaskNumber numbers task runs outside flows.
func (e *Engine) nextTaskNumber(task string) int { return e.counters.next(task) }

// Close releases the stores the engine opened (not those registered or
// passed in as backends). The engine must not be used afterwards.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	var errs []error
	for _, c := range e.opened {
		errs = append(errs, c.Close())
	}
	e.opened = nil
	clear(e.stores)
	return errors.Join(errs...)
}
