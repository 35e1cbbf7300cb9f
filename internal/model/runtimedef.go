package model

import (
	"github.com/resultgen/resultgen/annotations"
	"github.com/resultgen/resultgen/runtime"
)

// ConfigOf is the runtime.Config a directive sets: what the generated
// Def's Config literal holds (config renders it), except that a custom
// serializer, which only the generated code can name, is left in
// Serializer as its identifier. `resultgen review` resolves it with
// runtime.Resolve, so review and the runtime read the same settings.
func ConfigOf(d *annotations.Directive) runtime.Config {
	var c runtime.Config
	ptr := func(v bool) *bool { return &v }
	if d.Name != nil {
		c.Name = d.Name.Value
	}
	if d.Persist != nil {
		c.Persist = ptr(d.Persist.Value)
	}
	if d.Storage != nil {
		c.Storage = d.Storage.Raw
	}
	if d.StorageKey != nil {
		c.StorageKey = d.StorageKey.Raw
	}
	if d.Serializer != nil {
		c.Serializer = d.Serializer.Raw
	}
	if d.Compression != nil {
		c.Compression = d.Compression.Value
	}
	if d.CacheInMemory != nil {
		c.CacheInMemory = ptr(d.CacheInMemory.Value)
	}
	if d.CachePolicy != nil {
		c.CachePolicy = d.CachePolicy.Raw
	}
	if d.CacheKeyFn != nil {
		c.CacheKeyFn = true
	}
	if d.CacheExpiration != nil {
		c.CacheExpiration = d.CacheExpiration.Value
	}
	if d.RefreshCache != nil {
		c.RefreshCache = ptr(d.RefreshCache.Value)
	}
	if d.Isolation != nil {
		c.Isolation = d.Isolation.Value
	}
	if d.Retries != nil {
		c.Retries = d.Retries.Value
	}
	if d.RetryDelay != nil {
		c.RetryDelay = d.RetryDelay.Value
	}
	return c
}

// DefOf is the part of the generated runtime.Def that resolving settings
// needs: kind, run name, whether the function returns a value (value), and
// ConfigOf(d).
func DefOf(d *annotations.Directive, value bool) *runtime.Def {
	kind := runtime.KindTask
	if d.Kind == annotations.Flow {
		kind = runtime.KindFlow
	}
	return &runtime.Def{Kind: kind, Name: RunName(d), Value: value, Config: ConfigOf(d)}
}

// RunName is a directive's run name (Def.Name): its name, else the
// function's name, in kebab-case for flows.
func RunName(d *annotations.Directive) string {
	switch {
	case d.Name != nil:
		return d.Name.Value
	case d.Kind == annotations.Flow:
		return Kebab(d.Func)
	}
	return d.Func
}
