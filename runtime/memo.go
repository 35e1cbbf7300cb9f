package runtime

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

// runCounters numbers runs by name: the n-th run of a task is "Task-n".
// Numbering a run is a lock-free load once the name has been seen.
type runCounters struct {
	m sync.Map // name -> *atomic.Int64
}

func (c *runCounters) next(name string) int { return int(c.counter(name).Add(1)) }

// counter returns the counter of name's runs.
func (c *runCounters) counter(name string) *atomic.Int64 {
	n, ok := c.m.Load(name)
	if !ok {
		n, _ = c.m.LoadOrStore(name, new(atomic.Int64))
	}
	return n.(*atomic.Int64)
}

// planMemo remembers the settings a Def's runs resolved to (Resolve, with
// the storage and serializer opened), so that repeated runs of one function
// from one place (the top level, or one flow run) resolve and open once. An entry is
// used only while the run's Config is the one it was made from: options
// and a Def changed in place make a new entry.
type planMemo struct {
	m    sync.Map                  // *Def -> *planEntry
	last atomic.Pointer[planEntry] // the entry put last: a loop calling one function finds it without hashing
}

type planEntry struct {
	def          *Def
	cfg          Config
	hasSK, hasCK bool
	// generated: made for a generated Def's own settings (Def.Package
	// set, the run's Config its Config), which nothing changes: the
	// generator's package-level variable is unexported and read only.
	// A run with that Config takes the plan without comparing it field
	// by field (sameConfig: some 160 instructions, 3% of P3's memory hit).
	generated bool
	p         plan // never changed once stored
}

func (m *planMemo) get(def *Def, cfg *Config, hasSK, hasCK bool) (plan, bool) {
	if p := m.hit(def, cfg, hasSK, hasCK); p != nil {
		return *p, true
	}
	return plan{}, false
}

// hit returns the remembered plan (not to be changed), nil when there is
// none for def under cfg.
func (m *planMemo) hit(def *Def, cfg *Config, hasSK, hasCK bool) *plan {
	e := m.last.Load()
	if e == nil || e.def != def {
		v, ok := m.m.Load(def)
		if !ok {
			return nil
		}
		e = v.(*planEntry)
	}
	if e.hasSK != hasSK || e.hasCK != hasCK {
		return nil
	}
	if e.generated && cfg == &def.Config {
		return &e.p
	}
	if !sameConfig(&e.cfg, cfg) {
		return nil
	}
	return &e.p
}

func (m *planMemo) put(def *Def, cfg *Config, hasSK, hasCK bool, p plan) {
	if !memoizable(cfg) {
		return
	}
	e := &planEntry{def: def, cfg: *cfg, hasSK: hasSK, hasCK: hasCK, p: p, generated: def.Package != nil && cfg == &def.Config}
	// The pointers' targets are compared, not the pointers: keep copies.
	e.cfg.Persist, e.cfg.CacheInMemory, e.cfg.RefreshCache = clonePtr(cfg.Persist), clonePtr(cfg.CacheInMemory), clonePtr(cfg.RefreshCache)
	e.cfg.VerifyHits, e.cfg.Encrypt = clonePtr(cfg.VerifyHits), clonePtr(cfg.Encrypt)
	m.m.Store(def, e)
	m.last.Store(e)
}

// memoizable: a Config whose resolution can be compared field by field. A
// storage or serializer value made in code is compared by nothing else than
// identity, which a value type may not have: such runs resolve every time.
func memoizable(c *Config) bool { return c.StorageBackend == nil && c.SerializerValue == nil }

// sameConfig reports whether a run under b may use the plan made for a.
// It runs on every memoized run (P1, P3), so its strings are compared by
// sameStr.
func sameConfig(a, b *Config) bool {
	return memoizable(b) &&
		sameStr(a.Name, b.Name) && sameStr(a.Storage, b.Storage) && sameStr(a.StorageKey, b.StorageKey) &&
		sameStr(a.Serializer, b.Serializer) && sameStr(a.Compression, b.Compression) &&
		sameStr(a.CachePolicy, b.CachePolicy) && a.CacheKeyFn == b.CacheKeyFn &&
		a.CacheExpiration == b.CacheExpiration && sameStr(a.Isolation, b.Isolation) &&
		a.Retries == b.Retries && a.RetryDelay == b.RetryDelay &&
		sameStr(a.RunID, b.RunID) && a.NewRun == b.NewRun && a.ResumeAcrossVersions == b.ResumeAcrossVersions &&
		samePtr(a.Persist, b.Persist) && samePtr(a.CacheInMemory, b.CacheInMemory) &&
		samePtr(a.RefreshCache, b.RefreshCache) && samePtr(a.VerifyHits, b.VerifyHits) &&
		samePtr(a.Encrypt, b.Encrypt)
}

// sameStr is a == b, decided without a call to the runtime's memequal
// when the two share their bytes or are empty, as a memo entry's copy of a
// Def's settings and the Def's own do: sameConfig with == spent 162
// instructions a run (callgrind, BenchmarkCall/unpersisted).
func sameStr(a, b string) bool {
	return len(a) == len(b) && (len(a) == 0 || unsafe.StringData(a) == unsafe.StringData(b) || a == b)
}

func samePtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
