package findings

import "github.com/resultgen/resultgen/review/report"

// checkKeyFnIgnored finds a cache_key_fn set beside a storage_key on a
// directive that persists (check key-fn-ignored, a warning at
// cache_key_fn): the storage key names the record, so the function is
// never called.
func (e *engine) checkKeyFnIgnored(f *fn) {
	d := f.d
	off := d.Persist != nil && !d.Persist.Value
	if d.StorageKey == nil || d.CacheKeyFn == nil || off {
		return
	}
	e.report(f.u, d.CacheKeyFn.Pos, report.Warning, report.CheckKeyFnIgnored, f,
		"remove cache_key_fn, or remove storage_key to key the record by cache_key_fn",
		"%s: storage_key and cache_key_fn are both set: storage_key names the record, so cache_key_fn=%s is never called", f.label(), d.CacheKeyFn.Value)
}
