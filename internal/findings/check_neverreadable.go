package findings

import "github.com/resultgen/resultgen/review/report"

// checkNeverReadable finds persist=false together with
// cache_in_memory=false (check never-readable, a warning at
// cache_in_memory): the value is kept nowhere, so it can never be read and
// no Call method is generated.
func (e *engine) checkNeverReadable(f *fn) {
	d := f.d
	off := d.Persist != nil && !d.Persist.Value
	if !off || d.CacheInMemory == nil || d.CacheInMemory.Value {
		return
	}
	e.report(f.u, d.CacheInMemory.Pos, report.Warning, report.CheckNeverReadable, f,
		"remove cache_in_memory=false, or remove persist=false",
		"%s: persist=false and cache_in_memory=false: the value can never be read (no Call method is generated)", f.label())
}
