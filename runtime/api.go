package runtime

// The API generated code calls: every name here is part of the contract with
// the generator (see doc.go for the manual).

import (
	"context"
	"reflect"
	"sync/atomic"
	"time"

	"github.com/resultgen/resultgen/internal/rules"
)

// Kind tells tasks from flows.
type Kind = rules.Kind

// The kinds.
const (
	KindTask = rules.KindTask // a task: cached, keyed, persisted per call
	KindFlow = rules.KindFlow // a flow: a run that groups task runs
)

// Void is the result type of functions that return nothing or only an error.
type Void = struct{}

// Config holds settings set explicitly by directives or options: one field
// per directive key and option, documented with the rules that resolve
// them (go doc github.com/resultgen/resultgen/internal/rules Config). The
// zero value of each field means "not set": it is then inherited from the
// calling flow or the global settings.
type Config = rules.Config

// Def is the static description the generator emits once per function.
type Def struct {
	Kind   Kind
	Name   string   // run name: directive name, else the function name (flows: kebab-case)
	Func   string   // "import/path.Func"
	Source string   // task-source hash, "sha256:<hex>"
	Params []string // parameter names in order, without a leading context.Context
	// Units lists what Source covers, one line per declaration or module:
	// "func normalize 3fa9c1d2e4b5 pipeline/clean.go:42", "module
	// golang.org/x/text@v0.43.0" (internal/model.CodeVersion.Units). Records keep
	// it in their key manifest, so a miss can name the declaration that
	// changed.
	Units  []string
	GoType string // result type as written in records ("" for Void)
	// TypeHash and TypeDesc are the result type's fingerprint (package
	// internal/typeid), computed by the generator from go/types; records are
	// bound to it. Empty: computed from R at run time.
	TypeHash string
	TypeDesc string
	Value    bool // the function returns a value (not only an error or nothing)
	// KeyUsesFlowRun: the storage-key template references flow_run.*, so the
	// task fails clearly when run outside a flow.
	KeyUsesFlowRun bool
	// NoContext: the function takes no context.Context, so its Body never
	// reads the context it is given (the generator sets it on tasks).
	// A run that builds no State and persists nothing then allocates
	// nothing: its body gets the caller's context (see runBare).
	NoContext bool
	Config    Config

	// Package is what the generated file was generated from; the runtime
	// checks it against the sources once per process (see Package).
	Package *Package
	// ParamTypes returns a func type whose inputs are the function's
	// parameter types, without a leading context.Context
	// (reflect.TypeFor[func(string, Row)]), and ParamHashes their
	// fingerprints as the generator computed them ("" for one it did not):
	// with TypeHash, what the first run of the Def compares with reflect,
	// so that a type changed without running go generate again fails with
	// ErrStale instead of being decoded or keyed wrongly.
	ParamTypes  func() reflect.Type
	ParamHashes []string

	checked atomic.Pointer[defCheck] // checkDef's outcome
}

// fn is what the rules know of def's function (rules.Resolve).
func (def *Def) fn() rules.Func { return rules.Func{Kind: def.Kind, Name: def.Name, Value: def.Value} }

// Option changes a Config; used by WithOptions on generated types.
type Option func(*Config)

// Invocation is one call of a generated wrapper.
type Invocation[R any] struct {
	Def     *Def
	Options []Option
	// Inputs hashes the parameters for the "inputs" cache policy; nil when the
	// function has none.
	Inputs func(h *Hasher) error
	// StorageKey renders the compiled storage-key template; nil when none.
	StorageKey func(k KeyContext) (string, error)
	// CacheKey calls the task's cache_key_fn; nil when none.
	CacheKey func(ctx context.Context) (string, error)
	// Body runs the user's function.
	Body func(ctx context.Context) (R, error)
	// FlowParameter, on a flow, renders its parameter name as key text for
	// the storage keys of the tasks it calls ({flow_run.parameters[NAME]},
	// KeyContext.FlowParameter); false when it has no such parameter that a
	// key can hold. nil: none.
	FlowParameter func(name string) (string, bool, error)
	// OnCommit and OnRollback call the task's on_commit and on_rollback
	// hooks with the run's value (nil when none). Inside a Transaction, a
	// completed task run's OnCommit runs after the transaction commits and
	// its OnRollback when the transaction rolls back; outside, neither runs.
	OnCommit   func(ctx context.Context, v R) error
	OnRollback func(ctx context.Context, v R) error
	// Args, when set, is the call's arguments, which hash themselves and
	// run the function: Inputs and Body in one value. Generated wrappers
	// of functions with parameters set it rather than Inputs and Body: a
	// call then allocates one value, not a closure for each. A Body or
	// Inputs that is set too is used instead of Args's.
	Args Args[R]
}

// Args is one call's arguments of a function that runs as a task or flow
// (see Invocation.Args).
type Args[R any] interface {
	// Inputs hashes the parameters, as Invocation.Inputs does.
	Inputs(h *Hasher) error
	// Body runs the function with them, as Invocation.Body does.
	Body(ctx context.Context) (R, error)
}

// keyIn is what a task's key is made of, taken from its Invocation: the
// parts that do not depend on the result type. The code that makes keys
// takes a keyIn, not an Invocation[R], so that it is compiled once, in
// this package, rather than once per result type in every package of
// tasks that calls it (generic code is compiled where it is
// instantiated).
type keyIn struct {
	def        *Def
	storageKey func(k KeyContext) (string, error)
	cacheKey   func(ctx context.Context) (string, error)
	inputs     func(h *Hasher) error
	args       interface{ Inputs(h *Hasher) error } // Args, nil when Inputs is set
}

// keyIn returns inv's key parts.
func (inv *Invocation[R]) keyIn() keyIn {
	k := keyIn{def: inv.Def, storageKey: inv.StorageKey, cacheKey: inv.CacheKey, inputs: inv.Inputs}
	if k.inputs == nil && inv.Args != nil {
		k.args = inv.Args
	}
	return k
}

// hashInputs hashes the invocation's inputs into h: Inputs, else Args's;
// nothing when it has neither.
func (k *keyIn) hashInputs(h *Hasher) error {
	switch {
	case k.inputs != nil:
		return k.inputs(h)
	case k.args != nil:
		return k.args.Inputs(h)
	}
	return nil
}

// body returns inv's Body, else Args's (nil when it has neither).
func (inv *Invocation[R]) body() func(context.Context) (R, error) {
	if inv.Body != nil || inv.Args == nil {
		return inv.Body
	}
	return inv.Args.Body
}

// KeyContext is what a storage-key template can read.
type KeyContext struct {
	FlowRun FlowRunInfo
	TaskRun TaskRunInfo
	// FlowRunStart is when the calling flow run started (its first
	// attempt, by the engine's clock: see WithClock), in UTC
	// ({flow_run.start_time:LAYOUT}); zero outside flows.
	FlowRunStart time.Time

	flow *flowRun // the calling flow run, for FlowParameter; nil outside flows
}

// FlowRunInfo describes a flow run.
type FlowRunInfo struct {
	ID       string // UUID, or the id given with RunID
	Name     string // adjective-animal, or the id given with RunID
	FlowName string
	RunCount int // 1 on the first attempt
}

// TaskRunInfo describes a task run.
type TaskRunInfo struct {
	ID       string
	Name     string // "<task>-<n>"
	TaskName string
	RunCount int
	// MapIndex is the run's index in the Map call that started it
	// ({task_run.map_index}); -1 when it was not started by Map.
	MapIndex int
}
