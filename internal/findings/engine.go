package findings

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"sort"

	"github.com/resultgen/resultgen/annotations"
	"github.com/resultgen/resultgen/internal/model"
	"github.com/resultgen/resultgen/review/report"
)

// unit is one type-checked package: what both front ends hand the engine.
type unit struct {
	fset  *token.FileSet
	files []*ast.File
	pkg   *types.Package
	info  *types.Info

	helpers map[*types.Func]*ast.FuncDecl // see funcDecls; nil until asked for
}

// funcDecls maps each function of the unit that has a body to its
// declaration, made once per unit: checkNondeterminism asks for it for every
// cached task, and making it each time was quadratic in the package's size
// (10% of P6's CPU for 1,000 tasks, `make bench`).
func (u *unit) funcDecls() map[*types.Func]*ast.FuncDecl {
	if u.helpers != nil {
		return u.helpers
	}
	u.helpers = map[*types.Func]*ast.FuncDecl{}
	for _, file := range u.files {
		for _, decl := range file.Decls {
			if fd, ok := decl.(*ast.FuncDecl); ok && fd.Body != nil {
				if obj, ok := u.info.Defs[fd.Name].(*types.Func); ok {
					u.helpers[obj] = fd
				}
			}
		}
	}
	return u.helpers
}

// fn is one directive-carrying function.
type fn struct {
	u       *unit
	decl    *ast.FuncDecl
	obj     *types.Func // nil when the type checker has no object
	d       *annotations.Directive
	params  []*types.Var // without a leading context.Context
	result  types.Type   // nil when the function returns only an error or nothing
	calls   []call       // flows: the directive functions called in the body
	callers []call       // the calls of this function from flows
}

func (f *fn) isTask() bool { return f.d.Kind == annotations.Task }

// label is "task Say" or "flow Persisting".
func (f *fn) label() string { return f.d.Kind.String() + " " + f.d.Func }

func (f *fn) pkgPath() string {
	if f.u.pkg == nil {
		return ""
	}
	return f.u.pkg.Path()
}

// runName is the run name shown in logs and records (generator contract).
func (f *fn) runName() string {
	switch {
	case f.d.Name != nil:
		return f.d.Name.Value
	case f.d.Kind == annotations.Flow:
		return model.Kebab(f.d.Func)
	}
	return f.d.Func
}

// call is one call of a directive function from a flow's body.
type call struct {
	flow, callee *fn
	pos          token.Pos
}

// key identifies a function across packages.
type key struct{ pkg, name string }

// engine holds every analyzed function and the findings so far.
type engine struct {
	funcs    []*fn
	byFunc   map[key]*fn // by package path and Go name
	byName   map[key]*fn // by package path and generated value or type name
	byObj    map[*types.Func]*fn
	findings []Finding
	defaults report.Defaults
	dir      string              // positions are made relative to it
	codes    *model.CodeVersions // nil: no code versions in the rows
}

func newEngine(d report.Defaults, dir string) *engine {
	return &engine{byFunc: map[key]*fn{}, byName: map[key]*fn{}, byObj: map[*types.Func]*fn{}, defaults: d, dir: dir}
}

func (e *engine) report(u *unit, pos token.Pos, sev report.Severity, check string, f *fn, fix, format string, args ...any) {
	p := u.fset.Position(pos)
	label := ""
	if f != nil {
		label = f.label()
	}
	e.findings = append(e.findings, Finding{Finding: report.Finding{
		Pos: p, Position: relPosition(p, e.dir), Severity: sev, Check: check, Func: label,
		Message: fmt.Sprintf(format, args...), Fix: fix,
	}, At: pos})
}

// collect parses the directives of u's files and records its functions.
func (e *engine) collect(u *unit) {
	for _, file := range u.files {
		if filepath.Base(u.fset.Position(file.Package).Filename) == model.GenFileName {
			continue
		}
		dirs, errs := annotations.ParseFile(u.fset, file)
		for _, er := range errs {
			e.report(u, er.Pos, report.Error, report.CheckDirective, nil, "correct the directive (resultgen reports the same at generate time)", "%s", er.Msg)
		}
		for _, d := range dirs {
			if d == nil || (d.Kind != annotations.Task && d.Kind != annotations.Flow) {
				continue
			}
			decl := model.DeclFor(file, d)
			if decl == nil || decl.Recv != nil {
				continue // annotations or the generator say why
			}
			f := &fn{u: u, decl: decl, d: d}
			if u.info != nil {
				f.obj, _ = u.info.Defs[decl.Name].(*types.Func)
			}
			if f.obj != nil {
				sig := f.obj.Type().(*types.Signature)
				for i := 0; i < sig.Params().Len(); i++ {
					v := sig.Params().At(i)
					if i == 0 && model.IsContext(v.Type()) {
						continue
					}
					f.params = append(f.params, v)
				}
				res := sig.Results()
				switch {
				case res.Len() == 1 && !model.IsError(res.At(0).Type()):
					f.result = res.At(0).Type()
				case res.Len() == 2:
					f.result = res.At(0).Type()
				}
				e.byObj[f.obj] = f
			}
			e.funcs = append(e.funcs, f)
			e.byFunc[key{f.pkgPath(), d.Func}] = f
			n := model.NamesFor(d.Func, d.Kind)
			e.byName[key{f.pkgPath(), n.Value}] = f
			e.byName[key{f.pkgPath(), n.Type}] = f
		}
	}
}

