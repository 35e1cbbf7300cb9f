package runtime

import (
	"context"
	"errors"
	"fmt"

	"github.com/resultgen/resultgen/internal/record"
)

// State names.
const (
	StateCompleted = "Completed"
	StateCached    = "Cached"
	StateFailed    = "Failed"
)

// ErrResultUnavailable is wrapped by Result when the value was dropped from
// memory (cache_in_memory=false) and never persisted (persist=false).
var ErrResultUnavailable = errors.New("result unavailable: cache_in_memory=false and not persisted")

// PanicError is the error of a run whose body panicked.
type PanicError struct {
	Value any    // the value passed to panic
	Stack []byte // the goroutine's stack at the panic
}

func (p *PanicError) Error() string { return fmt.Sprintf("panic: %v", p.Value) }

// Unwrap returns the panic value when it is an error, so errors.Is and
// errors.As see through the panic.
func (p *PanicError) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}

// State is a run's final state: "Completed", "Cached" (loaded from storage
// without running) or "Failed". Its methods are safe for concurrent use.
type State[R any] struct {
	stateCore
	res Result[R]
}

// stateCore is a State's fields that do not depend on its type (see
// resultCore).
type stateCore struct {
	name    string
	err     error
	reason  string
	why     string // why the result was loaded or computed (CacheReason)
	resumed int    // flows: task runs loaded from storage (Resumed)
	code    string // the code version that produced the value (CodeVersion)
	// codeOf, when code is "", is the record a hit loaded, whose
	// CodeVersion is the run's: read when asked, not on every hit (P3's
	// memory hit: a label lookup, 168 of 8.3k instructions, callgrind).
	codeOf *record.Meta

	flowRun *FlowRunInfo
	taskRun *taskRun // a task's run, final once the State is returned
	runName string   // "" for a task run: its taskRun's Name
}

// failedState is the State of a run named runName that failed with err
// before it started.
func failedState[R any](err error, runName string) *State[R] {
	return &State[R]{stateCore: stateCore{name: StateFailed, err: err, runName: runName}}
}

// who names the run in String: the task run's name, made on first use.
func (s *State[R]) who() string {
	if s.runName == "" && s.taskRun != nil {
		return s.taskRun.get().Name
	}
	return s.runName
}

// Result returns the value, or the run's error when it failed: the body's own
// error as it returned it (errors.Is works), or a *PanicError. A value
// dropped from memory is read back from storage on each call; when it was
// never persisted, the error wraps ErrResultUnavailable.
func (s *State[R]) Result() (R, error) {
	if s.err != nil {
		var zero R
		return zero, s.err
	}
	return s.res.Get(context.Background())
}

// Data is the run's result object: its kind (unpersisted, literal,
// persisted), where it is stored, and Get. Nil when the run failed.
func (s *State[R]) Data() *Result[R] {
	if s.err != nil {
		return nil
	}
	return &s.res
}

// IsCompleted reports whether the run produced a value, by running or from
// the cache.
func (s *State[R]) IsCompleted() bool { return s.name == StateCompleted || s.name == StateCached }

// IsFailed reports whether the run failed.
func (s *State[R]) IsFailed() bool { return s.name == StateFailed }

// IsCached reports whether the result was loaded from storage without running.
func (s *State[R]) IsCached() bool { return s.name == StateCached }

// Name returns "Completed", "Cached" or "Failed".
func (s *State[R]) Name() string { return s.name }

// Err returns the run's error, nil unless it failed.
func (s *State[R]) Err() error { return s.err }

// Persisted reports whether the result is stored. It is false for a run
// that failed: a failed run writes no record (PersistReason still says
// whether a success would have been persisted).
func (s *State[R]) Persisted() bool { return s.err == nil && s.res.persisted }

// Storage names the store of a persisted result ("local:/abs/path",
// "memory", ...); "" when not persisted. For a failed run it names the
// store the run looked up and would have written to (Persisted is false:
// no record of this run is there).
func (s *State[R]) Storage() string { return s.res.Storage() }

// Key returns the storage key of a persisted result; "" when not
// persisted. For a failed run it is the key the run looked up and would
// have written (its error names it too), where no record of this run
// exists: Persisted is false and Location is "".
func (s *State[R]) Key() string { return s.res.key }

