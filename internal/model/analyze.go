package model

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/resultgen/resultgen/annotations"
	"github.com/resultgen/resultgen/internal/typeid/typeidtypes"
)

// RuntimePkg is the import path of the runtime the generated code calls;
// serializerPkg that of the package defining the custom serializer
// interface.
const (
	RuntimePkg    = "github.com/resultgen/resultgen/runtime"
	serializerPkg = "github.com/resultgen/resultgen/runtime/serializer"
)

// Analyze loads the packages matched by patterns (default ".") and checks
// their directives with full type information.
func Analyze(ctx context.Context, cfg Config, patterns ...string) (*Analysis, error) {
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	ld, err := load(ctx, cfg, patterns)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	a := &Analysis{Loaded: ld.pkgs}
	// The names the generator will declare, across every loaded package: a
	// reference to one of them is not the user's error.
	generated := map[string]bool{}
	parsed := make([]*parsedPackage, len(ld.pkgs))
	for i, p := range ld.pkgs {
		parsed[i] = parseDirectives(ld.fset, p)
		for _, n := range parsed[i].names {
			generated[n] = true
		}
	}
	codes := NewCodeVersions(ld.pkgs)
	for i, p := range ld.pkgs {
		pkg, diags := analyzePackage(ld, codes, p, parsed[i], generated)
		if pkg != nil {
			a.Packages = append(a.Packages, pkg)
		}
		a.Diagnostics = append(a.Diagnostics, diags...)
		cfg.logf("analyzed %s: %d function(s) with directives, %d diagnostic(s)", p.PkgPath, parsed[i].count(), len(diags))
	}
	a.Diagnostics = SortDiagnostics(a.Diagnostics)
	return a, nil
}

// analyzer checks the directives of one package.
type analyzer struct {
	fset  *token.FileSet
	pkg   *packages.Package
	codes *CodeVersions
	diags []Diagnostic
}

func (a *analyzer) errorf(pos token.Pos, format string, args ...any) {
	a.diags = append(a.diags, Diagnostic{Pos: a.fset.Position(pos), Message: fmt.Sprintf(format, args...)})
}

// analyzePackage checks p's directives with go/types and builds its model.
func analyzePackage(ld *loaded, codes *CodeVersions, p *packages.Package, pp *parsedPackage, generated map[string]bool) (pkg *Package, diags []Diagnostic) {
	dir := packageDir(p)
	a := &analyzer{fset: ld.fset, pkg: p, codes: codes}
	defer func() {
		if r := recover(); r != nil {
			diags = append(a.diags, Diagnostic{Pos: packagePos(dir), Message: BugMessage(p.PkgPath, r)})
			if pkg != nil {
				pkg.Diagnostics = diags
			}
		}
	}()
	a.diags = append(a.diags, packageErrors(p, generated)...)
	a.diags = append(a.diags, pp.errs...)
	if dir == "" {
		return nil, a.diags
	}
	gen := filepath.Join(dir, GenFileName)
	pkg = &Package{
		Path: p.PkgPath, Name: p.Name, Dir: dir, Fset: ld.fset, Types: p.Types,
		GenFile: gen, GenFileExists: ld.genExists[gen], Directives: len(pp.dirs),
	}
	if root := moduleRoot(p); root != "" {
		pkg.ModDir = relFile(root, dir)
	}
	if p.Types == nil || p.TypesInfo == nil {
		pkg.Diagnostics = a.diags
		return pkg, a.diags
	}
	declared := map[string]*Func{} // generated identifiers so far
	for _, pd := range pp.dirs {
		if pd.d.Kind != annotations.Task && pd.d.Kind != annotations.Flow {
			continue // the annotations errors say why
		}
		f := a.function(pd.d, pd.decl)
		if f == nil {
			continue
		}
		ok := true
		for _, name := range f.Names.list() {
			if obj := p.Types.Scope().Lookup(name); obj != nil {
				a.errorf(pd.d.KindPos, "%s %s: cannot declare %s: %s already declares it; rename one of them",
					f.Kind, f.GoName, name, a.relPos(obj.Pos()))
				ok = false
			} else if other := declared[name]; other != nil {
				a.errorf(pd.d.KindPos, "%s %s: cannot declare %s: %s %s declares it too; rename one of them",
					f.Kind, f.GoName, name, other.Kind, other.GoName)
				ok = false
			}
		}
		if !ok {
			continue
		}
		for _, name := range f.Names.list() {
			declared[name] = f
		}
		pkg.Funcs = append(pkg.Funcs, f)
	}
	pkg.Diagnostics = a.diags
	return pkg, a.diags
}

// relPos formats pos as "file.go:line:col" with the file's base name.
func (a *analyzer) relPos(pos token.Pos) string {
	p := a.fset.Position(pos)
	if !p.IsValid() {
		return "a declaration"
	}
	return fmt.Sprintf("%s:%d:%d", filepath.Base(p.Filename), p.Line, p.Column)
}

