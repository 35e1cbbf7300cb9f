package findings

import "github.com/resultgen/resultgen/review/report"

// checkPersistOff finds, on a task with persist=false, the settings that
// need persisted results and so do nothing (check persist-off, an error):
// a cache policy other than none (the cache is never written), a
// cache_key_fn (the key is never used) and a storage_key (nothing is ever
// stored there). Each is reported at its directive item.
func (e *engine) checkPersistOff(f *fn) {
	d, u := f.d, f.u
	if d.Persist == nil || d.Persist.Value || !f.isTask() {
		return
	}
	if policyCaches(d.CachePolicy) {
		e.report(u, d.CachePolicy.Pos, report.Error, report.CheckPersistOff, f,
			"remove persist=false, or remove cache_policy (or set cache_policy=none)",
			"%s: cache_policy=%s needs persisted results, but persist=false: the cache is never written", f.label(), d.CachePolicy.Raw)
	}
	if d.CacheKeyFn != nil {
		e.report(u, d.CacheKeyFn.Pos, report.Error, report.CheckPersistOff, f,
			"remove persist=false, or remove cache_key_fn",
			"%s: cache_key_fn=%s needs persisted results, but persist=false: the key is never used", f.label(), d.CacheKeyFn.Value)
	}
	if d.StorageKey != nil {
		e.report(u, d.StorageKey.Pos, report.Error, report.CheckPersistOff, f,
			"remove persist=false, or remove storage_key",
			"%s: storage_key %q names a stored result, but persist=false: nothing is ever stored there", f.label(), d.StorageKey.Raw)
	}
}