// Location is where a persisted result lives, in the terms a user looks it
// up with: a file path for local storage ("/home/me/.resultgen/storage/
// hello-world.json"), an s3:// URL for S3; "" when not persisted, and for a
// failed run (nothing was written).
func (s *State[R]) Location() string {
	if s.err != nil {
		return ""
	}
	return s.res.Location()
}

// Size is the stored payload's size in bytes (0 for literal records, for
// results not persisted and for a failed run).
func (s *State[R]) Size() int64 {
	if s.err != nil {
		return 0
	}
	return s.res.size()
}

// Meta returns the record's metadata of a persisted, completed or cached
// result; false otherwise.
func (s *State[R]) Meta() (record.Meta, bool) {
	if s.err != nil {
		return record.Meta{}, false
	}
	return s.res.Meta()
}

// PersistReason says why the result is persisted or not, in the words of
// DecidePersist: "persist=false (always wins)", "inferred from storage_key",
// "inherited from flow etl (storage=s3/prod)", ...
func (s *State[R]) PersistReason() string { return s.reason }

// CacheReason says why a persisted task's result was loaded or computed:
// "loaded the record at the key" (Cached), or what the lookup found instead:
// "no record at the key", "the record expired at ...", "refresh requested",
// "result type changed: ..." (the record was written for another result type),
// "a damaged record was replaced", "cache_policy=none: a new key every run".
// With explain on (WithExplain, RESULTGEN_EXPLAIN_MISSES; by default, when
// the engine's logger takes DEBUG) a miss also names
// what changed since the task's most recent record in the store: "...;
// since the last record (KEY, TIME): parameter n changed; code changed:
// func normalize (pipeline/clean.go:42); result type changed: field Total
// added" (see record.Compare). A changed parameter or code version gives a
// new key, so without explain such a miss reads "no record at the key".
// It is "" for runs that persist nothing, for flows, and for runs that
// failed before the lookup.
func (s *State[R]) CacheReason() string { return s.why }

// Resumed is, for a flow run, how many of the task runs and subflow runs it
// called directly were loaded from storage instead of running (state
// Cached): in a named run (RunID) that resumes a crashed attempt, the tasks
// and subflows that had finished.
// It is 0 for tasks, and for a finished named run returned as Cached (its
// body did not run).
func (s *State[R]) Resumed() int { return s.resumed }

// CodeVersion returns the code version ("sha256:<hex>", the generated
// Def.Source: the function's code and what it calls, see "Code version" in
// the generator's documentation) of the function whose run produced the
// value. For a Completed run it is the running code's. For a Cached run it
// is the version recorded with the result, which may be older than the
// running code: a finished named run returned by id (RunID) reports the
// flow code that ran it; a task reports the code its record's key was made
// of, or that its named run recorded. It is "" for a Failed run, and when
// the record does not say (written before resultgen recorded it, or a
// cache policy without task_source outside a named run).
func (s *State[R]) CodeVersion() string {
	if s.err != nil {
		return ""
	}
	if s.code == "" && s.codeOf != nil {
		return s.codeOf.CodeVersion()
	}
	return s.code
}

// FlowRun describes the flow run: the run itself for a flow, the calling
// flow run for a task; false for a task run outside any flow.
func (s *State[R]) FlowRun() (FlowRunInfo, bool) {
	if s.flowRun == nil {
		return FlowRunInfo{}, false
	}
	return *s.flowRun, true
}

// TaskRun describes the task run; false for a flow.
func (s *State[R]) TaskRun() (TaskRunInfo, bool) {
	if s.taskRun == nil {
		return TaskRunInfo{}, false
	}
	return s.taskRun.get(), true
}

func (s *State[R]) String() string {
	if s.err != nil {
		return fmt.Sprintf("%s(%s: %v)", s.name, s.who(), s.err)
	}
	return fmt.Sprintf("%s(%s)", s.name, s.who())
}

// Future is a submitted run. Its methods block until the run is final and
// are safe for concurrent use.
type Future[R any] struct {
	done  chan struct{}
	state *State[R]
}

// Result waits for the run and returns State().Result().
func (f *Future[R]) Result() (R, error) { return f.State().Result() }

// State waits for the run and returns its final state.
func (f *Future[R]) State() *State[R] { <-f.done; return f.state }

// Wait waits for the run.
func (f *Future[R]) Wait() { <-f.done }
