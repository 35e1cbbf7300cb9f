package generator

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/tools/go/packages"

	"github.com/resultgen/resultgen/annotations"
	"github.com/resultgen/resultgen/internal/typeid/typeidtypes"
	"github.com/resultgen/resultgen/runtime"
)

// serializerPkg is the import path of the package defining the custom
// serializer interface.
const (
	runtimePkg    = "github.com/resultgen/resultgen/runtime"
	serializerPkg = "github.com/resultgen/resultgen/runtime/serializer"
)

// parsedPackage holds the directives of one package before type checks.
type parsedPackage struct {
	dirs  []parsedDirective
	errs  []Diagnostic
	names []string // identifiers the generator will declare
}

type parsedDirective struct {
	d    *annotations.Directive
	decl *ast.FuncDecl // nil when no FuncDecl carries it
}

func (pp *parsedPackage) count() int { return len(pp.dirs) }

// parseDirectives parses the //result: directives of every file of p.
func parseDirectives(fset *token.FileSet, p *packages.Package) (pp *parsedPackage) {
	pp = &parsedPackage{}
	defer func() {
		if r := recover(); r != nil {
			pp.errs = append(pp.errs, Diagnostic{Pos: token.Position{Filename: packageDir(p)}, Message: bugMessage(p.PkgPath, r)})
		}
	}()
	for _, file := range p.Syntax {
		if filepath.Base(fset.Position(file.Package).Filename) == GenFileName {
			continue
		}
		dirs, errs := annotations.ParseFile(fset, file)
		for _, e := range errs {
			pp.errs = append(pp.errs, Diagnostic{Pos: fset.Position(e.Pos), Message: e.Msg})
		}
		for _, d := range dirs {
			if d == nil {
				continue
			}
			pd := parsedDirective{d: d, decl: declFor(file, d)}
			pp.dirs = append(pp.dirs, pd)
			pp.names = append(pp.names, NamesFor(d.Func, d.Kind).list()...)
		}
	}
	sort.SliceStable(pp.dirs, func(i, j int) bool { return pp.dirs[i].d.Pos < pp.dirs[j].d.Pos })
	return pp
}

