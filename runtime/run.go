package runtime

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/rules"
	"github.com/resultgen/resultgen/runtime/storage"
)

// Run runs the invocation to its final state. It never panics on behalf of
// the body: a panic becomes a Failed state carrying a *PanicError.
func Run[R any](ctx context.Context, inv Invocation[R]) *State[R] {
	st, _, _ := runInv(ctx, &inv, true, 0)
	return st
}

// Call runs the invocation and returns its value, as Run(ctx,
// inv).Result() does: the same settings, run numbers, logs, retries and
// errors (the body's own, or a *PanicError). Generated Call methods use it.
//
// Call and Run take one path; they differ only in what they allocate. A
// task run that persists nothing and keeps its value builds no State under
// Call: its one allocation is the context its body gets (which carries the
// task run, and which the body may keep), and none when the function takes
// no context (Def.NoContext: see runBare).
func Call[R any](ctx context.Context, inv Invocation[R]) (R, error) {
	st, v, err := runInv(ctx, &inv, false, 0)
	if st != nil {
		return st.Result()
	}
	return v, err
}

// runInv is Run and Call: it runs inv and returns its State, built when
// state is true or when the run needs one (see runTask); with no State, the
// run's value and error. mapIndex is the run's index in its Map call plus
// one; 0 outside Map.
func runInv[R any](ctx context.Context, inv *Invocation[R], state bool, mapIndex int32) (*State[R], R, error) {
	var zero R
	def := inv.Def
	if def == nil {
		return failedState[R](errors.New("runtime: invocation without a Def"), "?"), zero, nil
	}
	e := engineFrom(ctx)
	if kr := e.settings.Keyring; kr != nil {
		ctx = record.WithKeyring(ctx, kr) // encrypted records open (see Encrypt)
	}
	// A task run without options runs under the Def's own settings, read
	// in place rather than copied (runTask and resolve only read them).
	// Serves P3's hit rows (generated State calls without WithOptions):
	// configOf's copy was about 200 instructions a hit (callgrind).
	cfg := &def.Config
	if def.Kind == KindFlow || e.err != nil || len(inv.Options) > 0 {
		c := configOf(*inv)
		if e.err != nil {
			return failedState[R](e.err, runNameOf(def, &c)), zero, nil
		}
		if def.Kind == KindFlow {
			if err := checkDef[R](def); err != nil {
				return failedState[R](err, runNameOf(def, &c)), zero, nil
			}
			return runFlow(ctx, e, *inv, c), zero, nil
		}
		cfg = &c
	}
	if err := checkDef[R](def); err != nil {
		return failedState[R](err, runNameOf(def, cfg)), zero, nil
	}
	fr := flowFrom(ctx)
	hasSK, hasCK := inv.StorageKey != nil, inv.CacheKey != nil
	// A remembered plan opens nothing; nor does a run cancelled before it
	// has one (runTask fails on ctx.Err() first).
	p := e.memo(fr).hit(def, cfg, hasSK, hasCK)
	var err error
	switch {
	case p != nil:
	case ctx.Err() != nil:
		p = &plan{}
	default:
		p, err = e.resolvePlan(def, cfg, fr, hasSK, hasCK)
	}
	return runTask(ctx, e, inv, cfg, fr, p, err, state, mapIndex)
}

// configOf returns the Def's Config with the invocation's options applied.
func configOf[R any](inv Invocation[R]) Config {
	cfg := inv.Def.Config
	if len(inv.Options) > 0 {
		c := new(Config) // options get a pointer: keep cfg itself off the heap
		*c = cfg
		for _, o := range inv.Options {
			if o != nil {
				o(c)
			}
		}
		cfg = *c
	}
	return cfg
}

// runNameOf is the name a run of def under cfg goes by: the name option,
// else the Def's.
func runNameOf(def *Def, cfg *Config) string {
	if cfg.Name != "" {
		return cfg.Name
	}
	return def.Name
}

// taskNumber numbers a task run among the runs of its name: in the
// calling flow run, else in the engine.
func taskNumber(e *Engine, fr *flowRun, p *plan, taskName string) int {
	switch {
	case p.counter != nil: // p was resolved for taskName
		return int(p.counter.Add(1))
	case fr != nil:
		return fr.nextTaskNumber(taskName)
	default:
		return e.nextTaskNumber(taskName)
	}
}

// Submit runs the invocation concurrently. Submitted task runs share the
// engine's concurrency limit (see WithConcurrency); a flow, and a
// Transaction, waits for the futures submitted inside it before it
// finishes.
func Submit[R any](ctx context.Context, inv Invocation[R]) *Future[R] {
	f := &Future[R]{done: make(chan struct{})}
	e := engineFrom(ctx)
	fr := flowFrom(ctx)
	if fr != nil {
		fr.futures.Add(1)
	}
	tx := txnFrom(ctx) // a transaction waits for its futures too
	if tx != nil {
		tx.futures.Add(1)
	}
	go func() {
		defer func() {
			if fr != nil {
				fr.futures.Done()
			}
			if tx != nil {
				tx.futures.Done()
			}
			close(f.done)
		}()
		if inv.Def != nil && inv.Def.Kind != KindFlow {
			select {
			case e.sem <- struct{}{}:
				defer func() { <-e.sem }()
			case <-ctx.Done():
				f.state = failedState[R](ctx.Err(), inv.Def.Name)
				return
			}
		}
		f.state = Run(ctx, inv)
	}()
	return f
}

// callBody runs body, turning a panic into a *PanicError.
func callBody[R any](ctx context.Context, body func(context.Context) (R, error)) (v R, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	if body == nil {
		return v, errors.New("runtime: invocation without a Body")
	}
	return body(ctx)
}

// attempts runs body up to retries+1 times, pausing delay between attempts;
// setCount tells the run which attempt it is on from the second (runs
// start at 1).
func attempts[R any](ctx context.Context, log *runLog, retries int, delay time.Duration, setCount func(int), body func(context.Context) (R, error)) (R, error) {
	for n := 1; ; n++ {
		if n > 1 { // runs start at attempt 1
			setCount(n)
		}
		v, err := callBody(ctx, body)
		if err == nil || n > retries {
			return v, err
		}
		log.retrying(ctx, n, retries, delay, err)
		retried(ctx, n, err)
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return v, err
			}
		}
	}
}

