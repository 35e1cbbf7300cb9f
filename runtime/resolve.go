package runtime

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/rules"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage"
)

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
	StorageBackend  storage.Storage
	StorageFrom     string // "flow NAME": the flow that set it; "" when no flow did
	Serializer      string
	SerializerValue serializer.Serializer
	SerializerFrom  string // "flow NAME"
	Compression     string
	CacheInMemory   *bool

	Persist     *bool  // nil: no flow above set persist, storage or serializer
	PersistWhy  string // which one, e.g. "storage=s3/prod"
	PersistFrom string // the run name of the flow that set it
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
	StorageBackend  storage.Storage
	StorageFrom     string // FromTask, FromFlow, "flow NAME", FromSettings or FromDefault
	Serializer      string // the serializer spec ("msgpack", "compressed/json", ...)
	SerializerValue serializer.Serializer
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
func Resolve(def *Def, cfg Config, from *Passed, s settings.Settings, hasStorageKey, hasCacheKey bool) (Resolved, error) {
	r := Resolved{Name: cfg.Name, Retries: max(cfg.Retries, 0)}
	if r.Name == "" {
		r.Name = def.Name
	}
	var in Passed
	if from != nil {
		in = *from
	}
	task := def.Kind != KindFlow
	storageSet := cfg.StorageBackend != nil || cfg.Storage != ""
	serializerSet := cfg.SerializerValue != nil || cfg.Serializer != ""

	facts := PersistFacts{
		Task:           task,
		Persist:        cfg.Persist,
		Storage:        storageSet,
		StorageKey:     hasStorageKey || cfg.StorageKey != "",
		Serializer:     serializerSet,
		CachePolicy:    cfg.CachePolicy != "" && cfg.CachePolicy != rules.PolicyNone,
		CacheKeyFn:     cfg.CacheKeyFn || hasCacheKey,
		InMemoryOff:    cfg.CacheInMemory != nil && !*cfg.CacheInMemory,
		Retries:        cfg.Retries,
		Value:          def.Value,
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
	case cfg.CachePolicy == rules.PolicyNone:
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
	if err := settings.CheckFraction(r.VerifyHits); err != nil {
		from := fmt.Sprintf("%s=%v", settings.VerifyHits, r.VerifyHits)
		if cfg.VerifyHits != nil {
			from = fmt.Sprintf("runtime.VerifyHits(%v)", r.VerifyHits)
		}
		return r, fmt.Errorf("%s: %s: %w; give a number from 0 to 1", r.Name, from, err)
	}
	return r, nil
}

// plan is a run's resolved settings, with its storage and serializer open.
type plan struct {
	name         string
	persist      bool
	reason       string
	store        storage.Storage
	ser          serializer.Serializer
	inMemory     bool
	refresh      bool
	serializable bool
	retries      int
	verify       float64 // the fraction of hits to verify (Resolved.VerifyHits)
	inherit      *Passed // what a flow passes to its children (never nil)

	// what resolve opens store and ser from (Resolved's fields)
	storage         string
	storageBackend  storage.Storage
	serializer      string
	serializerValue serializer.Serializer
	compression     string
	// counter numbers the runs of name where the run was resolved (the
	// engine, or the calling flow run)
	counter *atomic.Int64
	// policy is the parsed cache_policy of a persisted task keyed by it
	// (no storage_key or cache_key_fn); nil otherwise
	policy *keyPolicy
	// headers keeps the last record header a persisted task's lookups
	// parsed (see record.HeaderCache); nil for others
	headers *record.HeaderCache
}

// resolvePlan is resolve that returns the remembered plan itself (read
// only) when there is one, rather than a copy: a task run's slot points at
// it, which keeps the run's frame (runTask's one allocation) small. Serves
// P3's hit rows: see taskFrame.
func (e *Engine) resolvePlan(def *Def, cfg *Config, parent *flowRun, hasStorageKey, hasCacheKey bool) (*plan, error) {
	if p := e.memo(parent).hit(def, cfg, hasStorageKey, hasCacheKey); p != nil {
		return p, nil
	}
	p, err := e.resolve(def, cfg, parent, hasStorageKey, hasCacheKey)
	return &p, err
}

// memo is where the plans of runs called from parent (nil outside flows)
// are remembered.
func (e *Engine) memo(parent *flowRun) *planMemo {
	if parent != nil {
		return &parent.plans
	}
	return &e.plans
}

// resolve resolves a run's settings with Resolve, for a run called from
// parent (nil outside flows), and opens its storage and serializer when it
// needs them. The plan, opened store and serializer included, is
// remembered per Def in the parent flow run, or the engine at the top
// level (see planMemo): stores live as long as the engine and serializers
// are stateless, so a remembered plan opens nothing.
func (e *Engine) resolve(def *Def, cfg *Config, parent *flowRun, hasStorageKey, hasCacheKey bool) (plan, error) {
	memo := e.memo(parent)
	if p, ok := memo.get(def, cfg, hasStorageKey, hasCacheKey); ok {
		return p, nil
	}
	var from *Passed
	if parent != nil {
		in := parent.inherit
		in.Flow, in.Retries, in.RunID = parent.flowName, parent.retries, parent.durable
		from = &in
	}
	r, err := Resolve(def, *cfg, from, e.settings, hasStorageKey, hasCacheKey)
	p := plan{
		name: r.Name, persist: r.Persist.Persist, reason: r.Persist.Reason,
		inMemory: r.InMemory, refresh: r.Refresh, serializable: r.Serializable,
		retries: r.Retries, verify: r.VerifyHits, inherit: &r.Passes,
		storage: r.Storage, storageBackend: r.StorageBackend,
		serializer: r.Serializer, serializerValue: r.SerializerValue, compression: r.Compression,
	}
	if err != nil {
		return p, err
	}
	if stale := e.sourcesStale(def); stale != nil {
		if def.Kind == KindFlow && cfg.RunID != "" {
			return p, staleErr(p.name, stale)
		}
		if p.persist {
			p.persist, p.inMemory, p.reason = false, true, "not persisted: "+stale.reason()
		}
	}
	if p.persist && def.Kind == KindTask && !hasStorageKey && !hasCacheKey {
		if p.policy, err = newKeyPolicy(cfg.CachePolicy); err != nil {
			return p, fmt.Errorf("task %s: %w", p.name, err)
		}
	}
	if p.persist && def.Kind == KindTask {
		p.headers = new(record.HeaderCache)
	}
	if parent != nil {
		p.counter = parent.counters.counter(p.name)
	} else {
		p.counter = e.counters.counter(p.name)
	}
	// A named flow run keeps its result even when the flow persists
	// nothing else: it needs the store and serializer.
	if p.persist || (def.Kind == KindFlow && cfg.RunID != "") {
		if err := e.open(&p); err != nil {
			return p, err
		}
	}
	memo.put(def, cfg, hasStorageKey, hasCacheKey, p)
	return p, nil
}

// open opens p's storage and serializer.
func (e *Engine) open(p *plan) error {
	p.store = p.storageBackend
	if p.store == nil {
		st, err := e.openStorage(p.storage)
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		p.store = st
	}
	p.ser = p.serializerValue
	if p.ser != nil && p.compression != "" {
		ser, err := serializer.Compressed(p.ser, p.compression)
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		p.ser = ser
	}
	if p.ser == nil {
		ser, err := newSerializer(p.serializer, p.compression)
		if err != nil {
			return fmt.Errorf("%s: serializer %q: %w", p.name, p.serializer, err)
		}
		p.ser = ser
	}
	return nil
}
