package model

import (
	"strconv"
	"time"

	"github.com/resultgen/resultgen/annotations"
	"github.com/resultgen/resultgen/internal/rules"
)

// ConfigOf is the runtime.Config a directive sets: what the generated
// Def's Config literal holds (config renders it), except that a custom
// serializer, which only the generated code can name, is left in
// Serializer as its identifier. `resultgen review` resolves it with
// rules.Resolve, so review and the runtime read the same settings.
func ConfigOf(d *annotations.Directive) rules.Config {
	c, _ := walkSettings(d)
	return c
}

// walkSettings is the one per-key description of a directive's settings:
// for each key d sets, in the order of annotations.Keys, the runtime.Config
// field it fills and the Setting (value as written, position) it lists.
// ConfigOf and settings are both this walk, so they cannot disagree about
// a key; TestConfigOfHandlesEveryKey and TestSettingsFollowKeys check that
// it covers every key.
func walkSettings(d *annotations.Directive) (c rules.Config, out []Setting) {
	// Each records key's Setting and returns the value for the Config.
	text := func(key, v string, it annotations.Item) string {
		out = append(out, Setting{Key: key, Value: v, Pos: it.Pos})
		return v
	}
	flag := func(key string, x *annotations.Bool) *bool {
		text(key, strconv.FormatBool(x.Value), x.Item)
		v := x.Value
		return &v
	}
	dur := func(key string, x *annotations.Duration) time.Duration {
		text(key, x.Value.String(), x.Item)
		return x.Value
	}
	opt(d.Name, func(x *annotations.String) { c.Name = text("name", x.Value, x.Item) })
	opt(d.Persist, func(x *annotations.Bool) { c.Persist = flag("persist", x) })
	opt(d.Storage, func(x *annotations.Storage) { c.Storage = text("storage", x.Raw, x.Item) })
	opt(d.StorageKey, func(x *annotations.Template) { c.StorageKey = text("storage_key", x.Raw, x.Item) })
	opt(d.Serializer, func(x *annotations.Serializer) { c.Serializer = text("serializer", x.Raw, x.Item) })
	opt(d.Compression, func(x *annotations.String) { c.Compression = text("compression", x.Value, x.Item) })
	opt(d.CacheInMemory, func(x *annotations.Bool) { c.CacheInMemory = flag("cache_in_memory", x) })
	opt(d.CachePolicy, func(x *annotations.Policy) { c.CachePolicy = text("cache_policy", x.Raw, x.Item) })
	// The generated code calls the function; the Config knows there is one.
	opt(d.CacheKeyFn, func(x *annotations.String) { text("cache_key_fn", x.Value, x.Item); c.CacheKeyFn = true })
	opt(d.CacheExpiration, func(x *annotations.Duration) { c.CacheExpiration = dur("cache_expiration", x) })
	opt(d.RefreshCache, func(x *annotations.Bool) { c.RefreshCache = flag("refresh_cache", x) })
	opt(d.Isolation, func(x *annotations.String) { c.Isolation = text("isolation", x.Value, x.Item) })
	opt(d.Retries, func(x *annotations.Int) { text("retries", strconv.Itoa(x.Value), x.Item); c.Retries = x.Value })
	opt(d.RetryDelay, func(x *annotations.Duration) { c.RetryDelay = dur("retry_delay", x) })
	opt(d.Encrypt, func(x *annotations.Bool) { c.Encrypt = flag("encrypt", x) })
	// Transaction hooks are code the generated wrapper calls: listed, not configured.
	opt(d.OnCommit, func(x *annotations.String) { text("on_commit", x.Value, x.Item) })
	opt(d.OnRollback, func(x *annotations.String) { text("on_rollback", x.Value, x.Item) })
	return c, out
}

// opt calls f with x when the directive sets it (x is not nil).
func opt[T any](x *T, f func(*T)) {
	if x != nil {
		f(x)
	}
}

// FuncOf is the part of the generated runtime.Def that resolving settings
// (rules.Resolve) needs: kind, run name, and whether the function returns
// a value (value).
func FuncOf(d *annotations.Directive, value bool) rules.Func {
	kind := rules.KindTask
	if d.Kind == annotations.Flow {
		kind = rules.KindFlow
	}
	return rules.Func{Kind: kind, Name: RunName(d), Value: value}
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