// freshKey reports whether a task run may skip the lookup of key, which
// cannot hold a record yet: a key made by a cache policy with the run_id
// part, from a run id no earlier run had. Outside flows that is the task
// run's own id, new on every call; in a flow, the id of a flow run with a
// random id (not a named run, see RunID), the first time a task of the
// run uses the key (the same task called again with the same inputs, in
// this attempt or a retry, looks it up and finds the first call's record). A
// record could be there only if another run drew the same random UUID;
// even then the write that follows, conditional as every first write
// (storage.PutOptions.IfAbsent), overwrites nothing. Serves the first run
// of a flow on S3 (make bench-peers): one request per task, not two.
func freshKey(inv *keyIn, p *plan, fr *flowRun, key string) bool {
	switch {
	case inv.storageKey != nil || inv.cacheKey != nil || p.policy == nil || !slices.Contains(p.policy.parts, rules.PolicyRunID):
		return false
	case fr == nil:
		return true
	case fr.durable != "":
		return false
	}
	return fr.claim(key)
}

// taskFrame holds what one task run needs in a single allocation: its
// State (returned) and the body's context with its taskRun (read by
// TaskRunFrom).
//
// It stays at most 512 bytes, the largest size the Go allocator types by
// the span's bitmap rather than by an object header: a hit's record.Meta is
// not in it (a memory hit points at the record's own, see loadRef; other
// hits allocate theirs), and the slot points at the memo's plan rather
// than copying it. Serves P3's hit rows: the frame was 896 bytes, its
// allocation 14% of BenchmarkWrapperHit1KiB/memory's time (pprof); then
// 488 bytes, and the hit 26.8k -> 24.3k instructions (callgrind). The
// run's slot (144 bytes) is on runPersisted's stack, and the calling flow
// run's info (56) is allocated apart, in flows only: 304 bytes, the
// allocator's 320-byte class.
type taskFrame[R any] struct {
	st  State[R]
	ctx taskCtx
}

// runTask runs a task under cfg, called from fr (nil outside flows), with
// p and err what e.resolve returned for it: the one path of Run and Call.
//
// It builds the run's State (returned, with the run's value and error) in a
// taskFrame when state is true or when the run's value is not simply handed
// back (a persisted run, or one that drops its value from memory). Otherwise
// (Call of a run that persists nothing: P1) it returns a nil State, the
// value and the error, and its one allocation is the body's context (none
// with Def.NoContext: see runBare). Both
// take every decision here, in the same order (numbering, logs, checks,
// retries, panics, errors); the State, when there is one, only records them.
func runTask[R any](ctx context.Context, e *Engine, inv *Invocation[R], cfg *Config, fr *flowRun, p *plan, err error, state bool, mapIndex int32) (*State[R], R, error) {
	def := inv.Def
	taskName := runNameOf(def, cfg)
	var f *taskFrame[R] // nil: no State
	var tc *taskCtx     // the body's context, holding the task run
	switch {
	case state || p.persist || !p.inMemory:
		f = &taskFrame[R]{}
		tc = &f.ctx
	case def.NoContext && e.obs == nil && mapIndex == 0 && e.tel.off():
		return runBare(ctx, e, inv, cfg, fr, p, err)
	default:
		tc = &taskCtx{}
	}
	tr := &tc.run
	tr.init(taskName, taskNumber(e, fr, p, taskName))
	if mapIndex > 0 {
		tr.mapped(int(mapIndex) - 1)
	}
	// t stays on the stack. Set field by field: a composite literal was
	// built aside and copied (about 20 instructions a run more, P1).
	var t taskEnd[R]
	if t.telOff = e.tel.off(); !t.telOff {
		ctx, t.tel = e.tel.startTask(ctx, def, taskName, fr)
	}
	t.ctx, t.p = ctx, p
	t.log.log, t.log.kind, t.log.name, t.log.task, t.log.flow = e.logger, "task", taskName, tr, fr
	if f != nil {
		st := &f.st
		st.taskRun = tr
		st.res.run, st.res.hasValue, st.res.loaded, st.res.keep = tr, def.Value, true, true
		if fr != nil {
			// its own allocation: the frame of a run outside flows stays
			// in the allocator's 320-byte class (P3's hit rows)
			fi := fr.info()
			st.flowRun = &fi
		}
		t.st = st
	}
	if t.obs = e.observe(def, taskName); t.obs != nil {
		inv.Body = observeBody(t.obs, inv.body())
	}
	t.log.started(ctx)
	if err := ctx.Err(); err != nil {
		return t.fail(err)
	}
	if cfg.RunID != "" || cfg.NewRun || cfg.ResumeAcrossVersions {
		return t.fail(fmt.Errorf("task %s: runtime.RunID, runtime.NewRun and runtime.ResumeAcrossVersions name flow runs; a task runs in its calling flow's run", taskName))
	}
	t.reason = p.reason
	if t.st != nil {
		t.st.res.persisted, t.st.reason = p.persist, p.reason
	}
	if err != nil {
		return t.fail(err)
	}
	if t.st != nil {
		t.st.res.store, t.st.res.ser, t.st.res.keyring = p.store, p.ser, p.keyring
	}
	tc.Context = ctx
	if p.persist {
		return runPersisted(tc, e, inv, cfg, fr, f, &t)
	}
	v, err := attempts(tc, &t.log, p.retries, cfg.RetryDelay, tr.setCount, inv.body())
	if t.st != nil && err == nil {
		t.st.code = def.Source
	}
	if err == nil && (inv.OnCommit != nil || inv.OnRollback != nil) {
		if tx := txnFrom(ctx); tx != nil {
			en := txnEntry{task: tr.get().Name}
			en.commit, en.rollback = txnHooks(inv, v)
			tx.add(en)
		}
	}
	return t.end(StateCompleted, v, err)
}

