package runtime

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/resultgen/resultgen/runtime/record"
	"github.com/resultgen/resultgen/runtime/storage"
)

// taskKey returns the storage key of a persisted task result and whether a
// record already at that key may be reused:
//
//  1. a storage-key template: the rendered key;
//  2. else a cache_key_fn: its string;
//  3. else the cache policy: the hex SHA-256 of its parts, or with "none" a
//     random key that is never looked up.
//
// Keys from 1 and 2 must pass storage.ValidateKey.
func taskKey[R any](ctx context.Context, inv Invocation[R], cfg Config, p plan, fr *flowRun, tr *taskRun) (string, bool, error) {
	def := inv.Def
	switch {
	case inv.StorageKey != nil:
		if def.KeyUsesFlowRun && fr == nil {
			return "", false, fmt.Errorf("task %s: storage key %q needs a flow run (it uses flow_run fields), but the task runs outside a flow", p.name, cfg.StorageKey)
		}
		kc := KeyContext{TaskRun: tr.get()}
		if fr != nil {
			kc.FlowRun = fr.info()
		}
		k, err := inv.StorageKey(kc)
		if err != nil {
			return "", false, fmt.Errorf("task %s: render storage key %q: %w", p.name, cfg.StorageKey, err)
		}
		if err := storage.ValidateKey(k); err != nil {
			return "", false, fmt.Errorf("task %s: storage key %q rendered %q: %w", p.name, cfg.StorageKey, k, err)
		}
		return k, true, nil
	case inv.CacheKey != nil:
		k, err := inv.CacheKey(ctx)
		if err != nil {
			return "", false, fmt.Errorf("task %s: cache_key_fn: %w", p.name, err)
		}
		if err := storage.ValidateKey(k); err != nil {
			return "", false, fmt.Errorf("task %s: cache_key_fn returned %q: %w", p.name, k, err)
		}
		return k, true, nil
	}
	pol, err := parsePolicy(cfg.CachePolicy)
	if err != nil {
		return "", false, fmt.Errorf("task %s: %w", p.name, err)
	}
	if pol.none {
		return uuid.NewString(), false, nil
	}
	parts := map[string]string{}
	for _, part := range pol.parts {
		switch part {
		case partInputs:
			h := newHasher(pol.exclude)
			if inv.Inputs != nil {
				if err := inv.Inputs(h); err != nil {
					return "", false, fmt.Errorf("task %s: hash inputs for the cache key: %w", p.name, err)
				}
			}
			parts[part] = h.sum()
		case partTaskSource:
			parts[part] = def.Source
		case partRunID:
			if fr != nil {
				parts[part] = fr.id
			} else {
				parts[part] = tr.get().ID
			}
		case partFlowParameters:
			if fr != nil {
				if fr.inputErr != nil {
					return "", false, fmt.Errorf("task %s: hash parameters of flow %s for the cache key: %w", p.name, fr.flowName, fr.inputErr)
				}
				parts[part] = fr.inputHash
			}
		}
	}
	return policyKey(def.Func, parts), true, nil
}

// lookup is what a cache lookup found.
type lookup uint8

const (
	lookupAbsent lookup = iota // nothing at the key
	lookupHit                  // a committed, unexpired record
	lookupStale                // an expired or corrupt record, to overwrite
)

// load looks for a reusable record at key and decodes it.
func load[R any](ctx context.Context, e *Engine, p plan, key string, hasValue bool) (R, lookup, record.Meta, error) {
	var zero R
	m, err := record.Head(ctx, p.store, key)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return zero, lookupAbsent, m, nil
	case errors.Is(err, record.ErrCorrupt):
		e.logger.Warn("replacing corrupt result record", "task", p.name, "storage", p.store.String(), "key", key, "error", err)
		return zero, lookupStale, m, nil
	case err != nil:
		return zero, lookupAbsent, m, fmt.Errorf("%s: look up cached result %q on %s: %w", p.name, key, p.store, err)
	}
	if m.Expired(e.now()) {
		return zero, lookupStale, m, nil
	}
	if !hasValue {
		return zero, lookupHit, m, nil
	}
	var v R
	m, err = record.Read(ctx, p.store, key, p.ser, &v)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return zero, lookupAbsent, m, nil
	case errors.Is(err, record.ErrCorrupt):
		e.logger.Warn("replacing corrupt result record", "task", p.name, "storage", p.store.String(), "key", key, "error", err)
		return zero, lookupStale, m, nil
	case err != nil:
		return zero, lookupAbsent, m, fmt.Errorf("%s: read cached result %q from %s: %w", p.name, key, p.store, err)
	}
	return v, lookupHit, m, nil
}

// literalOf reports whether v is stored inline (see record.LiteralOf); the
// nothing of a function without a value is "null".
func literalOf[R any](v R, hasValue bool) (string, bool) {
	if !hasValue {
		return "null", true
	}
	return record.LiteralOf(v)
}

// persist commits v at key. Without overwrite the write is conditional; when
// another run committed the key first, its value is returned instead.
func persist[R any](ctx context.Context, p plan, def *Def, key string, v R, overwrite bool, meta record.Meta) (R, record.Meta, error) {
	opts := storage.PutOptions{IfAbsent: !overwrite, Size: -1}
	var err error
	if lit, ok := literalOf(v, def.Value); ok {
		meta, err = record.WriteLiteral(ctx, p.store, key, meta, lit, opts)
	} else {
		meta, err = record.Write(ctx, p.store, key, meta, p.ser, v, opts)
	}
	if errors.Is(err, storage.ErrExists) {
		if !def.Value {
			m, err := record.Head(ctx, p.store, key)
			return v, m, err
		}
		var won R
		m, err := record.Read(ctx, p.store, key, p.ser, &won)
		if err != nil {
			return v, m, fmt.Errorf("%s: read result %q committed by a concurrent run: %w", p.name, key, err)
		}
		return won, m, nil
	}
	if err != nil {
		return v, meta, fmt.Errorf("%s: persist result at %q on %s: %w", p.name, key, p.store, err)
	}
	return v, meta, nil
}
