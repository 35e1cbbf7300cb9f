package rules

import (
	"fmt"
	"strconv"
	"strings"
)

// Func is what the rules know of a generated function: the part of the
// runtime's Def (kind, run name, whether it returns a value) that its
// settings resolve from.
type Func struct {
	Kind  Kind
	Name  string // the run name: the directive's name, else the function's (flows: kebab-case)
	Value bool   // the function returns a value (not only an error or nothing)
}

// Passed is what a flow passes on to the tasks and subflows it calls: its
// storage, serializer, compression and in-memory settings (its own or
// inherited), and its resolved persist when the flow set persist, storage
// or serializer (or inherited one). Flows are named by their run name
// (Def.Name, or Config.Name), as in logs and records.
type Passed struct {
	Flow    string // the run name of the flow that passes these on
	Retries int    // its retries (not passed further down)
	// RunID is the id of the named (durable) flow run the flow is, or
	// belongs to; "" for runs with a random id. Resolve leaves it empty:
	// the engine fills it in when the run starts.
	RunID string

	Storage         string
	StorageBackend  Store
	StorageFrom     string // "flow NAME": the flow that set it; "" when no flow did
	Serializer      string
	SerializerValue Codec
	SerializerFrom  string // "flow NAME"
	Compression     string
	CacheInMemory   *bool

	Persist     *bool  // nil: no flow above set persist, storage or serializer
	PersistWhy  string // which one, e.g. "storage=s3/prod"
	PersistFrom string // the run name of the flow that set it

	Encrypt     *bool  // nil: no flow above set encrypt
	EncryptFrom string // "flow NAME"
}

// Where a run's storage or serializer comes from (Resolved.StorageFrom,
// Resolved.SerializerFrom); an inherited one is "flow NAME".
const (
	FromTask     = "task"     // the task's own setting
	FromFlow     = "flow"     // the flow's own setting (for the flow's result)
	FromSettings = "settings" // RESULTGEN_DEFAULT_RESULT_STORAGE, RESULTGEN_RESULTS_DEFAULT_SERIALIZER
	FromDefault  = "default"  // the built-in default: local, msgpack
)

// KeyKind is what names a persisted result (Resolved.KeyKind).
type KeyKind string

const (
	KeyStorageKey  KeyKind = "storage_key"  // the storage_key template
	KeyCacheKeyFn  KeyKind = "cache_key_fn" // the cache_key_fn's key
	KeyCachePolicy KeyKind = "cache_policy" // the cache key of the cache_policy
	KeyRandom      KeyKind = "random"       // a flow's result, or cache_policy=none
)

// Resolved is a run's effective settings, with where each came from.
type Resolved struct {
	Name    string // the run name
	Persist PersistDecision

	// Storage is the storage spec ("local", "s3://b/p", "s3/prod", ...);
	// StorageBackend a store made in code, which beats it.
	Storage         string
	StorageBackend  Store
	StorageFrom     string // FromTask, FromFlow, "flow NAME", FromSettings or FromDefault
	Serializer      string // the serializer spec ("msgpack", "compressed/json", ...)
	SerializerValue Codec
	SerializerFrom  string
	// Compression is the compression of a compressed/ serializer ("" means
	// the serializer's default), or of a custom serializer set on the
	// function itself with compression set.
	Compression string
	KeyKind     KeyKind // KeyStorageKey, KeyCacheKeyFn, KeyCachePolicy or KeyRandom

	InMemory     bool
	Refresh      bool
	Serializable bool
	Retries      int
	// VerifyHits is the fraction of cache hits recomputed and compared
	// (the VerifyHits option, else RESULTGEN_VERIFY_HITS).
	VerifyHits float64
	// Encrypt: persisted results are sealed (internal/record);
	// EncryptFrom says why (see EncryptWhy).
	Encrypt     bool
	EncryptFrom string

	// Passes is what the run, when a flow, passes on to what it calls.
	Passes Passed
}