// runBare is runTask for a run that builds no State and persists nothing,
// of a function that takes no context (Def.NoContext), not started by Map,
// on an engine without an observer and with OpenTelemetry off (a span
// records the attempt count and the run's id, which live in the task run
// runBare never makes): its body never reads the context it gets, so it
// gets ctx, and no context carries the task run, whose number its log (on
// runBare's stack) keeps and whose name and ID the log makes when it first
// writes a line (runLog.bareRun). It takes runTask's decisions in
// runTask's order (TestCallAgreesWithRun). Serves P1 (both
// rows): an unpersisted task through its generated wrapper (benchtable's
// EmptyTask.Call) went from 1411 to 1046 instructions and from 1
// allocation to none a call, and ThousandFlow from 1576 to 1174
// instructions a task (callgrind).
func runBare[R any](ctx context.Context, e *Engine, inv *Invocation[R], cfg *Config, fr *flowRun, p *plan, err error) (*State[R], R, error) {
	def := inv.Def
	taskName := runNameOf(def, cfg)
	var t taskEnd[R]
	t.log.n = taskNumber(e, fr, p, taskName)
	t.ctx, t.p = ctx, p
	t.log.log, t.log.kind, t.log.name, t.log.flow = e.logger, "task", taskName, fr
	t.log.started(ctx)
	if err := ctx.Err(); err != nil {
		return t.fail(err)
	}
	if cfg.RunID != "" || cfg.NewRun || cfg.ResumeAcrossVersions {
		return t.fail(fmt.Errorf("task %s: runtime.RunID, runtime.NewRun and runtime.ResumeAcrossVersions name flow runs; a task runs in its calling flow's run", taskName))
	}
	t.reason = p.reason
	if err != nil {
		return t.fail(err)
	}
	// no context carries the attempt's number: nothing reads it
	v, err := attempts(ctx, &t.log, p.retries, cfg.RetryDelay, func(int) {}, inv.body())
	if err == nil && (inv.OnCommit != nil || inv.OnRollback != nil) {
		if tx := txnFrom(ctx); tx != nil {
			t.log.bareRun()
			en := txnEntry{task: t.log.run}
			en.commit, en.rollback = txnHooks(inv, v)
			tx.add(en)
		}
	}
	return t.end(StateCompleted, v, err)
}

// taskEnd makes a task run final (see runTask).
type taskEnd[R any] struct {
	ctx    context.Context
	p      *plan
	log    runLog
	st     *State[R] // nil: the run builds none
	reason string    // the persist decision's (PersistReason), once made
	obs    *observed // the engine's observer (WithObserver); nil: none
	tel    *runTel   // spans and metrics (otel.go); nil: none
	// telOff: OpenTelemetry recorded nothing when the run started (see
	// telemetry.off): the run's storage operations are not timed either,
	// with no second look at the global providers (P3's hit rows)
	telOff bool
}

// end makes the run final: name with v, or Failed with err. It records the
// outcome in the State, when there is one, and writes the run's last line;
// it returns the State, the value and the error.
func (t *taskEnd[R]) end(name string, v R, err error) (*State[R], R, error) {
	if err != nil {
		var zero R
		name, v = StateFailed, zero
	}
	if t.tel != nil {
		t.observe(name, err)
	}
	st := t.st
	if st == nil {
		// a run without a State persists nothing: no location, no cache
		// reason (the line logFinished writes for such a State)
		t.log.finished(t.ctx, name, err, "", t.reason, "")
		if t.obs != nil {
			observeEnd(t.ctx, t.obs, nil, nil, name, err, t.reason)
		}
		return nil, v, err
	}
	st.name, st.res.value = name, v
	if err != nil {
		st.err = err
	}
	if err == nil && !t.p.inMemory {
		var zero R
		st.res.value, st.res.loaded, st.res.keep = zero, false, false
	}
	st.res.final = st.res.loaded || !st.res.hasValue
	logFinished(t.ctx, &t.log, &st.stateCore, &st.res.resultCore)
	if t.obs != nil {
		observeEnd(t.ctx, t.obs, &st.stateCore, &st.res.resultCore, name, err, t.reason)
	}
	return st, v, err
}

func (t *taskEnd[R]) fail(err error) (*State[R], R, error) {
	var zero R
	return t.end(StateFailed, zero, err)
}

// runPersisted is runTask's part for a run that persists its result (whose
// frame f holds its State and slot), from the key to the commit: it looks
// the key up, and on a miss runs the body under the key's lock and commits
// the record. tctx is the body's context.
//
// The lookup and a hit are done here, on locals (P3's hit rows); a miss's
// lock, record and commit are a persisted's, compiled once in this
// package: generic code is compiled where it is instantiated, once per
// result type in every package of tasks.
func runPersisted[R any](tctx *taskCtx, e *Engine, inv *Invocation[R], cfg *Config, fr *flowRun, f *taskFrame[R], t *taskEnd[R]) (*State[R], R, error) {
	def, p, st, tr, taskName := inv.Def, t.p, &f.st, &tctx.run, t.log.name
	ki := inv.keyIn()
	key, reuse, manifest, kh, err := taskKey(tctx, &ki, cfg, p, fr, tr)
	if err != nil {
		return t.fail(err)
	}
	// kh (nil unless the key hashed the inputs) holds each parameter's own
	// hash until a miss's withParams reads it; it goes back to its pool on
	// a hit or after withParams (an error leaves it to the collector).
	st.res.key = key
	sl := &slot{e: e, p: p, def: def, task: taskName, key: key, want: wantOf[R](def, p), ops: opsOf[R]{}} // where the result is kept
	st.res.want = sl.want
	// inputs is the digest of the parameters a named run's task records
	// keep (LabelInputs); "" when they cannot be hashed.
	var inputs func() string
	if fr != nil && fr.durable != "" {
		inputs = stepInputs(ki, manifest)
		sl.vet = func(m *record.Meta) string { return fr.vetStep(*m, def, inputs) }
	}
	if fr != nil && fr.ahead != nil && def.Value && reuse && !p.refresh && runFree(&ki, p) && fr.ahead.covers(p.store) {
		sl.ahead = fr.ahead
	}
	// cached finishes a hit: the value is in st.res.value already.
	cached := func(m *record.Meta) (*State[R], R, error) {
		kh.remember(p, key, manifest)
		kh.release()
		if fr != nil {
			fr.resumed.Add(1)
			if fr.durable != "" {
				fr.stepDone()
			}
		}
		if sl.ahead != nil {
			sl.ahead.note(key)
		}
		sl.touch(tctx)
		st.why = "loaded the record at the key"
		st.codeOf = m   // read only, as st.res.meta
		st.res.meta = m // read only: Result.Meta hands out clones
		if p.verify > 0 && def.Value {
			verifyHit(tctx, &t.log, sl, p.verify, st.res.value, inv.body())
		}
		return t.end(StateCached, st.res.value, nil)
	}
	found := lookupAbsent
	// lookup reads the record at the key into st.res.value: a hit returns
	// the record's Meta; a miss nil, with what it found in found and
	// st.why.
	lookup := func() (*record.Meta, error) {
		var clock time.Time
		if !t.telOff {
			clock = e.tel.clock(tctx)
		}
		l, m, why, err := sl.loadRef(tctx, &st.res.value)
		e.tel.storageOp(tctx, clock, "read", p.store, err)
		switch {
		case err != nil:
			return nil, err
		case l == lookupHit:
			return m, nil
		}
		found, st.why = l, why
		return nil, nil
	}
	switch {
	case !reuse:
		st.why = "cache_policy=none: a new key every run"
	case p.refresh:
		// nothing is read, but a foreign object or another task's record
		// is never overwritten either
		if _, _, _, err := sl.inspect(tctx); err != nil {
			return t.fail(err)
		}
		st.why = "refresh requested"
	case freshKey(&ki, p, fr, key):
		// the lookup's own reason: there is none, by construction
		st.why = "no record at the key"
	default:
		m, err := lookup()
		if err != nil {
			return t.fail(err)
		}
		if m != nil {
			return cached(m)
		}
	}
	r := persisted{tctx: tctx, e: e, def: def, ki: ki, fr: fr, p: p, name: taskName, key: key, reuse: reuse, kh: kh, manifest: manifest, inputs: inputs,
		retryDelay: cfg.RetryDelay, expiration: cfg.CacheExpiration}
	defer r.unlock()
	again, err := r.lock(sl)
	if err != nil {
		return t.fail(err)
	}
	if again {
		// another process may have committed it while we waited
		m, err := lookup()
		if err != nil {
			return t.fail(err)
		}
		if m != nil {
			return cached(m)
		}
	}
	r.found, r.why = found, st.why
	if err := r.prepare(sl); err != nil {
		return t.fail(err)
	}
	st.why = r.why
	v, err := attempts(r.bctx, &t.log, p.retries, r.retryDelay, tr.setCount, inv.body())
	if err != nil {
		return t.fail(r.failed(err))
	}
	meta, lost, err := r.commit(sl, v, &st.res.value)
	if err != nil {
		return t.fail(err)
	}
	if lost { // another run's value, read into st.res.value
		v = st.res.value
	}
	if r.tx != nil {
		commit, rollback := txnHooks(inv, v)
		r.staged(meta, commit, rollback)
	}
	st.res.meta = meta
	r.committed(sl, meta)
	st.code = def.Source
	return t.end(StateCompleted, v, nil)
}

