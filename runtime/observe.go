package runtime

import (
	"context"
	"errors"
	"fmt"
	"reflect"
)

// Observer is told of every task and flow run of an engine (WithObserver):
// before each attempt of its body, and once when it is final. Test
// harnesses (package resulttest) use it to count body calls, to tell hits
// from misses and why, and to make a body fail, panic or return a given
// value without running. Its methods are called from the goroutines that
// run the tasks (Submit runs them concurrently), so it must be safe for
// concurrent use; they are called only when an observer is set, and cost
// nothing otherwise.
type Observer interface {
	// Attempt is called before each attempt of a run's body, with the
	// body's context, inside the attempt: an error it returns fails the
	// attempt as the body's own error would (the run's retries apply),
	// and a panic in it is the body's panic (a *PanicError). A non-nil
	// stub runs instead of the body; the value it returns must be of the
	// run's result type (nil means the zero value), else the attempt
	// fails. A cache hit runs no attempt.
	Attempt(ctx context.Context, run RunInfo) (stub func(context.Context) (any, error), err error)
	// Finished is called once when a run is final, with its caller's
	// context. Runs that fail before they start (a stale Def, settings
	// that cannot be loaded) are not reported.
	Finished(ctx context.Context, run RunReport)
}

// RunInfo says which task or flow a run is.
type RunInfo struct {
	Kind Kind   // KindTask or KindFlow
	Func string // the function's import path and name, Def.Func: "example.com/app.Hello"
	Name string // the task or flow name the run goes by (Def.Name, or the Name option)
}

// RunReport is what an Observer is told of a final run: what its State
// says, also for runs made with Call, which build no State.
type RunReport struct {
	RunInfo
	State         string // StateCompleted, StateCached or StateFailed
	Err           error  // the run's error, as State.Err
	Persisted     bool   // State.Persisted
	PersistReason string // State.PersistReason
	CacheReason   string // State.CacheReason: why it was computed ("" for a hit, or a run that persists nothing)
	Key           string // State.Key: the record's key, when persisted
	Storage       string // State.Storage
	FlowRunID     string // the calling flow run's id (a flow: its own); "" for a task outside flows
	Resumed       int    // State.Resumed (flows)
}

// WithObserver makes o see every run of the engine (see Observer).
func WithObserver(o Observer) EngineOption {
	return func(e *Engine) { e.obs = o }
}

// observed is the observer of one run, nil when the engine has none.
type observed struct {
	o    Observer
	info RunInfo
}

// observe returns the observer of a run of def named name, nil without one.
func (e *Engine) observe(def *Def, name string) *observed {
	if e.obs == nil {
		return nil
	}
	return &observed{o: e.obs, info: RunInfo{Kind: def.Kind, Func: def.Func, Name: name}}
}

// observeBody returns body with the observer's Attempt before each call
// (body itself when ob is nil).
func observeBody[R any](ob *observed, body func(context.Context) (R, error)) func(context.Context) (R, error) {
	if ob == nil {
		return body
	}
	return func(ctx context.Context) (R, error) {
		var zero R
		stub, err := ob.o.Attempt(ctx, ob.info)
		switch {
		case err != nil:
			return zero, err
		case stub == nil && body == nil:
			return zero, errors.New("runtime: invocation without a Body")
		case stub == nil:
			return body(ctx)
		}
		v, err := stub(ctx)
		if err != nil || v == nil {
			return zero, err
		}
		r, ok := v.(R)
		if !ok {
			kind := "task"
			if ob.info.Kind == KindFlow {
				kind = "flow"
			}
			return zero, fmt.Errorf("%s %s: the observer's stub returned a %T, want a %s", kind, ob.info.Name, v, reflect.TypeFor[R]())
		}
		return r, nil
	}
}

// observeEnd reports a final run: st when the run built a State, else its
// state name, error and persist reason.
func observeEnd(ctx context.Context, ob *observed, st *stateCore, res *resultCore, name string, err error, reason string) {
	if ob == nil {
		return
	}
	r := RunReport{RunInfo: ob.info, State: name, Err: err, PersistReason: reason}
	if st != nil {
		r.State, r.Err, r.PersistReason = st.name, st.err, st.reason
		r.Persisted, r.CacheReason, r.Key, r.Resumed = res.persisted, st.why, res.key, st.resumed
		if res.store != nil {
			r.Storage = res.storageName()
		}
		if st.flowRun != nil {
			r.FlowRunID = st.flowRun.ID
		}
	} else if fr := flowFrom(ctx); fr != nil {
		r.FlowRunID = fr.id
	}
	ob.o.Finished(ctx, r)
}
