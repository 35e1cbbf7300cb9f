package findings

import "github.com/resultgen/resultgen/review/report"

// checkPersistOff finds, on a task with persist=false, every setting that
// needs persisted results (check persist-off, an error at the setting):
// "if persistence is needed for a feature, an error is raised" (seed
// 001). Those settings are:
//
//   - cache_policy other than none: the cache is never written;
//   - cache_key_fn: the key is never used;
//   - storage_key: nothing is ever stored there;
//   - cache_expiration: nothing is cached to expire;
//   - refresh_cache=true: there is no stored result to recompute;
//   - storage: nothing is ever written to it;
//   - serializer and compression: nothing is ever serialized;
//   - isolation=serializable: its lock guards a stored key there is none
//     of.
//
// Not among them: retries (a task's own retries re-run the body in the
// process, see DESIGN's decisions; a calling flow's retries are
// retries-no-persist), cache_in_memory=false (never-readable: the
// generator leaves Call out) and refresh_cache=false.
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
	if d.CacheExpiration != nil {
		e.report(u, d.CacheExpiration.Pos, report.Error, report.CheckPersistOff, f,
			"remove persist=false, or remove cache_expiration",
			"%s: cache_expiration=%s needs persisted results, but persist=false: nothing is cached to expire", f.label(), d.CacheExpiration.Value)
	}
	if d.RefreshCache != nil && d.RefreshCache.Value {
		e.report(u, d.RefreshCache.Pos, report.Error, report.CheckPersistOff, f,
			"remove persist=false, or remove refresh_cache",
			"%s: refresh_cache=true needs persisted results, but persist=false: there is no stored result to recompute", f.label())
	}
	if d.Storage != nil {
		e.report(u, d.Storage.Pos, report.Error, report.CheckPersistOff, f,
			"remove persist=false, or remove storage",
			"%s: storage=%s needs persisted results, but persist=false: nothing is ever written to it", f.label(), d.Storage.Raw)
	}
	if d.Serializer != nil {
		e.report(u, d.Serializer.Pos, report.Error, report.CheckPersistOff, f,
			"remove persist=false, or remove serializer",
			"%s: serializer=%s needs persisted results, but persist=false: nothing is ever serialized", f.label(), d.Serializer.Raw)
	}
	if d.Compression != nil {
		e.report(u, d.Compression.Pos, report.Error, report.CheckPersistOff, f,
			"remove persist=false, or remove compression",
			"%s: compression=%s needs persisted results, but persist=false: nothing is ever compressed", f.label(), d.Compression.Value)
	}
	if d.Isolation != nil && d.Isolation.Value == "serializable" {
		e.report(u, d.Isolation.Pos, report.Error, report.CheckPersistOff, f,
			"remove persist=false, or remove isolation=serializable",
			"%s: isolation=serializable needs persisted results, but persist=false: there is no stored key to compute once", f.label())
	}
}