// function checks one directive-carrying function; nil when it cannot be
// generated (the reasons are in a.diags).
func (a *analyzer) function(d *annotations.Directive, decl *ast.FuncDecl) *Func {
	what := fmt.Sprintf("%s %s", d.Kind, d.Func)
	if decl == nil {
		a.errorf(d.Pos, "%s: the directive is not on a function declaration", what)
		return nil
	}
	if decl.Recv != nil {
		a.errorf(d.KindPos, "%s: methods cannot be wrapped; move the body into a top-level function", what)
		return nil
	}
	if decl.Type.TypeParams != nil && decl.Type.TypeParams.NumFields() > 0 {
		a.errorf(d.KindPos, "%s: generic functions cannot be wrapped; wrap an instantiation in a non-generic function", what)
		return nil
	}
	obj, _ := a.pkg.TypesInfo.Defs[decl.Name].(*types.Func)
	if obj == nil {
		return nil // the type checker already complained
	}
	sig := obj.Type().(*types.Signature)
	f := &Func{
		Decl: decl, Obj: obj, Directive: d, Kind: d.Kind, GoName: d.Func,
		Names: NamesFor(d.Func, d.Kind),
		Pos:   a.fset.Position(decl.Pos()),
	}
	f.RunName = RunName(d)
	f.DirectiveHash = directiveHash(decl)
	ok := true

	// parameters
	params := sig.Params()
	for i := 0; i < params.Len(); i++ {
		v := params.At(i)
		if i == 0 && IsContext(v.Type()) {
			f.HasCtx = true
			continue
		}
		if IsContext(v.Type()) {
			a.errorf(v.Pos(), "%s: context.Context must be the first parameter", what)
			ok = false
			continue
		}
		name := v.Name()
		if name == "" || name == "_" {
			name = fmt.Sprintf("arg%d", i)
		}
		f.Params = append(f.Params, Param{Name: name, Type: v.Type(), Hash: hashKind(v.Type()), Object: v})
	}
	f.Variadic = sig.Variadic() && len(f.Params) > 0

	// results
	res := sig.Results()
	resultsPos := decl.Type.Func
	if decl.Type.Results != nil {
		resultsPos = decl.Type.Results.Pos()
	}
	switch res.Len() {
	case 0:
	case 1:
		if IsError(res.At(0).Type()) {
			f.ReturnsError = true
		} else {
			f.Result = res.At(0).Type()
		}
	case 2:
		if !IsError(res.At(1).Type()) {
			a.errorf(resultsPos, "%s: the second result must be error, not %s", what, a.typeString(res.At(1).Type()))
			ok = false
		}
		f.Result, f.ReturnsError = res.At(0).Type(), true
	default:
		a.errorf(resultsPos, "%s: too many results: want R, (R, error), error or none", what)
		ok = false
	}

	if f.Result != nil {
		f.Type = typeidtypes.OfType(f.Result)
	}

	// wrapper variable names
	a.nameVars(f)

	// input hashing: what cannot be hashed is refused by the generated
	// code, and is a finding under the directive's policy
	markUnhashable(f)
	if d.Kind == annotations.Flow {
		f.FlowKeyParams = a.flowKeyParams(f)
	}

	if d.StorageKey != nil {
		kt, good := a.compileKey(f, d.StorageKey, what)
		if !good {
			ok = false
		}
		f.StorageKey = kt
	}
	if d.CacheKeyFn != nil {
		fn, withCtx, good := a.checkCacheKeyFn(f, d.CacheKeyFn, what)
		if !good {
			ok = false
		}
		f.CacheKeyFn, f.CacheKeyFnCtx = fn, withCtx
	}
	for _, h := range []struct {
		key string
		s   *annotations.String
		dst **Hook
	}{{"on_commit", d.OnCommit, &f.OnCommit}, {"on_rollback", d.OnRollback, &f.OnRollback}} {
		if h.s == nil {
			continue
		}
		hook, good := a.checkHook(f, h.key, h.s, what)
		if !good {
			ok = false
		}
		*h.dst = hook
	}
	if d.Serializer != nil && d.Serializer.Ident != "" {
		obj, good := a.checkSerializer(f, d.Serializer, what)
		if !good {
			ok = false
		}
		f.Serializer = obj
	}
	if !ok {
		return nil
	}
	f.CodeVersion, _ = a.codes.Of(obj)
	f.Source = f.CodeVersion.Hash
	f.Settings = settings(d)
	f.Persist = persistDecision(d, f.HasValue())
	f.Call = !(d.Persist != nil && !d.Persist.Value && d.CacheInMemory != nil && !d.CacheInMemory.Value)
	return f
}

// typeString prints t qualified relative to the package being analyzed.
func (a *analyzer) typeString(t types.Type) string {
	return types.TypeString(t, types.RelativeTo(a.pkg.Types))
}

// signatureString is "func(params...)" of f, for messages.
func (f *Func) signatureString(a *analyzer) string {
	var b strings.Builder
	b.WriteString("func(")
	for i, p := range f.Params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.typeString(p.Type))
	}
	b.WriteString(")")
	return b.String()
}

// IsContext reports whether t is context.Context.
func IsContext(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}

// IsError reports whether t is the error interface.
func IsError(t types.Type) bool {
	return types.Identical(t, types.Universe.Lookup("error").Type())
}
