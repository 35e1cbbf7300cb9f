package runtime

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

// plan is a run's resolved settings.
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
	inherit      inherited // what a flow passes to its children
}

// resolve applies the persistence rules (see the package doc) to cfg, the
// settings set on the function, for a run called from parent (nil outside
// flows). hasStorageKey tells whether the task has a storage-key template,
// hasCacheKey whether it has a cache_key_fn.
func (e *Engine) resolve(def *Def, cfg Config, parent *flowRun, hasStorageKey, hasCacheKey bool) (plan, error) {
	p := plan{name: cfg.Name, retries: max(cfg.Retries, 0)}
	if p.name == "" {
		p.name = def.Name
	}
	var in inherited
	if parent != nil {
		in = parent.inherit
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
		CachePolicy:    cfg.CachePolicy != "" && cfg.CachePolicy != "none",
		CacheKeyFn:     cfg.CacheKeyFn || hasCacheKey,
		InMemoryOff:    cfg.CacheInMemory != nil && !*cfg.CacheInMemory,
		Retries:        cfg.Retries,
		Value:          def.Value,
		ByDefault:      e.settings.PersistByDefault,
		DefaultStorage: e.settings.DefaultStorage,
	}
	if parent != nil {
		facts.Flow, facts.FlowPersist, facts.FlowPersistWhy, facts.FlowRetries = parent.flowName, in.persist, in.persistWhy, parent.retries
		facts.FlowRunID = parent.durable
	}
	decision := DecidePersist(facts)
	p.persist, p.reason = decision.Persist, decision.Reason

	// Storage, serializer and in-memory: the function's own, else the
	// calling flow's, else the settings.
	child := in
	child.persist = nil
	if storageSet {
		child.storage, child.storageBackend = cfg.Storage, cfg.StorageBackend
	}
	if serializerSet {
		child.serializer, child.serializerValue = cfg.Serializer, cfg.SerializerValue
	}
	if cfg.Compression != "" {
		child.compression = cfg.Compression
	}
	if cfg.CacheInMemory != nil {
		child.cacheInMemory = cfg.CacheInMemory
	}
	switch {
	case cfg.Persist != nil:
		child.persistWhy = "persist=" + strconv.FormatBool(*cfg.Persist)
	case storageSet:
		child.persistWhy = "storage=" + cfg.Storage
		if cfg.StorageBackend != nil {
			child.persistWhy = "storage=" + cfg.StorageBackend.String()
		}
	case serializerSet:
		child.persistWhy = "serializer=" + cfg.Serializer
		if cfg.SerializerValue != nil {
			child.persistWhy = "serializer=" + cfg.SerializerValue.Spec().String()
		}
	}
	if child.persistWhy != "" || in.persist != nil {
		v := p.persist
		child.persist = &v
	}
	p.inherit = child

	p.inMemory = child.cacheInMemory == nil || *child.cacheInMemory
	if !p.persist && cfg.CacheInMemory == nil {
		// A flow's cache_in_memory=false drops only what is persisted: a
		// task that persists nothing keeps its value.
		p.inMemory = true
	}
	p.refresh = e.settings.RefreshCache
	if cfg.RefreshCache != nil {
		p.refresh = *cfg.RefreshCache
	}
	switch cfg.Isolation {
	case "", ReadCommitted:
	case Serializable:
		p.serializable = true
	default:
		return p, fmt.Errorf("%s: unknown isolation %q (want %s or %s)", p.name, cfg.Isolation, ReadCommitted, Serializable)
	}
	if !p.persist && (task || cfg.RunID == "") {
		// A named flow run keeps its result even when the flow persists
		// nothing else: it needs the store and serializer.
		return p, nil
	}

	p.store = child.storageBackend
	if p.store == nil {
		st, err := e.openStorage(child.storage)
		if err != nil {
			return p, fmt.Errorf("%s: %w", p.name, err)
		}
		p.store = st
	}
	p.ser = child.serializerValue
	if p.ser != nil && cfg.SerializerValue != nil && cfg.Compression != "" {
		ser, err := serializer.Compressed(p.ser, cfg.Compression)
		if err != nil {
			return p, fmt.Errorf("%s: %w", p.name, err)
		}
		p.ser = ser
	}
	if p.ser == nil {
		name := child.serializer
		if name == "" {
			name = e.settings.DefaultSerializer
		}
		if name == "" {
			name = "msgpack"
		}
		compression := ""
		if strings.HasPrefix(name, "compressed/") {
			compression = child.compression
		}
		ser, err := newSerializer(name, compression)
		if err != nil {
			return p, fmt.Errorf("%s: serializer %q: %w", p.name, name, err)
		}
		p.ser = ser
	}
	return p, nil
}