// persisted is a persisted task run (runPersisted) that missed, from its
// lock to its commit: none of it depends on the run's result type. It
// holds no pointer to its caller's locals (its slot is an argument of
// its methods), so that a hit allocates nothing for it.
type persisted struct {
	tctx       *taskCtx
	e          *Engine
	def        *Def
	ki         keyIn
	fr         *flowRun
	p          *plan
	name       string // the task's
	retryDelay time.Duration
	expiration time.Duration // Config.CacheExpiration

	key      string
	reuse    bool
	manifest record.Manifest
	kh       *keyHasher // as runPersisted's
	// inputs is the digest of the parameters a named run's task records
	// keep (LabelInputs); "" when they cannot be hashed. nil outside
	// named runs.
	inputs func() string
	found  lookup // what the lookup found
	why    string // the State's why

	bctx     context.Context // the body's: tctx, or the key lock's
	held     *heldKey        // the key's lock; nil when not taken
	unlockFn func()          // releases held when the run does (not in a transaction)
	tx       *txn            // nil outside transactions
	labels   map[string]string
	explain  bool // the miss is explained and its commit indexed
}

// unlock releases the key's lock, when the run holds it (a transaction
// holds it until it ends).
func (r *persisted) unlock() {
	if r.unlockFn != nil {
		r.unlockFn()
	}
}

// lock takes the key's lock when the run must hold it while its body runs
// (isolation=serializable), unless its transaction holds it already. again
// reports that the key must be looked up again: another process may have
// committed it while the run waited.
func (r *persisted) lock(sl *slot) (again bool, _ error) {
	p := r.p
	r.bctx = r.tctx
	r.tx = txnFrom(r.tctx)
	if !r.reuse || !p.serializable || (r.tx != nil && r.tx.holding(p.store, r.key)) {
		return false, nil
	}
	held, err := r.e.lockKey(r.tctx, p.store, r.key, r.name)
	if err != nil {
		return false, err
	}
	r.held = held
	if r.tx != nil {
		// held until the transaction ends, so the key is not computed
		// again before it commits or rolls back
		r.tx.holdLock(p.store, r.key, held.unlock)
	} else {
		r.unlockFn = held.unlock
	}
	r.bctx = held.ctx
	return !p.refresh, nil
}

// prepare readies a miss's commit before the body runs: the manifest's
// parameter hashes, the record's labels and the miss's explanation.
func (r *persisted) prepare(sl *slot) error {
	def, p, fr := r.def, r.p, r.fr
	// a miss: the record written (and the explanation) name each
	// parameter's hash, which the lookup did without
	if kh := r.kh; kh != nil {
		if err := kh.trackParams(r.ki.hashInputs, p.policy.excluded); err != nil {
			kh.release()
			return fmt.Errorf("task %s: hash inputs for the record's manifest: %w", r.name, err)
		}
	}
	if p.encrypt && p.keyring != nil {
		r.manifest = keyedParams(r.manifest, r.kh, p.keyring)
	} else {
		r.manifest = withParams(r.manifest, r.kh)
	}
	r.kh.release()
	info := r.tctx.run.get()
	labels := map[string]string{"task_run_id": info.ID, "task_run_name": info.Name}
	if info.MapIndex >= 0 {
		labels["map_index"] = strconv.Itoa(info.MapIndex)
	}
	if fr != nil {
		labels["flow_run_id"] = fr.id
		labels["flow_run_name"] = fr.name
		labels["flow_name"] = fr.flowName
	}
	if r.inputs != nil { // a named run's: the versions and inputs a resume compares
		setLabel(labels, LabelCodeVersion, def.Source)
		setLabel(labels, LabelFlowCodeVersion, fr.source)
		setLabel(labels, LabelInputs, r.inputs())
	}
	r.labels = labels
	// a miss (found is never a hit here): explained, and its commit
	// indexed, only when explain is on or the logger takes DEBUG
	r.explain = r.reuse && r.e.explaining(r.tctx)
	if r.explain && !p.refresh && r.why != "" {
		cur := sl.want.stamp(record.Meta{Key: r.key, Manifest: manifestOf(r.manifest), Labels: labels}, def)
		r.why = explainMiss(r.tctx, sl, cur, r.why)
	}
	return nil
}

