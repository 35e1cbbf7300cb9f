package findings

import (
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/resultgen/resultgen/annotations"
	"github.com/resultgen/resultgen/internal/typeid/typeidtypes"
	"github.com/resultgen/resultgen/review/report"
)

// checkDirective runs the checks that need only the directive.
func (e *engine) checkDirective(f *fn) {
	d, u := f.d, f.u
	off := d.Persist != nil && !d.Persist.Value
	if off && f.isTask() {
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
	if d.StorageKey != nil && d.CacheKeyFn != nil && !off {
		e.report(u, d.CacheKeyFn.Pos, report.Warning, report.CheckKeyFnIgnored, f,
			"remove cache_key_fn, or remove storage_key to key the record by cache_key_fn",
			"%s: storage_key and cache_key_fn are both set: storage_key names the record, so cache_key_fn=%s is never called", f.label(), d.CacheKeyFn.Value)
	}
	if d.CacheExpiration != nil && f.isTask() {
		switch {
		case off:
			e.report(u, d.CacheExpiration.Pos, report.Warning, report.CheckUselessExpiry, f,
				"remove cache_expiration, or remove persist=false",
				"%s: cache_expiration=%s has no effect: persist=false, so nothing is cached", f.label(), d.CacheExpiration.Value)
		case d.CachePolicy.None() && d.StorageKey == nil && d.CacheKeyFn == nil:
			e.report(u, d.CacheExpiration.Pos, report.Warning, report.CheckUselessExpiry, f,
				"remove cache_expiration, or choose a cache_policy other than none",
				"%s: cache_expiration=%s has no effect: cache_policy=none and no storage_key, so nothing is looked up", f.label(), d.CacheExpiration.Value)
		}
	}
	if off && d.CacheInMemory != nil && !d.CacheInMemory.Value {
		e.report(u, d.CacheInMemory.Pos, report.Warning, report.CheckNeverReadable, f,
			"remove cache_in_memory=false, or remove persist=false",
			"%s: persist=false and cache_in_memory=false: the value can never be read (no Call method is generated)", f.label())
	}
}

// checkCall checks one call of task c.callee from flow c.flow.
func (e *engine) checkCall(c call) {
	t, fl := c.callee, c.flow
	if t.d.Persist != nil && !t.d.Persist.Value && fl.d.Retries != nil && fl.d.Retries.Value > 0 && t.result != nil {
		e.report(fl.u, c.pos, report.Warning, report.CheckRetriesNoStore, t,
			"remove persist=false from "+t.d.Func+" so a retry of "+fl.d.Func+" reuses its result, or accept that it recomputes",
			"%s: persist=false, but flow %s has retries=%d: each retry of the flow recomputes the task", t.label(), fl.d.Func, fl.d.Retries.Value)
	}
}

// checkKey checks a storage-key template against the task's parameters.
func (e *engine) checkKey(f *fn) {
	d, u := f.d, f.u
	if d.StorageKey == nil || !f.isTask() || f.obj == nil {
		return
	}
	used := map[string]bool{}
	for _, part := range d.StorageKey.Parts {
		ref := part.Ref
		if ref == nil || ref.Root != "parameters" {
			continue
		}
		used[ref.Name] = true
		words := []string{ref.Name}
		words = append(words, ref.Fields...)
		for i, w := range words {
			if !secretLooking(w) {
				continue
			}
			pos := ref.NamePos
			if i > 0 && i-1 < len(ref.FieldPos) {
				pos = ref.FieldPos[i-1]
			}
			if pos == token.NoPos {
				pos = d.StorageKey.Pos
			}
			e.report(u, pos, report.Warning, report.CheckSecretInKey, f,
				"hash it in a cache_key_fn, or key on a non-secret parameter",
				"%s: storage_key uses {%s}: %q looks secret, and keys are stored in plain text in object names", f.label(), ref.String(), w)
		}
	}
	if len(f.params) == 0 {
		return
	}
	var missing []string
	for _, p := range f.params {
		if p.Name() == "" || p.Name() == "_" {
			continue
		}
		if !used[p.Name()] {
			missing = append(missing, p.Name())
		}
	}
	switch {
	case len(used) == 0:
		e.report(u, d.StorageKey.Pos, report.Warning, report.CheckKeyParams, f,
			"add {parameters[NAME]} for the parameters that change the result",
			"%s: storage_key %q uses none of the parameters (%s): every call shares one stored result", f.label(), d.StorageKey.Raw, strings.Join(missing, ", "))
	case len(missing) > 0:
		e.report(u, d.StorageKey.Pos, report.Warning, report.CheckKeyParams, f,
			"add {parameters["+missing[0]+"]} to the key, or drop the parameter",
			"%s: storage_key %q omits %s: calls that differ only there collide on one stored result", f.label(), d.StorageKey.Raw, strings.Join(missing, ", "))
	}
}

var secretWords = map[string]bool{"password": true, "passwd": true, "token": true, "secret": true, "apikey": true, "key": true}

// secretLooking reports whether an identifier has a secret-looking word:
// password, passwd, token, secret, apikey, api_key or key as a whole word
// part (apiKey, dbPassword, API_TOKEN; not keyboard or monkey).
func secretLooking(name string) bool {
	words := splitWords(name)
	for i, w := range words {
		if secretWords[w] || i > 0 && words[i-1]+w == "apikey" {
			return true
		}
	}
	return false
}

// splitWords splits an identifier at underscores, digits and case changes,
// lowering each part: dbPassword -> db password, APIKey -> api key.
func splitWords(s string) []string {
	var words []string
	rs := []rune(s)
	start := 0
	flush := func(end int) {
		if end > start {
			words = append(words, strings.ToLower(string(rs[start:end])))
		}
		start = end
	}
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '_' || unicode.IsDigit(r):
			flush(i)
			start = i + 1
		case unicode.IsUpper(r) && i > start:
			prevLower := unicode.IsLower(rs[i-1])
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if prevLower || (unicode.IsUpper(rs[i-1]) && nextLower) {
				flush(i)
			}
		}
	}
	flush(len(rs))
	return words
}

