package review

import (
	"strconv"
	"strings"

	"github.com/resultgen/resultgen/annotations"
	"github.com/resultgen/resultgen/generator"
	"github.com/resultgen/resultgen/runtime"
)

const (
	genFileName   = generator.GenFileName
	defaultPolicy = "inputs+task_source+run_id"
)

func kebab(s string) string { return generator.Kebab(s) }

// inherited is what a flow passes on to the functions it calls, with where
// each value came from (runtime/resolve.go keeps the same rules).
type inherited struct {
	persist        *bool
	persistWhy     string // "persist=true", "storage=s3/prod", "serializer=json"
	storage        string
	serializer     string
	compression    string
	cacheInMemory  *bool
	flow           string // the flow's Go name
	flowRunName    string
	flowRetries    int
	storageFrom    string
	serializerFrom string
}

// policyCaches reports whether p is set and is not exactly "none".
func policyCaches(p *annotations.Policy) bool {
	return p != nil && !generator.IsNonePolicy(p)
}

// flowContext is what flow f passes to the functions it calls when it runs
// on its own.
func (e *engine) flowContext(f *fn) inherited {
	d := f.d
	in := inherited{flow: f.d.Func, flowRunName: f.runName()}
	if d.Retries != nil {
		in.flowRetries = d.Retries.Value
	}
	own := runtime.DecidePersist(generator.OwnPersistFacts(d, f.result != nil))
	if d.Storage != nil {
		in.storage, in.storageFrom = d.Storage.Raw, "flow "+d.Func
	}
	if d.Serializer != nil {
		in.serializer, in.serializerFrom = d.Serializer.Raw, "flow "+d.Func
	}
	if d.Compression != nil {
		in.compression = d.Compression.Value
	}
	if d.CacheInMemory != nil {
		v := d.CacheInMemory.Value
		in.cacheInMemory = &v
	}
	// The flow's persistence passes on when the flow says persist, or sets a
	// storage or serializer; its value is what it resolved to.
	if d.Persist != nil || d.Storage != nil || d.Serializer != nil {
		v := own.Persist
		in.persist = &v
		switch {
		case d.Persist != nil:
			in.persistWhy = "persist=" + strconv.FormatBool(d.Persist.Value)
		case d.Storage != nil:
			in.persistWhy = "storage=" + d.Storage.Raw
		default:
			in.persistWhy = "serializer=" + d.Serializer.Raw
		}
	}
	return in
}

// resolve computes f's effective settings, standalone (c nil) or as called
// by c.flow: task settings beat the flow's, which beat the global settings,
// and persist=false always wins.
func (e *engine) resolve(f *fn, c *call) Row {
	d := f.d
	r := Row{
		Package: f.pkgPath(), Kind: d.Kind.String(), Func: d.Func, Name: f.runName(),
		Position: relPosition(f.u.fset.Position(d.KindPos), e.dir),
	}
	var in inherited
	if c != nil {
		in = e.flowContext(c.flow)
		r.CalledFrom = c.flow.d.Func
		r.CallPosition = relPosition(c.flow.u.fset.Position(c.pos), e.dir)
	}
	if d.Retries != nil {
		r.Retries = d.Retries.Value
	}
	task := f.isTask()

	facts := generator.OwnPersistFacts(d, f.result != nil)
	facts.ByDefault, facts.DefaultStorage = e.defaults.PersistByDefault, e.defaults.DefaultStorage
	if c != nil {
		facts.Flow, facts.FlowPersist, facts.FlowPersistWhy, facts.FlowRetries = in.flow, in.persist, in.persistWhy, in.flowRetries
	}
	dec := runtime.DecidePersist(facts)
	r.Persisted, r.Why, r.WhyKind, r.WhyFrom = dec.Persist, dec.Reason, dec.Kind, dec.From

	// in memory: the function's own setting, else the flow's; a function
	// that persists nothing keeps its value unless it says otherwise.
	mem := in.cacheInMemory
	if d.CacheInMemory != nil {
		v := d.CacheInMemory.Value
		mem = &v
	}
	r.InMemory = mem == nil || *mem
	if !r.Persisted && d.CacheInMemory == nil {
		r.InMemory = true
	}
	if task {
		r.CachePolicy = defaultPolicy
		if d.CachePolicy != nil {
			r.CachePolicy = d.CachePolicy.Raw
		}
		if d.CacheExpiration != nil {
			r.CacheExpiration = d.CacheExpiration.Value.String()
		}
		if e.codes != nil && f.obj != nil {
			if v, ok := e.codes.Of(f.obj); ok {
				r.CodeVersion = &v
			}
		}
	}
	if !r.Persisted {
		return r
	}

	// storage
	switch {
	case d.Storage != nil:
		r.Storage, r.StorageFrom = d.Storage.Raw, "task"
		if !task {
			r.StorageFrom = "flow"
		}
	case in.storage != "":
		r.Storage, r.StorageFrom = in.storage, in.storageFrom
	case e.defaults.DefaultStorage != "":
		r.Storage, r.StorageFrom = e.defaults.DefaultStorage, "settings"
	default:
		r.Storage, r.StorageFrom = "local", "default"
	}
	if r.Storage == "local" && e.defaults.LocalStoragePath != "" {
		r.Storage = "local:" + e.defaults.LocalStoragePath
	}

	// serializer and compression
	compression := in.compression
	if d.Compression != nil {
		compression = d.Compression.Value
	}
	switch {
	case d.Serializer != nil:
		r.Serializer, r.SerializerFrom = d.Serializer.Raw, "task"
		if !task {
			r.SerializerFrom = "flow"
		}
	case in.serializer != "":
		r.Serializer, r.SerializerFrom = in.serializer, in.serializerFrom
	case e.defaults.DefaultSerializer != "":
		r.Serializer, r.SerializerFrom = e.defaults.DefaultSerializer, "settings"
	default:
		r.Serializer, r.SerializerFrom = "msgpack", "default"
	}
	if strings.HasPrefix(r.Serializer, "compressed/") {
		if compression == "" {
			compression = "zstd"
		}
		r.Compression = compression
	}

	// key
	switch {
	case !task:
		r.Key, r.KeyKind = "random (flow result)", "random"
	case d.StorageKey != nil:
		r.Key, r.KeyKind = d.StorageKey.Raw, "storage_key"
	case d.CacheKeyFn != nil:
		r.Key, r.KeyKind = "cache_key_fn "+d.CacheKeyFn.Value, "cache_key_fn"
	case generator.IsNonePolicy(d.CachePolicy):
		r.Key, r.KeyKind = "random (cache_policy=none)", "random"
	default:
		r.Key, r.KeyKind = "cache key: "+r.CachePolicy, "cache_policy"
	}
	return r
}