// lockLost reports whether the run lost the key's lock while it held it.
func (r *persisted) lockLost() bool { return r.held != nil && r.held.lost.Load() }

// failed is the run's error when its body failed with err.
func (r *persisted) failed(err error) error {
	if r.lockLost() && !errors.Is(err, storage.ErrLockLost) {
		err = fmt.Errorf("%w (the run's context was cancelled: %w)", err, context.Cause(r.bctx))
	}
	return err
}

// commit persists v, the body's value (an R), at the key. lost reports
// that another run committed the key first: its value is then read into
// won (a *R), for the run to return.
func (r *persisted) commit(sl *slot, v, won any) (_ *record.Meta, lost bool, _ error) {
	e, p, tctx := r.e, r.p, r.tctx
	// A run that lost its lock is no longer the key's only writer: it
	// never overwrites, so a record a takeover committed meanwhile wins.
	lockLost := r.lockLost()
	meta := record.Meta{
		GoType:   r.def.GoType,
		Task:     r.name,
		Key:      r.key,
		Created:  e.now().UTC(),
		Labels:   r.labels,
		Manifest: manifestOf(r.manifest),
	}
	if r.expiration != 0 { // negative: expired when written, never served (as the seeds' engine)
		meta.Expires = meta.Created.Add(r.expiration)
	}
	overwrite := (p.refresh || r.found == lookupStale) && !lockLost
	if r.tx != nil {
		// staged: listed in the store's pending marker first, invisible
		// outside the transaction until it commits
		meta.Labels[LabelTxn] = r.tx.root.id
		if err := r.tx.stage(tctx, p.store, r.key); err != nil {
			return nil, false, fmt.Errorf("task %s: %w", r.name, err)
		}
	}
	clock := e.tel.clock(tctx)
	lost, meta, err := sl.persist(tctx, v, won, overwrite, meta)
	e.tel.storageOp(tctx, clock, "write", p.store, err)
	if err != nil {
		return nil, false, err
	}
	return &meta, lost, nil
}

// staged adds the committed record meta to the run's transaction, with the
// task's hooks.
func (r *persisted) staged(meta *record.Meta, commit, rollback func(context.Context) error) {
	en := txnEntry{task: r.tctx.run.get().Name, commit: commit, rollback: rollback}
	if meta.Labels[LabelTxn] == r.tx.root.id { // else a concurrent run's record won
		en.store, en.key = r.p.store, r.key
	}
	r.tx.add(en)
}

// committed finishes a commit of meta.
func (r *persisted) committed(sl *slot, meta *record.Meta) {
	if sl.ahead != nil {
		sl.ahead.note(r.key)
	}
	if r.explain {
		if err := record.WriteIndex(r.tctx, r.p.store, *meta); err != nil {
			r.e.logger.Warn("explain: cannot write the task index", "task", r.name, "error", err)
		}
	}
	if r.inputs != nil {
		r.fr.stepDone()
	}
}

// setLabel sets labels[k] to v unless v is "".
func setLabel(labels map[string]string, k, v string) {
	if v != "" {
		labels[k] = v
	}
}

// stepInputs returns the digest of the parameters of a task run in a named
// run, made once on first use: the cache policy's inputs part when the key
// has one (man.Inputs), else the digest of every parameter; "" when they
// cannot be hashed.
func stepInputs(inv keyIn, man record.Manifest) func() string {
	return sync.OnceValue(func() string {
		if man.Inputs != "" {
			return man.Inputs
		}
		h := newHasher(nil)
		if err := inv.hashInputs(h); err != nil {
			return ""
		}
		return h.sum()
	})
}

func runFlow[R any](ctx context.Context, e *Engine, inv Invocation[R], cfg Config) *State[R] {
	ki := inv.keyIn()
	var f flowCall
	f.init(ctx, e, &ki, cfg, inv.FlowParameter)
	defer f.unlock()
	if f.sub != "" {
		// A retry of the parent does not run again a subflow run an
		// earlier attempt completed with the same inputs: it gets that
		// run's State.
		if prev, ok := f.parent.finishedSubflow(f.sub).(*State[R]); ok {
			f.notAgain(prev.runName)
			return prev
		}
	}
	inv.Body = observeBody(f.obs, inv.body())
	st := &State[R]{}
	if f.start(&st.stateCore, &st.res.resultCore, &st.res.value, opsOf[R]{}) {
		return st
	}
	body := func(ctx context.Context) (R, error) {
		v, err := callBody(ctx, inv.body())
		f.fr.futures.Wait()
		return v, err
	}
	v, err := attempts(f.bctx, &f.log, f.p.retries, f.cfg.RetryDelay, f.fr.setAttempt, body)
	if !f.ended(err) {
		return st
	}
	lost := false
	if f.persists() { // v goes into an interface only then: an allocation
		var ok bool
		if lost, ok = f.commit(v); !ok {
			return st
		}
	}
	f.st.name, f.st.code = StateCompleted, f.def.Source
	if !lost { // else another run's value, read into st.res.value
		st.res.value = v
	}
	if !f.p.inMemory {
		var zero R
		st.res.value, st.res.loaded, st.res.keep = zero, false, false
	}
	if f.sub != "" {
		f.parent.subflowDone(f.sub, st)
	}
	f.finish()
	return st
}

// flowCall is a flow run (runFlow) but for its body and its value: none of
// it depends on the flow's result type, so it is compiled once in this
// package rather than once per result type in every package of tasks (Call
// instantiates runFlow for every result type, tasks' too).
type flowCall struct {
	ctx        context.Context // the caller's, with the run's span once started
	e          *Engine
	def        *Def
	cfg        Config
	p          plan
	resolveErr error
	parent     *flowRun // the calling flow run; nil for a top-level run
	fr         *flowRun
	// sub is a subflow run's place in its parent's attempt: its name and
	// number (the n-th call of that flow in the attempt) and its inputs;
	// "" for a top-level or named run.
	sub string
	obs *observed
	tel *runTel
	log runLog

	// the run's State (st, res) and value (val, a *R, whose type ops
	// describes), once started
	st  *stateCore
	res *resultCore
	val any
	ops resultOps

	bctx       context.Context // the body's
	subSlot    *slot           // a subflow of a named run: where its result is kept
	sl         *slot           // a named run: its key's
	held       *heldKey        // a named run's lock
	wroteStart bool            // the start record is this attempt's: its end is recorded
}

