package findings

import (
	"slices"
	"strconv"
	"strings"

	"github.com/resultgen/resultgen/annotations"
	"github.com/resultgen/resultgen/internal/model"
	"github.com/resultgen/resultgen/internal/rules"
	"github.com/resultgen/resultgen/review/report"
)

// policyCaches reports whether p is set and is not exactly "none".
func policyCaches(p *annotations.Policy) bool {
	return p != nil && !p.None()
}

// settings are the global settings review judges with, as the runtime
// reads them.
func (e *engine) settings() rules.Defaults {
	d := e.defaults
	return rules.Defaults{
		PersistByDefault: d.PersistByDefault, DefaultStorage: d.DefaultStorage,
		DefaultSerializer: d.DefaultSerializer, RefreshCache: d.RefreshCache,
		EncryptResults: d.EncryptResults,
	}
}

// runtimeResolve resolves f's settings with the runtime's own resolver,
// from the Def and Config the generator emits for its directive, as called
// from a flow that passes from (nil: standalone).
func (e *engine) runtimeResolve(f *fn, from *rules.Passed) rules.Resolved {
	// An unknown isolation is the directive's error, reported by annotations.
	r, _ := rules.Resolve(model.FuncOf(f.d, f.result != nil), model.ConfigOf(f.d), from, e.settings(), false, false)
	return r
}

// flowContext is what a flow passes to the functions it calls, as it runs
// on its own (via empty) or called along a chain of flows (via, outermost
// first, by Go name).
type flowContext struct {
	via    []string
	passes rules.Passed
}

// flowContexts is every distinct flowContext of flow f: on its own, then as
// called along each chain of calling flows, each resolved by the runtime's
// resolver from the outermost flow down, as at run time. onChain holds the
// flows being resolved, so that recursive flows end.
func (e *engine) flowContexts(f *fn, onChain map[*fn]bool) []flowContext {
	if onChain[f] {
		return nil
	}
	onChain[f] = true
	defer delete(onChain, f)
	out := []flowContext{{passes: e.runtimeResolve(f, nil).Passes}}
	seen := map[string]bool{passedKey(out[0].passes): true}
	for _, c := range f.callers {
		for _, in := range e.flowContexts(c.flow, onChain) {
			p := e.runtimeResolve(f, &in.passes).Passes
			if k := passedKey(p); !seen[k] {
				seen[k] = true
				out = append(out, flowContext{via: append(slices.Clone(in.via), c.flow.d.Func), passes: p})
			}
		}
	}
	return out
}

// passedKey identifies what a flow passes on, for flowContexts to keep each
// context once. Review resolves from directives, so the Go values
// (StorageBackend, SerializerValue) are always nil.
func passedKey(p rules.Passed) string {
	inMem := "-"
	if p.CacheInMemory != nil {
		inMem = strconv.FormatBool(*p.CacheInMemory)
	}
	persist := "-"
	if p.Persist != nil {
		persist = strconv.FormatBool(*p.Persist)
	}
	return strings.Join([]string{p.Flow, strconv.Itoa(p.Retries), p.RunID, p.Storage, p.StorageFrom, p.Serializer,
		p.SerializerFrom, p.Compression, inMem, persist, p.PersistWhy, p.PersistFrom}, "\x00")
}

// resolve computes f's effective settings, standalone (c nil) or as called
// by c.flow in context in, with rules.Resolve: task settings beat the
// flow's, which beat the global settings, and persist=false always wins.
// Flows are named by their run name in Why, WhyFrom, StorageFrom and
// SerializerFrom, as the runtime names them; CalledFrom, CalledVia and
// SameIn name the calling flows' Go functions.
func (e *engine) resolve(f *fn, c *call, in *flowContext) report.Row {
	d := f.d
	r := report.Row{
		Package: f.pkgPath(), Kind: d.Kind.String(), Func: d.Func, Name: f.runName(),
		Position: relPosition(f.u.fset.Position(d.KindPos), e.dir),
	}
	var from *rules.Passed
	if c != nil {
		from = &in.passes
		r.CalledFrom, r.CalledVia = c.flow.d.Func, in.via
		r.CallPosition = relPosition(c.flow.u.fset.Position(c.pos), e.dir)
	}
	if d.Retries != nil {
		r.Retries = d.Retries.Value
	}
	task := f.isTask()
	res := e.runtimeResolve(f, from)
	dec := res.Persist
	r.Persisted, r.Why, r.WhyKind, r.WhyFrom = dec.Persist, dec.Reason, dec.Kind, dec.From
	r.InMemory = res.InMemory
	if task {
		r.CachePolicy = rules.PolicyDefaults
		if d.CachePolicy != nil {
			r.CachePolicy = d.CachePolicy.Raw
		}
		if d.CacheExpiration != nil {
			r.CacheExpiration = d.CacheExpiration.Value.String()
		}
		if e.codes != nil && f.obj != nil {
			if v, ok := e.codes.Of(f.obj); ok {
				cv := report.CodeVersion(v)
				r.CodeVersion = &cv
			}
		}
	}
	if !r.Persisted {
		return r
	}
	r.Encrypted, r.EncryptWhy = res.Encrypt, res.EncryptWhy()

	r.Storage, r.StorageFrom = res.Storage, res.StorageFrom
	if r.Storage == "local" && e.defaults.LocalStoragePath != "" {
		r.Storage = "local:" + e.defaults.LocalStoragePath
	}
	r.Serializer, r.SerializerFrom = res.Serializer, res.SerializerFrom
	if strings.HasPrefix(r.Serializer, "compressed/") {
		r.Compression = res.Compression
		if r.Compression == "" {
			r.Compression = "zstd"
		}
	}

	// key
	r.KeyKind = res.KeyKind
	switch {
	case !task:
		r.Key = "random (flow result)"
	case res.KeyKind == rules.KeyStorageKey:
		r.Key = d.StorageKey.Raw
	case res.KeyKind == rules.KeyCacheKeyFn:
		r.Key = "cache_key_fn " + d.CacheKeyFn.Value
	case res.KeyKind == rules.KeyRandom:
		r.Key = "random (cache_policy=none)"
	default:
		r.Key = "cache key: " + r.CachePolicy
	}
	return r
}