// declFor finds the FuncDecl whose doc comment holds d.
func declFor(file *ast.File, d *annotations.Directive) *ast.FuncDecl {
	for _, decl := range file.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok || fd.Doc == nil {
			continue
		}
		if fd.Doc.Pos() <= d.Pos && d.Pos < fd.Doc.End() {
			return fd
		}
	}
	for _, decl := range file.Decls {
		if fd, ok := decl.(*ast.FuncDecl); ok && fd.Name.Name == d.Func && fd.Recv == nil {
			return fd
		}
	}
	return nil
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
			diags = append(a.diags, Diagnostic{Pos: token.Position{Filename: dir}, Message: bugMessage(p.PkgPath, r)})
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
	ok := true

	// parameters
	params := sig.Params()
	for i := 0; i < params.Len(); i++ {
		v := params.At(i)
		if i == 0 && isContext(v.Type()) {
			f.HasCtx = true
			continue
		}
		if isContext(v.Type()) {
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
		if isError(res.At(0).Type()) {
			f.ReturnsError = true
		} else {
			f.Result = res.At(0).Type()
		}
	case 2:
		if !isError(res.At(1).Type()) {
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

	// input hashing
	if !a.checkHashing(f, what) {
		ok = false
	}

	if d.StorageKey != nil {
		kt, good := a.compileKey(f, d.StorageKey, what)
		if !good {
			ok = false
		}
		f.StorageKey = kt
	}
	if d.CacheKeyFn != nil {
		fn, good := a.checkCacheKeyFn(f, d.CacheKeyFn, what)
		if !good {
			ok = false
		}
		f.CacheKeyFn = fn
	}
	if d.Serializer != nil && d.Serializer.Ident != "" {
		obj, good := a.checkSerializer(f, d.Serializer, what)
		if !good {
			ok = false
		}
		f.Serializer = obj
	}
	f.CodeVersion, _ = a.codes.Of(obj)
	f.Source = f.CodeVersion.Hash
	f.Settings = settings(d)
	f.Persist = persistDecision(d, f.HasValue())
	f.Call = !(d.Persist != nil && !d.Persist.Value && d.CacheInMemory != nil && !d.CacheInMemory.Value)
	if !ok {
		return nil
	}
	return f
}

// nameVars picks the wrapper's identifier for each parameter: its own name
// unless that would shadow something the generated method bodies use.
func (a *analyzer) nameVars(f *Func) {
	reserved := map[string]bool{
		"t": true, "ctx": true, "h": true, "k": true, "err": true,
		"runtime": true, "context": true, "strconv": true, "errors": true, "fmt": true, "time": true,
		f.GoName: true, f.Names.Value: true, f.Names.Type: true, f.Names.Def: true,
	}
	if f.Directive.CacheKeyFn != nil {
		reserved[f.Directive.CacheKeyFn.Value] = true
	}
	// package names the types of the signature use
	var walk func(t types.Type, seen map[types.Type]bool)
	walk = func(t types.Type, seen map[types.Type]bool) {
		if seen[t] {
			return
		}
		seen[t] = true
		switch t := t.(type) {
		case *types.Named:
			if t.Obj().Pkg() != nil {
				reserved[t.Obj().Pkg().Name()] = true
			}
			for i := 0; i < t.TypeArgs().Len(); i++ {
				walk(t.TypeArgs().At(i), seen)
			}
		case *types.Alias:
			if t.Obj().Pkg() != nil {
				reserved[t.Obj().Pkg().Name()] = true
			}
			walk(types.Unalias(t), seen)
		case interface{ Elem() types.Type }:
			walk(t.Elem(), seen)
			if m, ok := t.(*types.Map); ok {
				walk(m.Key(), seen)
			}
		}
	}
	seen := map[types.Type]bool{}
	for _, p := range f.Params {
		walk(p.Type, seen)
	}
	if f.Result != nil {
		walk(f.Result, seen)
	}
	used := map[string]bool{}
	for _, p := range f.Params {
		used[p.Name] = true
	}
	for i := range f.Params {
		v := f.Params[i].Name
		for reserved[v] || isTempName(v) || (v != f.Params[i].Name && used[v]) {
			v += "_"
		}
		used[v] = true
		f.Params[i].Var = v
	}
}

// isTempName reports whether v has the form of the storage-key function's
// temporaries (text1, text2, ...).
func isTempName(v string) bool {
	rest, ok := strings.CutPrefix(v, "text")
	if !ok || rest == "" {
		return false
	}
	_, err := strconv.Atoi(rest)
	return err == nil
}

// includesInputs reports whether the directive's static cache policy hashes
// parameter name.
func includesInputs(d *annotations.Directive, name string) bool {
	pol := d.CachePolicy
	if pol == nil {
		return true // the default policy includes inputs
	}
	for _, drop := range pol.Drop {
		if drop == name {
			return false
		}
	}
	if len(pol.Drop) > 0 {
		return true
	}
	for _, part := range pol.Parts {
		if part == "default" || part == "inputs" {
			return true
		}
	}
	return false
}

// checkHashing reports parameters that cannot be hashed although the cache
// policy hashes them.
func (a *analyzer) checkHashing(f *Func, what string) bool {
	ok := true
	for i, p := range f.Params {
		if p.Hash != HashUnhashable && !containsUnhashable(p.Type, map[types.Type]bool{}) {
			continue
		}
		f.Params[i].Hash = HashUnhashable
		if f.Kind != annotations.Task || !includesInputs(f.Directive, p.Name) {
			continue
		}
		pos := f.Directive.KindPos
		if p.Object != nil && p.Object.Pos().IsValid() {
			pos = p.Object.Pos()
		}
		a.errorf(pos, "%s: parameter %s of type %s cannot be hashed for the inputs cache policy; drop it with cache_policy=inputs-%s+task_source+run_id, or use a policy without inputs",
			what, p.Name, a.typeString(p.Type), p.Name)
		ok = false
	}
	return ok
}

// hashKind picks the typed Hasher method for t.
func hashKind(t types.Type) HashKind {
	u := t.Underlying()
	switch u := u.(type) {
	case *types.Basic:
		switch {
		case u.Kind() == types.UnsafePointer:
			return HashUnhashable
		case u.Info()&types.IsString != 0:
			return HashString
		case u.Info()&types.IsBoolean != 0:
			return HashBool
		case u.Info()&types.IsUnsigned != 0:
			return HashUint
		case u.Info()&types.IsInteger != 0:
			return HashInt
		case u.Info()&types.IsFloat != 0:
			return HashFloat
		case u.Info()&types.IsComplex != 0:
			return HashComplex
		}
	case *types.Slice:
		if b, ok := u.Elem().Underlying().(*types.Basic); ok && b.Kind() == types.Byte && types.Identical(u.Elem(), types.Typ[types.Byte]) {
			return HashBytes
		}
	case *types.Signature, *types.Chan:
		return HashUnhashable
	}
	return HashValue
}

// containsUnhashable reports whether a value of type t always holds a func,
// chan or unsafe pointer (interfaces are checked at run time).
func containsUnhashable(t types.Type, seen map[types.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	switch u := t.Underlying().(type) {
	case *types.Signature, *types.Chan:
		return true
	case *types.Basic:
		return u.Kind() == types.UnsafePointer
	case *types.Pointer:
		return containsUnhashable(u.Elem(), seen)
	case *types.Slice:
		return containsUnhashable(u.Elem(), seen)
	case *types.Array:
		return containsUnhashable(u.Elem(), seen)
	case *types.Map:
		return containsUnhashable(u.Key(), seen) || containsUnhashable(u.Elem(), seen)
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if containsUnhashable(u.Field(i).Type(), seen) {
				return true
			}
		}
	}
	return false
}

// checkCacheKeyFn checks that the cache_key_fn names a package-level func
// taking the task's parameters (a leading context.Context optional) and
// returning string or (string, error).
func (a *analyzer) checkCacheKeyFn(f *Func, s *annotations.String, what string) (*types.Func, bool) {
	pos := s.ValuePos
	obj := a.pkg.Types.Scope().Lookup(s.Value)
	fn, isFunc := obj.(*types.Func)
	if obj == nil {
		a.errorf(pos, "%s: cache_key_fn %s is not declared in package %s", what, s.Value, a.pkg.Name)
		return nil, false
	}
	if !isFunc {
		a.errorf(pos, "%s: cache_key_fn %s is a %s, not a function", what, s.Value, objKind(obj))
		return nil, false
	}
	sig := fn.Type().(*types.Signature)
	want := f.signatureString(a, true)
	bad := func() (*types.Func, bool) {
		a.errorf(pos, "%s: cache_key_fn %s has signature %s; want %s returning string or (string, error) (a leading context.Context is optional)",
			what, s.Value, a.typeString(sig), want)
		return nil, false
	}
	if sig.TypeParams().Len() > 0 {
		return bad()
	}
	ps := sig.Params()
	off := 0
	if ps.Len() > 0 && isContext(ps.At(0).Type()) {
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
	case rs.Len() == 2 && types.Identical(rs.At(0).Type(), types.Typ[types.String]) && isError(rs.At(1).Type()):
	default:
		return bad()
	}
	return fn, true
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

// typeString prints t qualified relative to the package being analyzed.
func (a *analyzer) typeString(t types.Type) string {
	return types.TypeString(t, types.RelativeTo(a.pkg.Types))
}

// signatureString is "func(ctx?, params...)" of f, for messages.
func (f *Func) signatureString(a *analyzer, withCtx bool) string {
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

func isContext(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "context" && n.Obj().Name() == "Context"
}

func isError(t types.Type) bool {
	return types.Identical(t, types.Universe.Lookup("error").Type())
}

// Names are the identifiers the generator declares for one function. They
// are part of the generated API: review finds wrapper calls by them.
type Names struct {
	Value string // the package-level task or flow value: FTask, FFlow (fTask for f)
	Type  string // its type: FTaskType, FFlowType (fTaskType for f)
	Def   string // the *runtime.Def variable: fTaskDef
}

// NamesFor returns the identifiers generated for function fn of kind k. An
// unexported function gets unexported names, so the wrapper is no more
// visible than the function it runs.
func NamesFor(fn string, k annotations.Kind) Names {
	v := fn + "Task"
	if k == annotations.Flow {
		v = fn + "Flow"
	}
	return Names{Value: v, Type: v + "Type", Def: lowerIdent(v) + "Def"}
}

// list is the names in declaration order.
func (n Names) list() []string { return []string{n.Value, n.Type, n.Def} }

// lowerIdent lowers an identifier's leading upper-case run: HTTPGet -> httpGet.
func lowerIdent(s string) string {
	rs := []rune(s)
	n := 0
	for n < len(rs) && unicode.IsUpper(rs[n]) {
		n++
	}
	switch {
	case n == 0:
		return s
	case n == 1 || n == len(rs):
		for i := 0; i < n; i++ {
			rs[i] = unicode.ToLower(rs[i])
		}
	default: // keep the last upper of the run: it starts the next word
		for i := 0; i < n-1; i++ {
			rs[i] = unicode.ToLower(rs[i])
		}
	}
	return string(rs)
}

// Kebab turns a Go identifier into a kebab-case run name:
// MyFlow -> my-flow, HTTPServerFlow -> http-server-flow, load_data -> load-data.
func Kebab(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if r == '_' {
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
				b.WriteByte('-')
			}
			continue
		}
		if unicode.IsUpper(r) && i > 0 {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if (unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower)) && !strings.HasSuffix(b.String(), "-") {
				b.WriteByte('-')
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return strings.Trim(b.String(), "-")
}

// settings lists the directive's settings as written, in the order of
// annotations.Keys (the design's table).
func settings(d *annotations.Directive) []Setting {
	var out []Setting
	add := func(key, value string, pos token.Pos) { out = append(out, Setting{Key: key, Value: value, Pos: pos}) }
	for _, key := range annotations.Keys() {
		switch key {
		case "name":
			if d.Name != nil {
				add(key, d.Name.Value, d.Name.Pos)
			}
		case "persist":
			if d.Persist != nil {
				add(key, strconv.FormatBool(d.Persist.Value), d.Persist.Pos)
			}
		case "storage":
			if d.Storage != nil {
				add(key, d.Storage.Raw, d.Storage.Pos)
			}
		case "storage_key":
			if d.StorageKey != nil {
				add(key, d.StorageKey.Raw, d.StorageKey.Pos)
			}
		case "serializer":
			if d.Serializer != nil {
				add(key, d.Serializer.Raw, d.Serializer.Pos)
			}
		case "compression":
			if d.Compression != nil {
				add(key, d.Compression.Value, d.Compression.Pos)
			}
		case "cache_in_memory":
			if d.CacheInMemory != nil {
				add(key, strconv.FormatBool(d.CacheInMemory.Value), d.CacheInMemory.Pos)
			}
		case "cache_policy":
			if d.CachePolicy != nil {
				add(key, d.CachePolicy.Raw, d.CachePolicy.Pos)
			}
		case "cache_key_fn":
			if d.CacheKeyFn != nil {
				add(key, d.CacheKeyFn.Value, d.CacheKeyFn.Pos)
			}
		case "cache_expiration":
			if d.CacheExpiration != nil {
				add(key, d.CacheExpiration.Value.String(), d.CacheExpiration.Pos)
			}
		case "refresh_cache":
			if d.RefreshCache != nil {
				add(key, strconv.FormatBool(d.RefreshCache.Value), d.RefreshCache.Pos)
			}
		case "isolation":
			if d.Isolation != nil {
				add(key, d.Isolation.Value, d.Isolation.Pos)
			}
		case "retries":
			if d.Retries != nil {
				add(key, strconv.Itoa(d.Retries.Value), d.Retries.Pos)
			}
		case "retry_delay":
			if d.RetryDelay != nil {
				add(key, d.RetryDelay.Value.String(), d.RetryDelay.Pos)
			}
		}
	}
	return out
}

// OwnPersistFacts are the persistence facts of a directive's own settings,
// for runtime.DecidePersist; value tells whether the function returns a
// value. The calling flow and the global default are the caller's to add.
func OwnPersistFacts(d *annotations.Directive, value bool) runtime.PersistFacts {
	f := runtime.PersistFacts{
		Task:        d.Kind == annotations.Task,
		Storage:     d.Storage != nil,
		StorageKey:  d.StorageKey != nil,
		Serializer:  d.Serializer != nil,
		CachePolicy: d.CachePolicy != nil && !IsNonePolicy(d.CachePolicy),
		CacheKeyFn:  d.CacheKeyFn != nil,
		InMemoryOff: d.CacheInMemory != nil && !d.CacheInMemory.Value,
		Value:       value,
	}
	if d.Persist != nil {
		v := d.Persist.Value
		f.Persist = &v
	}
	if d.Retries != nil {
		f.Retries = d.Retries.Value
	}
	return f
}

// IsNonePolicy reports whether p is exactly cache_policy=none.
func IsNonePolicy(p *annotations.Policy) bool {
	return p != nil && len(p.Parts) == 1 && p.Parts[0] == "none" && len(p.Drop) == 0
}

// persistDecision is what the directive alone decides about persistence:
// runtime.DecidePersist's explicit and inferred rules; anything else is left
// to the calling flow and the settings.
func persistDecision(d *annotations.Directive, value bool) PersistDecision {
	dec := runtime.DecidePersist(OwnPersistFacts(d, value))
	switch {
	case dec.Kind != "explicit" && dec.Kind != "inferred":
		return PersistDecision{State: "inherit"}
	case dec.Persist:
		return PersistDecision{State: "on", Reason: dec.From}
	}
	return PersistDecision{State: "off", Reason: dec.From}
}
