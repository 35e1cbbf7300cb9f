package rules

import "strconv"

// PersistFacts are what the persistence rules decide from. The engine fills
// them from a run's Config and its calling flow; `resultgen review` fills
// them from directives, so both give the same answer in the same words.
type PersistFacts struct {
	Task bool // a task (false: a flow)

	// The function's own settings.
	Persist     *bool // persist, when set
	Storage     bool  // storage set
	StorageKey  bool  // storage_key set (tasks)
	Serializer  bool  // serializer set
	CachePolicy bool  // cache_policy set and not "none" (tasks)
	CacheKeyFn  bool  // cache_key_fn set (tasks)
	InMemoryOff bool  // cache_in_memory=false
	Retries     int   // the function's own retries
	Value       bool  // the function returns a value

	// The calling flow, when there is one.
	Flow           string // its name; "" outside flows
	FlowPersist    *bool  // what it passes on, when it sets persist, storage or serializer
	FlowPersistWhy string // which of those, e.g. "persist=true", "storage=s3/prod"
	// FlowPersistFrom is the flow that set it: Flow, or a flow above it
	// that Flow inherited it from; "" means Flow.
	FlowPersistFrom string
	FlowRetries     int
	// FlowRunID is the id of the named (durable) flow run the task runs
	// in (see RunID); "" for runs with a random id.
	FlowRunID string

	// ByDefault is RESULTGEN_RESULTS_PERSIST_BY_DEFAULT.
	ByDefault bool
	// DefaultStorage is RESULTGEN_DEFAULT_RESULT_STORAGE: naming a default
	// storage turns persistence on, as setting it to true would.
	DefaultStorage string
}

// PersistKind is which rule decided (PersistDecision.Kind).
type PersistKind string

const (
	PersistExplicit    PersistKind = "explicit"     // persist set on the function
	PersistInferred    PersistKind = "inferred"     // the function's storage, storage_key, ...
	PersistInherited   PersistKind = "inherited"    // a calling flow's persist, storage or serializer
	PersistFlowRetries PersistKind = "flow_retries" // the calling flow has retries
	PersistDurableRun  PersistKind = "durable_run"  // the task runs in a named flow run
	PersistDefault     PersistKind = "default"      // the global settings
)

// PersistDecision is the rules' answer.
type PersistDecision struct {
	Persist bool
	// Reason is one line for people: "persist=false (always wins)",
	// "inferred from storage_key", "inherited from flow etl (storage=s3/prod)",
	// "flow etl has retries=2 and the task returns a value", ...
	Reason string
	Kind   PersistKind
	// From is what decided: the directive key, the flow's name, or the
	// setting's name.
	From string
}

// DecidePersist applies the persistence rules, first match wins:
//
//  1. persist set on the function (persist=false always wins);
//  2. inferred from the function's storage, storage_key, serializer,
//     cache_policy (not none), cache_key_fn or cache_in_memory=false;
//  3. inherited from the calling flow's persist, storage or serializer;
//  4. a task that returns a value, called from a flow with retries, or in
//     a named flow run (RunID), so a retry or a new attempt of the run
//     resumes instead of recomputing;
//  5. RESULTGEN_RESULTS_PERSIST_BY_DEFAULT=true, or else a storage named in
//     RESULTGEN_DEFAULT_RESULT_STORAGE (naming a default storage turns
//     persistence on).
//
// A flow's retries alone do not persist the flow's own result.
func DecidePersist(f PersistFacts) PersistDecision {
	inferred := func(key string) PersistDecision {
		return PersistDecision{Persist: true, Reason: "inferred from " + key, Kind: PersistInferred, From: key}
	}
	switch {
	case f.Persist != nil && !*f.Persist:
		return PersistDecision{Persist: false, Reason: "persist=false (always wins)", Kind: PersistExplicit, From: "persist"}
	case f.Persist != nil:
		return PersistDecision{Persist: true, Reason: "persist=true", Kind: PersistExplicit, From: "persist"}
	case f.Storage:
		return inferred("storage")
	case f.Task && f.StorageKey:
		return inferred("storage_key")
	case f.Serializer:
		return inferred("serializer")
	case f.Task && f.CachePolicy:
		return inferred("cache_policy")
	case f.Task && f.CacheKeyFn:
		return inferred("cache_key_fn")
	case f.InMemoryOff:
		d := inferred("cache_in_memory=false")
		d.From = "cache_in_memory"
		return d
	case f.Flow != "" && f.FlowPersist != nil:
		from := f.FlowPersistFrom
		if from == "" {
			from = f.Flow
		}
		reason := "inherited from flow " + from
		if f.FlowPersistWhy != "" {
			reason += " (" + f.FlowPersistWhy + ")"
		}
		return PersistDecision{Persist: *f.FlowPersist, Reason: reason, Kind: PersistInherited, From: from}
	case f.Task && f.Flow != "" && f.FlowRetries > 0 && f.Value:
		return PersistDecision{
			Persist: true,
			Reason:  "flow " + f.Flow + " has retries=" + strconv.Itoa(f.FlowRetries) + " and the task returns a value",
			Kind:    PersistFlowRetries, From: f.Flow,
		}
	case f.Task && f.Flow != "" && f.FlowRunID != "" && f.Value:
		return PersistDecision{
			Persist: true,
			Reason:  "flow " + f.Flow + " runs as named run " + strconv.Quote(f.FlowRunID) + " and the task returns a value",
			Kind:    PersistDurableRun, From: f.Flow,
		}
	}
	if !f.ByDefault && f.DefaultStorage != "" {
		return PersistDecision{
			Persist: true,
			Reason:  EnvDefaultStorage + "=" + f.DefaultStorage + " (naming a default storage turns persistence on)",
			Kind:    PersistDefault, From: EnvDefaultStorage,
		}
	}
	reason := EnvPersistByDefault + "=false"
	if f.ByDefault {
		reason = EnvPersistByDefault + "=true"
	}
	d := PersistDecision{
		Persist: f.ByDefault,
		Reason:  reason,
		Kind:    PersistDefault, From: EnvPersistByDefault,
	}
	switch {
	case f.Task && f.Flow != "" && f.FlowRetries > 0:
		d.Reason += "; the task returns nothing to persist"
	case !f.Task && f.Retries > 0:
		d.Reason += "; retries alone do not persist a flow's result"
	}
	return d
}
