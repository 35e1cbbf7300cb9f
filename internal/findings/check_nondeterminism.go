package findings

import (
	"go/ast"
	"go/token"
	"go/types"

	"github.com/resultgen/resultgen/annotations"
	"github.com/resultgen/resultgen/review/report"
)

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

// checkNondeterminism finds, in a cached task's body (see cached), reads
// of the clock, randomness or the environment, and calls of same-package
// functions that read them directly (one level deep) (check
// nondeterministic, a warning at the read or the call, once per line): a
// cached result keeps the first value.
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
