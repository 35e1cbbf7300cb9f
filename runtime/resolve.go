package runtime

import (
	"fmt"
	"sync/atomic"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/rules"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

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
	verify       float64 // the fraction of hits to verify (rules.Resolved.VerifyHits)
	encrypt      bool    // persisted results are sealed under keyring (rules.Resolved.Encrypt)
	keyring      *record.Keyring
	inherit      *rules.Passed // what a flow passes to its children (never nil)

	// what resolve opens store and ser from (rules.Resolved's fields)
	storage         string
	storageBackend  rules.Store
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
	// keys is the key memo of a task keyed by its inputs and code alone
	// (see keyMemo); nil for others
	keys *keyMemo
	// want is the result type of a generated Def's runs (typeOf), made
	// once: a run's slot and State point at it; nil for hand-written Defs
	// without a fingerprint (see wantOf)
	want *resultType
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
	var from *rules.Passed
	if parent != nil {
		in := parent.inherit
		in.Flow, in.Retries, in.RunID = parent.flowName, parent.retries, parent.durable
		from = &in
	}
	r, err := rules.Resolve(def.fn(), *cfg, from, e.settings.Defaults(), hasStorageKey, hasCacheKey)
	p := plan{
		name: r.Name, persist: r.Persist.Persist, reason: r.Persist.Reason,
		inMemory: r.InMemory, refresh: r.Refresh, serializable: r.Serializable,
		retries: r.Retries, verify: r.VerifyHits, inherit: &r.Passes,
		storage: r.Storage, storageBackend: r.StorageBackend,
		serializer: r.Serializer, serializerValue: r.SerializerValue, compression: r.Compression,
		encrypt: r.Encrypt, keyring: e.settings.Keyring,
	}
	if t, ok := generatedType(def); ok {
		p.want = &t
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
	// A named flow run, and a subflow of one, keeps its result even when
	// the flow persists nothing else: it needs the store and serializer.
	if p.persist || (def.Kind == KindFlow && (cfg.RunID != "" || (parent != nil && parent.durable != ""))) {
		if err := e.open(&p); err != nil {
			return p, err
		}
	}
	if memoizes(p.policy, p.encrypt && p.keyring != nil) {
		p.keys = new(keyMemo)
	}
	memo.put(def, cfg, hasStorageKey, hasCacheKey, p)
	return p, nil
}

// open opens p's storage and serializer.
func (e *Engine) open(p *plan) error {
	if p.encrypt && p.keyring == nil {
		return fmt.Errorf("%s: %w", p.name, errNoKeyring)
	}
	if p.storageBackend != nil {
		st, ok := p.storageBackend.(storage.Storage)
		if !ok {
			return fmt.Errorf("%s: StorageBackend %T is not a storage.Storage: set it with runtime.StorageBackend", p.name, p.storageBackend)
		}
		p.store = st
	}
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