// Resolve applies the persistence and inheritance rules (see the package
// doc) to cfg, the settings set on def's function, for a run called from
// the flow that passes from (nil outside flows), under settings s.
// hasStorageKey tells whether the task has a storage-key template,
// hasCacheKey whether it has a cache_key_fn (besides cfg.StorageKey and
// cfg.CacheKeyFn). It opens nothing: `resultgen review` calls it from
// the directives, the engine before opening the storage and serializer.
func Resolve(fn Func, cfg Config, from *Passed, s Defaults, hasStorageKey, hasCacheKey bool) (Resolved, error) {
	r := Resolved{Name: cfg.Name, Retries: max(cfg.Retries, 0)}
	if r.Name == "" {
		r.Name = fn.Name
	}
	var in Passed
	if from != nil {
		in = *from
	}
	task := fn.Kind != KindFlow
	storageSet := cfg.StorageBackend != nil || cfg.Storage != ""
	serializerSet := cfg.SerializerValue != nil || cfg.Serializer != ""

	facts := PersistFacts{
		Task:           task,
		Persist:        cfg.Persist,
		Storage:        storageSet,
		StorageKey:     hasStorageKey || cfg.StorageKey != "",
		Serializer:     serializerSet,
		CachePolicy:    cfg.CachePolicy != "" && cfg.CachePolicy != PolicyNone,
		CacheKeyFn:     cfg.CacheKeyFn || hasCacheKey,
		InMemoryOff:    cfg.CacheInMemory != nil && !*cfg.CacheInMemory,
		Retries:        cfg.Retries,
		Value:          fn.Value,
		ByDefault:      s.PersistByDefault,
		DefaultStorage: s.DefaultStorage,
	}
	if from != nil {
		facts.Flow, facts.FlowPersist, facts.FlowPersistWhy, facts.FlowRetries = in.Flow, in.Persist, in.PersistWhy, in.Retries
		facts.FlowPersistFrom, facts.FlowRunID = in.PersistFrom, in.RunID
	}
	r.Persist = DecidePersist(facts)

	// Storage, serializer, compression and in-memory: the function's own,
	// else the calling flow's, else the settings.
	own := FromTask
	if !task {
		own = FromFlow
	}
	child := Passed{
		Flow: r.Name, Retries: r.Retries,
		Storage: in.Storage, StorageBackend: in.StorageBackend, StorageFrom: in.StorageFrom,
		Serializer: in.Serializer, SerializerValue: in.SerializerValue, SerializerFrom: in.SerializerFrom,
		Compression: in.Compression, CacheInMemory: in.CacheInMemory,
		PersistWhy: in.PersistWhy, PersistFrom: in.PersistFrom,
		Encrypt: in.Encrypt, EncryptFrom: in.EncryptFrom,
	}
	r.Encrypt, r.EncryptFrom = resolveEncrypt(cfg.Encrypt, in.Encrypt, in.EncryptFrom, s.EncryptResults)
	if cfg.Encrypt != nil {
		child.Encrypt, child.EncryptFrom = cfg.Encrypt, "flow "+r.Name
	}
	r.StorageFrom, r.SerializerFrom = in.StorageFrom, in.SerializerFrom
	if storageSet {
		child.Storage, child.StorageBackend, child.StorageFrom = cfg.Storage, cfg.StorageBackend, "flow "+r.Name
		r.StorageFrom = own
	}
	if serializerSet {
		child.Serializer, child.SerializerValue, child.SerializerFrom = cfg.Serializer, cfg.SerializerValue, "flow "+r.Name
		r.SerializerFrom = own
	}
	if cfg.Compression != "" {
		child.Compression = cfg.Compression
	}
	if cfg.CacheInMemory != nil {
		child.CacheInMemory = cfg.CacheInMemory
	}
	why := ""
	switch {
	case cfg.Persist != nil:
		why = "persist=" + strconv.FormatBool(*cfg.Persist)
	case storageSet:
		why = "storage=" + cfg.Storage
		if cfg.StorageBackend != nil {
			why = "storage=" + cfg.StorageBackend.String()
		}
	case serializerSet:
		why = "serializer=" + cfg.Serializer
		if cfg.SerializerValue != nil {
			why = "serializer=" + cfg.SerializerValue.Spec().String()
		}
	}
	if why != "" {
		child.PersistWhy, child.PersistFrom = why, r.Name
	}
	if why != "" || in.Persist != nil {
		v := r.Persist.Persist
		child.Persist = &v
	}
	r.Passes = child

	r.InMemory = child.CacheInMemory == nil || *child.CacheInMemory
	if !r.Persist.Persist && cfg.CacheInMemory == nil {
		// A flow's cache_in_memory=false drops only what is persisted: a
		// task that persists nothing keeps its value.
		r.InMemory = true
	}
	r.Refresh = s.RefreshCache
	if cfg.RefreshCache != nil {
		r.Refresh = *cfg.RefreshCache
	}
	r.VerifyHits = s.VerifyHits
	if cfg.VerifyHits != nil {
		r.VerifyHits = *cfg.VerifyHits
	}
	switch {
	case !task:
		r.KeyKind = KeyRandom
	case hasStorageKey || cfg.StorageKey != "":
		r.KeyKind = KeyStorageKey
	case cfg.CacheKeyFn || hasCacheKey:
		r.KeyKind = KeyCacheKeyFn
	case cfg.CachePolicy == PolicyNone:
		r.KeyKind = KeyRandom
	default:
		r.KeyKind = KeyCachePolicy
	}

	r.Storage, r.StorageBackend = child.Storage, child.StorageBackend
	if r.StorageBackend != nil {
		r.Storage = r.StorageBackend.String()
	}
	if r.Storage == "" && r.StorageBackend == nil {
		r.Storage, r.StorageFrom = s.DefaultStorage, FromSettings
		if r.Storage == "" {
			r.Storage, r.StorageFrom = "local", FromDefault
		}
	}
	r.SerializerValue = child.SerializerValue
	switch {
	case r.SerializerValue != nil:
		r.Serializer = r.SerializerValue.Spec().String()
		if cfg.SerializerValue != nil && cfg.Compression != "" {
			r.Compression = cfg.Compression
		}
	case child.Serializer != "":
		r.Serializer = child.Serializer
	case s.DefaultSerializer != "":
		r.Serializer, r.SerializerFrom = s.DefaultSerializer, FromSettings
	default:
		r.Serializer, r.SerializerFrom = "msgpack", FromDefault
	}
	if r.SerializerValue == nil && strings.HasPrefix(r.Serializer, "compressed/") {
		r.Compression = child.Compression
	}

	switch cfg.Isolation {
	case "", ReadCommitted:
	case Serializable:
		r.Serializable = true
	default:
		return r, fmt.Errorf("%s: unknown isolation %q (want %s or %s)", r.Name, cfg.Isolation, ReadCommitted, Serializable)
	}
	if problem := FractionProblem(r.VerifyHits); problem != "" {
		from := fmt.Sprintf("%s=%v", EnvVerifyHits, r.VerifyHits)
		if cfg.VerifyHits != nil {
			from = fmt.Sprintf("runtime.VerifyHits(%v)", r.VerifyHits)
		}
		return r, fmt.Errorf("%s: %s: %w: %s; give a number from 0 to 1", r.Name, from, ErrInvalidValue, problem)
	}
	return r, nil
}
