package model

import (
	"go/ast"
	"go/types"
	"strings"

	"github.com/resultgen/resultgen/annotations"
)

// checkCacheKeyFn checks that the cache_key_fn names a package-level func
// taking the task's parameters (a leading context.Context optional) and
// returning string or (string, error). withCtx says it takes the context.
func (a *analyzer) checkCacheKeyFn(f *Func, s *annotations.String, what string) (fn *types.Func, withCtx, ok bool) {
	pos := s.ValuePos
	obj := a.pkg.Types.Scope().Lookup(s.Value)
	fn, isFunc := obj.(*types.Func)
	if obj == nil {
		a.errorf(pos, "%s: cache_key_fn %s is not declared in package %s", what, s.Value, a.pkg.Name)
		return nil, false, false
	}
	if !isFunc {
		a.errorf(pos, "%s: cache_key_fn %s is a %s, not a function", what, s.Value, objKind(obj))
		return nil, false, false
	}
	sig := fn.Type().(*types.Signature)
	want := f.signatureString(a)
	bad := func() (*types.Func, bool, bool) {
		a.errorf(pos, "%s: cache_key_fn %s has signature %s; want %s returning string or (string, error) (a leading context.Context is optional)",
			what, s.Value, a.typeString(sig), want)
		return nil, false, false
	}
	if sig.TypeParams().Len() > 0 {
		return bad()
	}
	ps := sig.Params()
	off := 0
	if ps.Len() > 0 && IsContext(ps.At(0).Type()) {
		off = 1
	}
	if ps.Len()-off != len(f.Params) || sig.Variadic() != (f.Obj.Type().(*types.Signature).Variadic() && len(f.Params) > 0) {
		return bad()
	}
	for i, p := range f.Params {
		if !types.Identical(ps.At(i+off).Type(), p.Type) {
			return bad()
		}
	}
	rs := sig.Results()
	switch {
	case rs.Len() == 1 && types.Identical(rs.At(0).Type(), types.Typ[types.String]):
	case rs.Len() == 2 && types.Identical(rs.At(0).Type(), types.Typ[types.String]) && IsError(rs.At(1).Type()):
	default:
		return bad()
	}
	return fn, off == 1, true
}

// checkHook checks that an on_commit or on_rollback hook (key) names a
// package-level func taking the task's value (nothing when the task has
// none), a leading context.Context optional, and returning nothing or an
// error.
func (a *analyzer) checkHook(f *Func, key string, s *annotations.String, what string) (*Hook, bool) {
	pos := s.ValuePos
	obj := a.pkg.Types.Scope().Lookup(s.Value)
	fn, isFunc := obj.(*types.Func)
	if obj == nil {
		a.errorf(pos, "%s: %s %s is not declared in package %s; declare func %s(ctx context.Context%s) error, or name another function", what, key, s.Value, a.pkg.Name, s.Value, hookParam(a, f))
		return nil, false
	}
	if !isFunc {
		a.errorf(pos, "%s: %s %s is a %s, not a function", what, key, s.Value, objKind(obj))
		return nil, false
	}
	sig := fn.Type().(*types.Signature)
	bad := func() (*Hook, bool) {
		want := "nothing"
		if f.HasValue() {
			want = "the task's result, " + a.typeString(f.Result) + ","
		}
		a.errorf(pos, "%s: %s %s has signature %s; a hook takes %s after an optional context.Context, and returns nothing or error: func(ctx context.Context%s) error",
			what, key, s.Value, a.typeString(sig), want, hookParam(a, f))
		return nil, false
	}
	if sig.TypeParams().Len() > 0 || sig.Recv() != nil || sig.Variadic() {
		return bad()
	}
	h := &Hook{Fn: fn}
	ps := sig.Params()
	off := 0
	if ps.Len() > 0 && IsContext(ps.At(0).Type()) {
		off, h.Ctx = 1, true
	}
	switch {
	case f.HasValue() && (ps.Len()-off != 1 || !types.Identical(ps.At(off).Type(), f.Result)):
		return bad()
	case !f.HasValue() && ps.Len() != off:
		return bad()
	}
	rs := sig.Results()
	switch {
	case rs.Len() == 0:
	case rs.Len() == 1 && IsError(rs.At(0).Type()):
		h.ReturnsError = true
	default:
		return bad()
	}
	return h, true
}

