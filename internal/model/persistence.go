package model

import (
	"go/token"
	"strconv"

	"github.com/resultgen/resultgen/annotations"
	"github.com/resultgen/resultgen/runtime"
)

// settings lists the directive's settings as written, in the order of
// annotations.Keys (the design's table).
func settings(d *annotations.Directive) []Setting {
	var out []Setting
	add := func(key, value string, pos token.Pos) { out = append(out, Setting{Key: key, Value: value, Pos: pos}) }
	for _, key := range annotations.Keys() {
		switch key {
		case "name":
			if d.Name != nil {
				add(key, d.Name.Value, d.Name.Pos)
			}
		case "persist":
			if d.Persist != nil {
				add(key, strconv.FormatBool(d.Persist.Value), d.Persist.Pos)
			}
		case "storage":
			if d.Storage != nil {
				add(key, d.Storage.Raw, d.Storage.Pos)
			}
		case "storage_key":
			if d.StorageKey != nil {
				add(key, d.StorageKey.Raw, d.StorageKey.Pos)
			}
		case "serializer":
			if d.Serializer != nil {
				add(key, d.Serializer.Raw, d.Serializer.Pos)
			}
		case "compression":
			if d.Compression != nil {
				add(key, d.Compression.Value, d.Compression.Pos)
			}
		case "cache_in_memory":
			if d.CacheInMemory != nil {
				add(key, strconv.FormatBool(d.CacheInMemory.Value), d.CacheInMemory.Pos)
			}
		case "cache_policy":
			if d.CachePolicy != nil {
				add(key, d.CachePolicy.Raw, d.CachePolicy.Pos)
			}
		case "cache_key_fn":
			if d.CacheKeyFn != nil {
				add(key, d.CacheKeyFn.Value, d.CacheKeyFn.Pos)
			}
		case "cache_expiration":
			if d.CacheExpiration != nil {
				add(key, d.CacheExpiration.Value.String(), d.CacheExpiration.Pos)
			}
		case "refresh_cache":
			if d.RefreshCache != nil {
				add(key, strconv.FormatBool(d.RefreshCache.Value), d.RefreshCache.Pos)
			}
		case "isolation":
			if d.Isolation != nil {
				add(key, d.Isolation.Value, d.Isolation.Pos)
			}
		case "retries":
			if d.Retries != nil {
				add(key, strconv.Itoa(d.Retries.Value), d.Retries.Pos)
			}
		case "retry_delay":
			if d.RetryDelay != nil {
				add(key, d.RetryDelay.Value.String(), d.RetryDelay.Pos)
			}
		}
	}
	return out
}

// OwnPersistFacts are the persistence facts of a directive's own settings,
// for runtime.DecidePersist; value tells whether the function returns a
// value. The calling flow and the global default are the caller's to add.
func OwnPersistFacts(d *annotations.Directive, value bool) runtime.PersistFacts {
	f := runtime.PersistFacts{
		Task:        d.Kind == annotations.Task,
		Storage:     d.Storage != nil,
		StorageKey:  d.StorageKey != nil,
		Serializer:  d.Serializer != nil,
		CachePolicy: d.CachePolicy != nil && !d.CachePolicy.None(),
		CacheKeyFn:  d.CacheKeyFn != nil,
		InMemoryOff: d.CacheInMemory != nil && !d.CacheInMemory.Value,
		Value:       value,
	}
	if d.Persist != nil {
		v := d.Persist.Value
		f.Persist = &v
	}
	if d.Retries != nil {
		f.Retries = d.Retries.Value
	}
	return f
}

// persistDecision is what the directive alone decides about persistence:
// runtime.DecidePersist's explicit and inferred rules; anything else is left
// to the calling flow and the settings.
func persistDecision(d *annotations.Directive, value bool) PersistDecision {
	dec := runtime.DecidePersist(OwnPersistFacts(d, value))
	switch {
	case dec.Kind != "explicit" && dec.Kind != "inferred":
		return PersistDecision{State: "inherit"}
	case dec.Persist:
		return PersistDecision{State: "on", Reason: dec.From}
	}
	return PersistDecision{State: "off", Reason: dec.From}
}