// linkCalls finds, in every flow's body, the calls of directive functions.
func (e *engine) linkCalls() {
	for _, f := range e.funcs {
		if f.d.Kind != annotations.Flow || f.decl.Body == nil {
			continue
		}
		seen := map[token.Pos]bool{}
		ast.Inspect(f.decl.Body, func(n ast.Node) bool {
			ce, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			callee := e.callee(f.u, ce)
			if callee == nil || callee == f || seen[ce.Pos()] {
				return true
			}
			seen[ce.Pos()] = true
			c := call{flow: f, callee: callee, pos: ce.Pos()}
			f.calls = append(f.calls, c)
			callee.callers = append(callee.callers, c)
			return true
		})
	}
}

// callee resolves a call to a directive function: a direct call F(...), or
// a wrapper method FTask.Call/State/Submit(...), possibly through
// .WithOptions(...) chains. The wrapper's type comes from go/types when the
// generated file exists, else from the syntax: the value FTask (or
// pkg.FTask), or a composite literal FTaskType{}.
func (e *engine) callee(u *unit, ce *ast.CallExpr) *fn {
	fun := ast.Unparen(ce.Fun)
	if u.info != nil {
		if obj, ok := calleeObj(u.info, fun).(*types.Func); ok {
			if f := e.byObj[obj]; f != nil {
				return f
			}
		}
	}
	sel, ok := fun.(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	switch sel.Sel.Name {
	case "Call", "State", "Submit", "Map":
	default:
		return nil
	}
	x := ast.Unparen(sel.X)
	for {
		c, ok := x.(*ast.CallExpr)
		if !ok {
			break
		}
		s, ok := ast.Unparen(c.Fun).(*ast.SelectorExpr)
		if !ok || s.Sel.Name != "WithOptions" {
			return nil
		}
		x = ast.Unparen(s.X)
	}
	if u.info != nil {
		if t := u.info.TypeOf(x); t != nil {
			if p, ok := t.(*types.Pointer); ok {
				t = p.Elem()
			}
			if n, ok := t.(*types.Named); ok && n.Obj().Pkg() != nil {
				return e.byName[key{n.Obj().Pkg().Path(), n.Obj().Name()}]
			}
		}
	}
	if ue, ok := x.(*ast.UnaryExpr); ok && ue.Op == token.AND {
		x = ast.Unparen(ue.X)
	}
	if lit, ok := x.(*ast.CompositeLit); ok {
		x = lit.Type
	}
	return e.byName[e.nameKey(u, x)]
}

// nameKey is the package path and name an identifier or a qualified
// identifier pkg.Name refers to.
func (e *engine) nameKey(u *unit, x ast.Expr) key {
	switch t := x.(type) {
	case *ast.Ident:
		return key{pkgPathOf(u), t.Name}
	case *ast.SelectorExpr:
		if id, ok := t.X.(*ast.Ident); ok && u.info != nil {
			if pn, ok := u.info.Uses[id].(*types.PkgName); ok {
				return key{pn.Imported().Path(), t.Sel.Name}
			}
		}
	}
	return key{}
}

func pkgPathOf(u *unit) string {
	if u.pkg == nil {
		return ""
	}
	return u.pkg.Path()
}

// calleeObj is the object a call's function expression names, if any.
func calleeObj(info *types.Info, fun ast.Expr) types.Object {
	switch f := fun.(type) {
	case *ast.Ident:
		return info.Uses[f]
	case *ast.SelectorExpr:
		if s := info.Selections[f]; s != nil {
			return s.Obj()
		}
		return info.Uses[f.Sel]
	case *ast.IndexExpr:
		return calleeObj(info, ast.Unparen(f.X))
	case *ast.IndexListExpr:
		return calleeObj(info, ast.Unparen(f.X))
	}
	return nil
}

// run analyzes every collected function: rows and findings.
func (e *engine) run() []report.Row {
	e.linkCalls()
	var rows []report.Row
	for _, f := range e.funcs {
		fr := e.rowsFor(f)
		rows = append(rows, fr...)
		e.checkSerial(f, fr)
		e.checkPersistOff(f)
		e.checkKeyFnIgnored(f)
		e.checkUselessExpiry(f)
		e.checkNeverReadable(f)
		e.checkSecretInKey(f)
		e.checkSecretUnencrypted(f, fr)
		e.checkKeyParams(f)
		e.checkNondeterminism(f)
		e.checkUnhashable(f)
		e.checkFlowParam(f)
	}
	e.checkKeyConflicts()
	sortFindings(e.findings)
	return rows
}

// rowsFor is f's standalone row and one row per calling flow, and chain of
// flows above it, whose inheritance changes it.
func (e *engine) rowsFor(f *fn) []report.Row {
	base := e.resolve(f, nil, nil)
	rows := []report.Row{base}
	for _, c := range f.callers {
		if c.callee.isTask() {
			e.checkRetries(c)
		}
		for _, in := range e.flowContexts(c.flow, map[*fn]bool{}) {
			r := e.resolve(f, &c, &in)
			if sameSettings(base, r) {
				if len(in.via) == 0 && !contains(rows[0].SameIn, c.flow.d.Func) {
					rows[0].SameIn = append(rows[0].SameIn, c.flow.d.Func)
				}
				continue
			}
			dup := false
			for _, o := range rows[1:] {
				if o.CalledFrom == r.CalledFrom && sameSettings(o, r) {
					dup = true
				}
			}
			if !dup {
				rows = append(rows, r)
			}
		}
	}
	sort.Strings(rows[0].SameIn)
	return rows
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// sameSettings compares the effective settings of two rows.
func sameSettings(a, b report.Row) bool {
	return a.Persisted == b.Persisted && a.Why == b.Why && a.Storage == b.Storage && a.StorageFrom == b.StorageFrom &&
		a.Key == b.Key && a.Serializer == b.Serializer && a.Compression == b.Compression &&
		a.SerializerFrom == b.SerializerFrom && a.InMemory == b.InMemory
}