// hookParam is the value parameter of a hook of f, as the fix writes it.
func hookParam(a *analyzer, f *Func) string {
	if !f.HasValue() {
		return ""
	}
	return ", v " + a.typeString(f.Result)
}

// checkSerializer checks that a custom serializer names a package-level
// value (of this package, or pkg.Name of an imported one) implementing
// serializer.Serializer.
func (a *analyzer) checkSerializer(f *Func, s *annotations.Serializer, what string) (types.Object, bool) {
	pos := s.ValuePos
	var obj types.Object
	if pkgName, name, qualified := strings.Cut(s.Ident, "."); qualified {
		imp := a.importedPackage(f.Decl, pkgName)
		if imp == nil {
			a.errorf(pos, "%s: serializer %s: the file does not import a package named %s", what, s.Ident, pkgName)
			return nil, false
		}
		obj = imp.Scope().Lookup(name)
		if obj == nil || !obj.Exported() {
			a.errorf(pos, "%s: serializer %s: package %s declares no exported %s", what, s.Ident, imp.Path(), name)
			return nil, false
		}
	} else {
		obj = a.pkg.Types.Scope().Lookup(s.Ident)
		if obj == nil {
			a.errorf(pos, "%s: serializer %s is neither a built-in (msgpack, json, gob, compressed/<one of those>) nor a value declared in package %s", what, s.Ident, a.pkg.Name)
			return nil, false
		}
	}
	switch obj.(type) {
	case *types.Var, *types.Const:
	default:
		a.errorf(pos, "%s: serializer %s is a %s; want a package-level value implementing serializer.Serializer", what, s.Ident, objKind(obj))
		return nil, false
	}
	iface := a.serializerInterface()
	if iface == nil {
		a.errorf(pos, "%s: serializer %s cannot implement serializer.Serializer: package %s does not import %s", what, s.Ident, a.pkg.Name, serializerPkg)
		return nil, false
	}
	if !types.Implements(obj.Type(), iface) {
		a.errorf(pos, "%s: serializer %s of type %s does not implement serializer.Serializer (Spec, Encode, Decode)", what, s.Ident, a.typeString(obj.Type()))
		return nil, false
	}
	return obj, true
}

// importedPackage is the package imported as name by the file declaring decl.
func (a *analyzer) importedPackage(decl *ast.FuncDecl, name string) *types.Package {
	for _, file := range a.pkg.Syntax {
		if file.Pos() > decl.Pos() || decl.Pos() >= file.End() {
			continue
		}
		for _, spec := range file.Imports {
			obj := a.pkg.TypesInfo.Implicits[spec]
			if spec.Name != nil {
				obj = a.pkg.TypesInfo.Defs[spec.Name]
			}
			if pn, ok := obj.(*types.PkgName); ok && pn.Name() == name {
				return pn.Imported()
			}
		}
	}
	return nil
}

// serializerInterface finds serializer.Serializer among the package's
// (transitive) imports.
func (a *analyzer) serializerInterface() *types.Interface {
	seen := map[*types.Package]bool{}
	var find func(p *types.Package) *types.Interface
	find = func(p *types.Package) *types.Interface {
		if p == nil || seen[p] {
			return nil
		}
		seen[p] = true
		if p.Path() == serializerPkg {
			if obj := p.Scope().Lookup("Serializer"); obj != nil {
				if it, ok := obj.Type().Underlying().(*types.Interface); ok {
					return it
				}
			}
			return nil
		}
		for _, imp := range p.Imports() {
			if it := find(imp); it != nil {
				return it
			}
		}
		return nil
	}
	return find(a.pkg.Types)
}

func objKind(obj types.Object) string {
	switch obj.(type) {
	case *types.TypeName:
		return "type"
	case *types.Func:
		return "function"
	case *types.Const:
		return "constant"
	case *types.Var:
		return "variable"
	case *types.PkgName:
		return "package name"
	}
	return "declaration"
}