// init makes flow run def's flowRun under cfg, called from ctx's flow run
// (if any), with ki its inputs and params its parameters as key text
// (Invocation.FlowParameter).
func (f *flowCall) init(ctx context.Context, e *Engine, ki *keyIn, cfg Config, params func(string) (string, bool, error)) {
	def := ki.def
	f.ctx, f.e, f.def, f.cfg, f.parent = ctx, e, def, cfg, flowFrom(ctx)
	f.p, f.resolveErr = e.resolve(def, &f.cfg, f.parent, false, false)
	p, parent := &f.p, f.parent
	fr := &flowRun{
		eng:        e,
		parent:     parent,
		id:         uuid.NewString(),
		name:       runName(),
		flowName:   p.name,
		source:     def.Source,
		retries:    p.retries,
		inherit:    *p.inherit,
		runCount:   1,
		start:      e.now().UTC(),
		params:     params,
		paramNames: def.Params,
	}
	f.fr = fr
	sub := ""
	switch {
	case cfg.RunID != "":
		fr.id, fr.name, fr.durable = cfg.RunID, cfg.RunID, cfg.RunID
	case parent != nil:
		n := parent.nextSubflow(p.name)
		sub = p.name + "#" + strconv.Itoa(n)
		if parent.durable != "" {
			// A subflow of a named run gets an id derived from the
			// run's, so that its tasks resume too (when subflows are
			// called in the same order in every attempt, in any process).
			fr.name = fmt.Sprintf("%s-%d", p.name, n)
			fr.id, fr.durable = parent.id+"/"+fr.name, parent.durable
		}
	}
	h := newHasher(nil)
	fr.inputErr = ki.hashInputs(h)
	fr.inputHash = h.sum()
	if sub != "" && fr.inputErr == nil && f.resolveErr == nil {
		f.sub = sub + "#" + fr.inputHash
	}
	f.obs = e.observe(def, p.name)
}

// unlock releases a named run's lock, when the run holds it.
func (f *flowCall) unlock() {
	if f.held != nil {
		f.held.unlock()
	}
}

// notAgain logs that the subflow run finished in an earlier attempt of the
// calling flow, as run.
func (f *flowCall) notAgain(run string) {
	f.e.logger.LogAttrs(f.ctx, slog.LevelInfo, "flow "+f.p.name+": finished in an earlier attempt of the calling flow, not run again",
		slog.String("run", run), slog.String("flow_run", f.parent.name))
}

// finish makes the run's State final: its flow run, the telemetry, the log
// and the observer.
func (f *flowCall) finish() {
	st, fr := f.st, f.fr
	info := fr.info()
	st.flowRun = &info
	st.resumed = int(fr.resumed.Load())
	if f.tel != nil {
		observeFlow(f.ctx, f.tel, &f.p, fr, st, f.res)
	}
	logFinished(f.ctx, &f.log, st, f.res)
	observeEnd(f.ctx, f.obs, st, f.res, st.name, st.err, st.reason)
}

// fail makes the run Failed with err, its value zero.
func (f *flowCall) fail(err error) {
	f.st.name, f.st.err = StateFailed, err
	reflect.ValueOf(f.val).Elem().SetZero()
	f.finish()
}

// loaded makes the run Cached with the value read into f.val (dropped
// unless cache_in_memory), recorded by m, as why says.
func (f *flowCall) loaded(m *record.Meta, why string) {
	f.st.name, f.st.why, f.st.code = StateCached, why, m.CodeVersion()
	f.res.meta = m
	if !f.p.inMemory {
		reflect.ValueOf(f.val).Elem().SetZero()
		f.res.loaded, f.res.keep = false, false
	}
	f.finish()
}

