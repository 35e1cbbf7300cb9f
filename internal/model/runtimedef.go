package model

import (
	"strconv"

	"github.com/resultgen/resultgen/annotations"
	"github.com/resultgen/resultgen/runtime"
)

// ConfigOf is the runtime.Config a directive sets: what the generated
// Def's Config literal holds (config renders it), except that a custom
// serializer, which only the generated code can name, is left in
// Serializer as its identifier. `resultgen review` resolves it with
// runtime.Resolve, so review and the runtime read the same settings.
func ConfigOf(d *annotations.Directive) runtime.Config {
	c, _ := walkSettings(d)
	return c
}

// walkSettings is the one per-key description of a directive's settings:
// for each key d sets, in the order of annotations.Keys, the runtime.Config
// field it fills and the Setting (value as written, position) it lists.
// ConfigOf and settings are both this walk, so they cannot disagree about
// a key; TestConfigOfHandlesEveryKey and TestSettingsFollowKeys check that
// it covers every key.
func walkSettings(d *annotations.Directive) (c runtime.Config, out []Setting) {
	add := func(key, text string, it annotations.Item) {
		out = append(out, Setting{Key: key, Value: text, Pos: it.Pos})
	}
	flag := func(key string, x *annotations.Bool) *bool {
		add(key, strconv.FormatBool(x.Value), x.Item)
		v := x.Value
		return &v
	}
	if x := d.Name; x != nil {
		c.Name = x.Value
		add("name", x.Value, x.Item)
	}
	if x := d.Persist; x != nil {
		c.Persist = flag("persist", x)
	}
	if x := d.Storage; x != nil {
		c.Storage = x.Raw
		add("storage", x.Raw, x.Item)
	}
	if x := d.StorageKey; x != nil {
		c.StorageKey = x.Raw
		add("storage_key", x.Raw, x.Item)
	}
	if x := d.Serializer; x != nil {
		c.Serializer = x.Raw
		add("serializer", x.Raw, x.Item)
	}
	if x := d.Compression; x != nil {
		c.Compression = x.Value
		add("compression", x.Value, x.Item)
	}
	if x := d.CacheInMemory; x != nil {
		c.CacheInMemory = flag("cache_in_memory", x)
	}
	if x := d.CachePolicy; x != nil {
		c.CachePolicy = x.Raw
		add("cache_policy", x.Raw, x.Item)
	}
	if x := d.CacheKeyFn; x != nil {
		c.CacheKeyFn = true // the generated code calls x.Value
		add("cache_key_fn", x.Value, x.Item)
	}
	if x := d.CacheExpiration; x != nil {
		c.CacheExpiration = x.Value
		add("cache_expiration", x.Value.String(), x.Item)
	}
	if x := d.RefreshCache; x != nil {
		c.RefreshCache = flag("refresh_cache", x)
	}
	if x := d.Isolation; x != nil {
		c.Isolation = x.Value
		add("isolation", x.Value, x.Item)
	}
	if x := d.Retries; x != nil {
		c.Retries = x.Value
		add("retries", strconv.Itoa(x.Value), x.Item)
	}
	if x := d.RetryDelay; x != nil {
		c.RetryDelay = x.Value
		add("retry_delay", x.Value.String(), x.Item)
	}
	return c, out
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