// cached reports whether a task's results are reused across calls: its key
// comes from a storage_key, a cache_key_fn or a cache policy other than
// none, and it persists.
func cached(d *annotations.Directive) bool {
	if d.Kind != annotations.Task || d.Persist != nil && !d.Persist.Value {
		return false
	}
	return d.StorageKey != nil || d.CacheKeyFn != nil || policyCaches(d.CachePolicy)
}

var nondetPkgs = map[string]string{
	"math/rand":    "randomness",
	"math/rand/v2": "randomness",
	"crypto/rand":  "randomness",
}

var nondetFuncs = map[string]string{
	"time.Now":       "the clock",
	"time.Since":     "the clock",
	"time.Until":     "the clock",
	"os.Getenv":      "the environment",
	"os.LookupEnv":   "the environment",
	"os.Environ":     "the environment",
	"os.ExpandEnv":   "the environment",
	"syscall.Getenv": "the environment",
}

// nondet tells whether obj reads time, randomness or the environment, and
// which.
func nondet(obj types.Object) (string, bool) {
	if obj == nil || obj.Pkg() == nil {
		return "", false
	}
	path := obj.Pkg().Path()
	if what, ok := nondetPkgs[path]; ok {
		if _, isPkg := obj.(*types.PkgName); !isPkg {
			return what, true
		}
	}
	if fn, ok := obj.(*types.Func); ok && fn.Type().(*types.Signature).Recv() == nil {
		if what, ok := nondetFuncs[path+"."+fn.Name()]; ok {
			return what, true
		}
	}
	return "", false
}

// checkNondeterminism reports reads of time, randomness or the environment
// in a cached task's body, and in the same-package functions it calls
// directly (one level).
func (e *engine) checkNondeterminism(f *fn) {
	u := f.u
	if !cached(f.d) || u.info == nil || f.decl.Body == nil {
		return
	}
	how := "the cache key"
	switch {
	case f.d.StorageKey != nil:
		how = "the storage key"
	case f.d.CacheKeyFn != nil:
		how = "cache_key_fn"
	}
	lines := map[int]bool{}
	add := func(pos token.Pos, format string, args ...any) {
		line := u.fset.Position(pos).Line
		if lines[line] {
			return
		}
		lines[line] = true
		e.report(u, pos, report.Warning, report.CheckNondeterminism, f,
			"pass the value in as a parameter (and into "+how+"), or set cache_policy=none",
			format, args...)
	}
	helpers := u.funcDecls()
	ast.Inspect(f.decl.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			obj := u.info.Uses[n]
			if what, ok := nondet(obj); ok {
				add(n.Pos(), "%s is cached by %s, but reads %s (%s.%s): a cached result keeps the first value", f.label(), how, what, obj.Pkg().Name(), obj.Name())
			}
		case *ast.CallExpr:
			obj, _ := calleeObj(u.info, ast.Unparen(n.Fun)).(*types.Func)
			hd := helpers[obj]
			if hd == nil || hd == f.decl {
				return true
			}
			var found types.Object
			var what string
			ast.Inspect(hd.Body, func(m ast.Node) bool {
				if found != nil {
					return false
				}
				if id, ok := m.(*ast.Ident); ok {
					if w, ok := nondet(u.info.Uses[id]); ok {
						found, what = u.info.Uses[id], w
					}
				}
				return true
			})
			if found != nil {
				add(n.Pos(), "%s is cached by %s, but calls %s, which reads %s (%s.%s): a cached result keeps the first value", f.label(), how, obj.Name(), what, found.Pkg().Name(), found.Name())
			}
		}
		return true
	})
}

// checkKeyConflicts reports tasks that write the same storage key (equal
// literal keys, or templates of equal text, on the same storage directive)
// with different result types: at run time the second one to run fails with
// runtime.ErrKeyConflict. Result types are compared by fingerprint
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