// start starts the run, whose State is st and res, and whose value is val
// (a *R, zero) of the type ops describes: everything before its body. done reports
// that the run is final (finish was called): it failed, or finished in an
// earlier attempt and was loaded.
func (f *flowCall) start(st *stateCore, res *resultCore, val any, ops resultOps) (done bool) {
	e, def, p, fr, parent, cfg := f.e, f.def, &f.p, f.fr, f.parent, &f.cfg
	f.st, f.res, f.val, f.ops = st, res, val, ops
	f.ctx, f.tel = e.tel.startFlow(f.ctx, def, p.name, fr)
	ctx := f.ctx
	st.runName, st.reason = p.name+"/"+fr.name, p.reason
	res.name, res.hasValue, res.loaded, res.keep, res.persisted = st.runName, def.Value, true, true, p.persist
	f.log = runLog{log: e.logger, kind: "flow", name: p.name, run: st.runName, id: fr.id, flow: parent}
	f.log.started(ctx)
	fail := func(err error) bool {
		f.fail(err)
		return true
	}
	if f.resolveErr != nil {
		return fail(f.resolveErr)
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	if cfg.NewRun && cfg.RunID == "" {
		return fail(fmt.Errorf("flow %s: runtime.NewRun re-runs a named run: give its id with runtime.RunID", p.name))
	}
	if cfg.ResumeAcrossVersions && cfg.RunID == "" {
		return fail(fmt.Errorf("flow %s: runtime.ResumeAcrossVersions resumes a named run: give its id with runtime.RunID", p.name))
	}
	res.store, res.ser, res.keyring = p.store, p.ser, p.keyring
	fctx := context.WithValue(ctx, flowRunKey{}, fr)
	fctx = context.WithValue(fctx, taskRunKey{}, (*taskRun)(nil))

	// A subflow of a named run keeps its result at a key of its own (see
	// subflowKey): a later attempt of the run, in this process or another,
	// loads it instead of running the subflow again, as a finished task
	// of the run is. The named run's lock, which its caller holds, makes
	// this attempt the key's only writer.
	if f.sub != "" && parent.durable != "" {
		key := subflowKey(def, fr)
		f.subSlot = &slot{e: e, p: p, def: def, task: p.name, key: key, want: ops.want(def, p)}
		res.key, res.want, res.persisted = key, f.subSlot.want, true
		if !p.persist {
			st.reason = "subflow of run id " + parent.durable + ": kept so that the run resumes (" + p.reason + ")"
		}
		l, m, why, err := f.subSlot.load(ctx, val)
		if err != nil {
			return fail(err)
		}
		if l == lookupHit {
			parent.resumed.Add(1)
			f.loaded(&m, "subflow "+fr.id+" finished in an earlier attempt: loaded its result")
			return true
		}
		st.why = why
	}

	// A named run: return it when it finished, else hold its lock while
	// the body runs.
	f.bctx = fctx
	if cfg.RunID != "" {
		if err := ValidateRunID(cfg.RunID); err != nil {
			return fail(fmt.Errorf("flow %s: %w", p.name, err))
		}
		if fr.inputErr != nil {
			return fail(fmt.Errorf("flow %s: run id %q: hash the parameters: %w", p.name, cfg.RunID, fr.inputErr))
		}
		key := RunKey(p.name, cfg.RunID)
		sl := &slot{e: e, p: p, def: def, task: p.name, key: key, want: ops.want(def, p), vet: vetRunRecord}
		f.sl = sl
		res.key, res.want, res.persisted = key, sl.want, true
		if !p.persist {
			st.reason = "run id " + cfg.RunID + ": a named run keeps its result (" + p.reason + ")"
		}
		// look reads the run's record: a finished run is returned (done),
		// unless NewRun; else found and m say what the key holds.
		look := func() (m record.Meta, found runFound, done bool) {
			hash := fr.inputHash
			if cfg.NewRun {
				hash = "" // other parameters are fine
			}
			clock := e.tel.clock(ctx)
			m, found, err := lookupRun(ctx, sl, cfg.RunID, hash, val)
			e.tel.storageOp(ctx, clock, "read", p.store, err)
			switch {
			case err != nil:
				return m, found, fail(err)
			case found != runFinished || cfg.NewRun:
				reflect.ValueOf(val).Elem().SetZero() // NewRun: the finished run's value is not this run's
				return m, found, false
			}
			f.loaded(&m, "run id "+cfg.RunID+" finished: loaded its result")
			return m, found, true
		}
		if !cfg.NewRun {
			if _, _, done := look(); done {
				return true
			}
		}
		var err error
		f.held, err = e.lockRun(fctx, p.store, key, p.name, cfg.RunID)
		if err != nil {
			return fail(err)
		}
		// The run may have finished in the process we waited for; or it
		// started before, under code that may differ from this.
		m, found, done := look()
		if done {
			return true
		}
		if found == runUnfinished {
			f.tel.resumes(m.Labels)
			resumeStart(fr, m)
		}
		was := ""
		if found != runAbsent {
			was = m.Labels[LabelCodeVersion]
		}
		crossed := was != "" && def.Source != "" && was != def.Source
		if crossed && !cfg.ResumeAcrossVersions {
			return fail(runCodeChanged(p.name, cfg.RunID, m, was, def.Source))
		}
		if crossed {
			f.log.resumingAcross(ctx, was, def.Source)
		}
		// Keep the flow's code version at the key until the run finishes,
		// for a later attempt to compare (a finished run's record keeps
		// its own), and the attempt's status. A finished run re-run with
		// NewRun keeps its result until the new one replaces it.
		fr.started = e.now().UTC()
		if found != runFinished {
			if err := writeStartRecord(fctx, sl, fr); err != nil {
				return fail(err)
			}
			f.wroteStart = true
		}
		f.bctx = f.held.ctx // fctx's, with the lock's cancellation
	}
	if p.persist {
		fr.ahead = startReadAhead(f.bctx, e, fr, p.store, def)
	}
	return false
}

// ended ends the run's body, which returned err: false when it failed
// (the run is final: its failure recorded, finish called).
func (f *flowCall) ended(err error) bool {
	f.fr.ahead.finish(f.bctx, f.e, f.p.name, err == nil)
	if err != nil {
		f.failed(err)
		return false
	}
	return true
}

// failed makes the run Failed with err, and records a named run's failed
// attempt at its key, unless the lock was lost (another process may run
// the id now).
func (f *flowCall) failed(err error) {
	if f.wroteStart && !f.held.lost.Load() {
		if werr := writeFailedRecord(f.ctx, f.sl, f.fr, f.def.Source, err); werr != nil {
			err = errors.Join(err, werr)
		}
	}
	f.fail(err)
}

// persists reports whether the run's value is persisted (commit).
func (f *flowCall) persists() bool { return f.subSlot != nil || f.sl != nil || f.p.persist }

// commit persists v, the value (an R) the run's body returned, where the
// run keeps it. ok is false when that failed (the run is final, finish
// called); lost reports that another run committed the key first, and its
// value was read into f.val, for the run to return.
func (f *flowCall) commit(v any) (lost, ok bool) {
	e, def, p, fr, ctx := f.e, f.def, &f.p, f.fr, f.ctx
	failed := func(err error) (bool, bool) {
		f.failed(err)
		return false, false
	}
	var err error
	var meta record.Meta
	switch {
	case f.subSlot != nil:
		meta = record.Meta{
			GoType:  def.GoType,
			Task:    p.name,
			Key:     f.subSlot.key,
			Created: e.now().UTC(),
			Labels:  map[string]string{"flow_run_id": fr.id, "flow_run_name": fr.name, "flow_name": fr.flowName},
		}
		meta.Labels[LabelFlowParameters] = fr.inputHash
		setLabel(meta.Labels, LabelCodeVersion, def.Source)
		// Overwrite: the run's lock is held, and what is at the key is
		// no finished result of this subflow (else it was loaded).
		lost, meta, err = f.subSlot.persist(ctx, v, f.val, true, meta)
		if err != nil {
			return failed(err)
		}
		f.res.meta = &meta
	case f.sl != nil:
		meta = record.Meta{
			GoType:  def.GoType,
			Task:    p.name,
			Key:     f.sl.key,
			Created: e.now().UTC(),
			Labels:  runLabels(fr),
		}
		meta.Labels[LabelFlowParameters] = fr.inputHash
		meta.Labels[LabelRunRecord] = "true"
		meta.Labels[LabelRunSteps] = strconv.FormatInt(fr.steps.Load(), 10)
		setLabel(meta.Labels, LabelCodeVersion, def.Source)
		// Overwrite: the lock is held, and what is there is an older run
		// of the id (NewRun) or a record this run cannot use.
		clock := e.tel.clock(ctx)
		lost, meta, err = f.sl.persist(ctx, v, f.val, true, meta)
		e.tel.storageOp(ctx, clock, "write", p.store, err)
		if err != nil {
			return failed(err)
		}
		f.res.meta = &meta
	case p.persist:
		key := uuid.NewString()
		f.res.key = key
		meta = record.Meta{
			GoType:  def.GoType,
			Task:    p.name,
			Key:     key,
			Created: e.now().UTC(),
			Labels:  map[string]string{"flow_run_id": fr.id, "flow_run_name": fr.name, "flow_name": fr.flowName},
		}
		sl := &slot{e: e, p: p, def: def, task: p.name, key: key, want: f.ops.want(def, p)}
		f.res.want = sl.want
		clock := e.tel.clock(ctx)
		lost, meta, err = sl.persist(ctx, v, f.val, false, meta)
		e.tel.storageOp(ctx, clock, "write", p.store, err)
		if err != nil {
			f.fail(err)
			return false, false
		}
		f.res.meta = &meta
	}
	return lost, true
}

// subflowKey is where subflow run fr of a named run keeps its result: the
// hex SHA-256 of the flow's function and code version, its parameters'
// digest and its run id (derived from the named run's: "ID/FLOW-N"), so a
// changed subflow, other parameters or another run never load it.
func subflowKey(def *Def, fr *flowRun) string {
	var b []byte
	for _, s := range []string{"subflow", def.Func, def.Source, fr.inputHash, fr.id} {
		b = appendKeyStr(b, s)
	}
	sum := sha256.Sum256(b)
	return hexString(sum[:])
}

// manifestOf returns m on the heap, nil for the zero Manifest (none).
func manifestOf(m record.Manifest) *record.Manifest {
	if m.KeyFrom == "" {
		return nil
	}
	return &m
}

// runLog writes the logs of one run. It keeps only what the lines need, and
// builds their attributes only when the logger takes the level, so disabled
// levels cost an Enabled call.
//
// Lines: "task Hello: started" (DEBUG), "task Hello: retrying" (WARN), and
// one line when the run is final: "task Hello: Completed" (INFO; Cached
// too) or "task Hello: Failed" (DEBUG: the run returns its error, which is
// its one report; the engine never logs it at ERROR too). Each names the run
// (run=Hello-1, flow=greet/calm-lynx for the calling flow run) and ends with
// its run_id.
type runLog struct {
	log  *slog.Logger
	kind string   // "task" or "flow"
	name string   // the task or flow name
	run  string   // the run name: "Hello-1", "greet/calm-lynx"
	id   string   // the run's UUID
	task *taskRun // a task run: run and id are its Name and ID, made on first use
	n    int      // a task run of runBare: its number; run and id are made on first use (bareRun)
	flow *flowRun // the calling flow run; nil outside flows
}

// bareRun makes the name and ID of runBare's task run, once: what
// taskRun.get makes for other task runs.
func (l *runLog) bareRun() {
	if l.id == "" {
		l.run, l.id = l.name+"-"+strconv.Itoa(l.n), uuid.NewString()
	}
}

// attrs returns the run's attributes around the line's own: run and flow
// first, then extra, then the run id.
func (l *runLog) attrs(extra ...slog.Attr) []slog.Attr {
	run, id := l.run, l.id
	switch {
	case l.task != nil:
		info := l.task.get()
		run, id = info.Name, info.ID
	case l.n > 0:
		l.bareRun()
		run, id = l.run, l.id
	}
	a := make([]slog.Attr, 0, len(extra)+3)
	a = append(a, slog.String("run", run))
	if l.flow != nil {
		a = append(a, slog.String("flow", l.flow.flowName+"/"+l.flow.name))
	}
	a = append(a, extra...)
	return append(a, slog.String("run_id", id))
}

func (l *runLog) started(ctx context.Context) {
	if !l.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	l.log.LogAttrs(ctx, slog.LevelDebug, l.kind+" "+l.name+": started", l.attrs()...)
}

// resumingAcross logs, at INFO, that a named run resumes under other flow
// code than it started under (ResumeAcrossVersions).
func (l *runLog) resumingAcross(ctx context.Context, was, now string) {
	if !l.log.Enabled(ctx, slog.LevelInfo) {
		return
	}
	l.log.LogAttrs(ctx, slog.LevelInfo, l.kind+" "+l.name+": resuming across code versions", l.attrs(
		slog.String("was", short(was)), slog.String("now", short(now)))...)
}

func (l *runLog) retrying(ctx context.Context, attempt, retries int, delay time.Duration, err error) {
	if !l.log.Enabled(ctx, slog.LevelWarn) {
		return
	}
	l.log.LogAttrs(ctx, slog.LevelWarn, l.kind+" "+l.name+": retrying", l.attrs(
		slog.Int("attempt", attempt), slog.Int("retries", retries),
		slog.Duration("delay", delay), slog.Any("error", err))...)
}

// logFinished writes the one line of a final state: its name, where the
// result is (location, when persisted and not failed) and why it was or was
// not persisted (reason); a failed run logs at DEBUG with its error (the
// caller gets the error itself).
func logFinished(ctx context.Context, l *runLog, st *stateCore, res *resultCore) {
	if !l.log.Enabled(ctx, finishedLevel(st.err)) {
		return
	}
	loc := ""
	if st.err == nil {
		loc = res.location()
	}
	l.finished(ctx, st.name, st.err, loc, st.reason, st.why)
}

// finishedLevel is the level of a final state's line: a failure is
// returned to the caller, so its line is DEBUG, never WARN or ERROR.
func finishedLevel(err error) slog.Level {
	if err != nil {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// finished writes the line of a final state named state (see logFinished);
// loc is where the result is ("" when not persisted), why why it was
// computed or loaded.
func (l *runLog) finished(ctx context.Context, state string, err error, loc, reason, why string) {
	level := finishedLevel(err)
	if !l.log.Enabled(ctx, level) {
		return
	}
	extra := make([]slog.Attr, 0, 4)
	if loc != "" {
		extra = append(extra, slog.String("location", loc))
	}
	extra = append(extra, slog.String("reason", reason))
	if why != "" && state != StateCached {
		extra = append(extra, slog.String("computed", why))
	}
	if err != nil {
		extra = append(extra, slog.Any("error", err))
	}
	l.log.LogAttrs(ctx, level, l.kind+" "+l.name+": "+state, l.attrs(extra...)...)
}
