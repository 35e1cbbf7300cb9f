package findings

import (
	"go/token"
	"go/types"
	"path/filepath"

	"github.com/resultgen/resultgen/internal/typeid/typeidtypes"
	"github.com/resultgen/resultgen/review/report"
)

// checkKeyConflicts finds tasks that write the same storage key (equal
// literal keys, or templates of equal text, on the same storage directive)
// with different result types (check key-conflict, an error at the later
// task's storage_key, naming the first): at run time the second one to run
// fails with runtime.ErrKeyConflict. Result types are compared by fingerprint
// (internal/typeid), as the runtime compares them.
func (e *engine) checkKeyConflicts() {
	type slot struct{ storage, key string }
	first := map[slot]*fn{}
	for _, f := range e.funcs {
		d := f.d
		if !f.isTask() || d.StorageKey == nil || f.obj == nil || (d.Persist != nil && !d.Persist.Value) {
			continue
		}
		s := slot{key: d.StorageKey.Raw}
		if d.Storage != nil {
			s.storage = d.Storage.Raw
		}
		g := first[s]
		if g == nil {
			first[s] = f
			continue
		}
		if resultFingerprint(f) == resultFingerprint(g) {
			continue
		}
		e.report(f.u, d.StorageKey.Pos, report.Error, report.CheckKeyConflict, f,
			"give one of them another storage_key",
			"%s: storage_key %q is also the key of %s (%s), which returns %s, but %s returns %s: the second one to run fails with ErrKeyConflict",
			f.label(), d.StorageKey.Raw, g.label(), e.posFrom(f, g.u.fset.Position(g.d.StorageKey.Pos)), resultName(g), f.d.Func, resultName(f))
	}
}

// resultFingerprint is the hash of f's result type ("" without a value).
func resultFingerprint(f *fn) string {
	if f.result == nil {
		return ""
	}
	return typeidtypes.OfType(f.result).Hash()
}

func resultName(f *fn) string {
	if f.result == nil {
		return "nothing"
	}
	return types.TypeString(f.result, nil)
}

// posFrom writes p for a finding about f: file:line:col with the file's
// base name when it is in f's folder, else relative to the review folder.
func (e *engine) posFrom(f *fn, p token.Position) string {
	if fp := f.u.fset.Position(f.d.Pos); filepath.Dir(fp.Filename) == filepath.Dir(p.Filename) {
		p.Filename = filepath.Base(p.Filename)
		return p.String()
	}
	return relPosition(p, e.dir)
}
