package model

import (
	"github.com/resultgen/resultgen/annotations"
	"github.com/resultgen/resultgen/internal/rules"
)

// settings lists the directive's settings as written, in the order of
// annotations.Keys (the design's table): the same walk as ConfigOf.
func settings(d *annotations.Directive) []Setting {
	_, out := walkSettings(d)
	return out
}

// ownPersistFacts are the persistence facts of a directive's own settings,
// for rules.DecidePersist; value tells whether the function returns a
// value. The calling flow and the global default are the caller's to add.
func ownPersistFacts(d *annotations.Directive, value bool) rules.PersistFacts {
	f := rules.PersistFacts{
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
// rules.DecidePersist's explicit and inferred rules; anything else is left
// to the calling flow and the settings.
func persistDecision(d *annotations.Directive, value bool) PersistDecision {
	dec := rules.DecidePersist(ownPersistFacts(d, value))
	switch {
	case dec.Kind != "explicit" && dec.Kind != "inferred":
		return PersistDecision{State: "inherit"}
	case dec.Persist:
		return PersistDecision{State: "on", Reason: dec.From}
	}
	return PersistDecision{State: "off", Reason: dec.From}
}
