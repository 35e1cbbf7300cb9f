package findings

import "github.com/resultgen/resultgen/review/report"

// checkUselessExpiry finds a task's cache_expiration where nothing is
// looked up (check useless-expiration, a warning at cache_expiration):
// cache_policy=none and neither a storage_key nor a cache_key_fn. With
// persist=false it is an error of check persist-off instead.
func (e *engine) checkUselessExpiry(f *fn) {
	d, u := f.d, f.u
	if d.CacheExpiration == nil || !f.isTask() {
		return
	}
	switch {
	case d.Persist != nil && !d.Persist.Value:
		// persist-off
	case d.CachePolicy.None() && d.StorageKey == nil && d.CacheKeyFn == nil:
		e.report(u, d.CacheExpiration.Pos, report.Warning, report.CheckUselessExpiry, f,
			"remove cache_expiration, or choose a cache_policy other than none",
			"%s: cache_expiration=%s has no effect: cache_policy=none and no storage_key, so nothing is looked up", f.label(), d.CacheExpiration.Value)
	}
}
