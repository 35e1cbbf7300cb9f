package model

import (
	"crypto/sha256"
	"encoding/hex"
	"go/ast"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/resultgen/resultgen/internal/srcunit"
)

// CodeVersion is what a function's task-source hash (Def.Source, the
// "task_source" part of a cache policy) is made of.
type CodeVersion struct {
	// Hash is "sha256:<hex>" of everything Covers lists.
	Hash string `json:"hash"`
	// Covers lists what the hash covers: first the followed declarations by
	// qualified name ("example.com/m/pkg.helper", "example.com/m/pkg.T.M",
	// "example.com/m/pkg.a,b" for a var or const spec declaring several
	// names), then the other modules ("golang.org/x/text@v0.43.0") and the
	// standard library ("std@go1.26"), each part sorted.
	Covers []string `json:"covers"`
	// Units is one line per covered declaration and module, sorted, for
	// runtime.Def.Units: "KIND NAME HASH FILE" ("func normalize 3fa9c1d2e4b5
	// pipeline/clean.go"), where KIND is func, method, type, var or const,
	// NAME leaves the task's own import path out, HASH is
	// srcunit.Hash(NAME, the declaration's text) and FILE its file,
	// relative to the root of the task's module (no line: moving code
	// changes nothing); a module is "module PATH@VERSION". The runtime diffs
	// two lists to say which declaration changed between two records, and
	// checks them against the sources (runtime.Package).
	Units []string `json:"units,omitempty"`
}

// codeVersionFormat prefixes the hashed text, so a change of what is hashed
// changes every hash.
const codeVersionFormat = "resultgen code version 1\n"

// CodeVersions computes code versions over a loaded package graph; see the
// generator's package documentation ("Code version") for the rule. The
// packages must be loaded with LoadModeCodeVersion; the packages of the
// modules whose code is followed need their syntax and type information,
// which that mode gives.
// One CodeVersions caches its work: compute every version of a graph with
// the same value. It is not safe for concurrent use.
type CodeVersions struct {
	byPath map[string]*packages.Package
	pkgs   map[string]*codePkg // indexed packages, by import path
	files  map[string][]byte   // source files read so far
}

// LoadModeCodeVersion is the packages.LoadMode CodeVersions needs, on top of
// what a caller needs for itself.
const LoadModeCodeVersion = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
	packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo | packages.NeedImports |
	packages.NeedDeps | packages.NeedModule

// NewCodeVersions indexes the import graph of roots.
func NewCodeVersions(roots []*packages.Package) *CodeVersions {
	cv := &CodeVersions{byPath: map[string]*packages.Package{}, pkgs: map[string]*codePkg{}, files: map[string][]byte{}}
	packages.Visit(roots, nil, func(p *packages.Package) {
		if _, ok := cv.byPath[p.PkgPath]; !ok {
			cv.byPath[p.PkgPath] = p
		}
	})
	return cv
}

// codePkg is one package as the code version sees it.
type codePkg struct {
	p        *packages.Package
	followed bool   // its declarations are hashed
	module   string // when not followed: what stands for it in Covers
	indexed  bool
	units    map[types.Object]*codeUnit
	funcs    map[string]*codeUnit            // top-level functions by name
	methods  map[*types.TypeName][]*codeUnit // methods by receiver base type
	typeOf   map[*codeUnit]*types.TypeName   // the type of each type unit
	genFile  map[string]bool                 // generated files (not indexed)
}

// codeUnit is one hashed declaration: a function or method, a type spec, a
// var spec, or a whole const declaration (its iota and implicit repetitions
// make the specs inseparable).
type codeUnit struct {
	name   string
	pkg    *codePkg
	node   ast.Node // walked for references
	prefix string   // "type " or "var " before a spec's own tokens
	file   string
	start  token.Pos
	end    token.Pos

	resolved bool
	refs     []*codeUnit
	mods     []string
	text     string // normalized token text
}

// moduleOf is what stands in Covers for a package that is not followed, and
// whether the package is followed: packages of a module without a version
// (the main module, workspace modules, modules replaced by a directory).
func moduleOf(p *packages.Package) (entry string, followed bool) {
	m := p.Module
	if m == nil {
		return "std", false // the standard library (or GOPATH code)
	}
	path, version := m.Path, m.Version
	if r := m.Replace; r != nil {
		if r.Version == "" {
			return "", true
		}
		if r.Path != m.Path {
			path = m.Path + "=>" + r.Path
		}
		version = r.Version
	}
	if version == "" {
		return "", true
	}
	return path + "@" + version, false
}

func (cv *CodeVersions) pkg(path string) *codePkg {
	if cp, ok := cv.pkgs[path]; ok {
		return cp
	}
	p := cv.byPath[path]
	cp := &codePkg{p: p}
	if p == nil {
		cp.module = path + "@unknown"
	} else {
		cp.module, cp.followed = moduleOf(p)
		if cp.followed && (len(p.Syntax) == 0 || p.TypesInfo == nil) {
			cp.followed, cp.module = false, path+"@(no source)"
		}
	}
	cv.pkgs[path] = cp
	return cp
}

// index records the package's top-level declarations.
func (cv *CodeVersions) index(cp *codePkg) {
	if cp.indexed {
		return
	}
	cp.indexed = true
	cp.units = map[types.Object]*codeUnit{}
	cp.funcs = map[string]*codeUnit{}
	cp.methods = map[*types.TypeName][]*codeUnit{}
	cp.genFile = map[string]bool{}
	cp.typeOf = map[*codeUnit]*types.TypeName{}
	p := cp.p
	qual := p.PkgPath + "."
	for _, f := range p.Syntax {
		fname := p.Fset.Position(f.Package).Filename
		if filepath.Base(fname) == GenFileName {
			cp.genFile[fname] = true
			continue
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				obj, _ := p.TypesInfo.Defs[d.Name].(*types.Func)
				if obj == nil || d.Name.Name == "_" {
					continue
				}
				u := &codeUnit{pkg: cp, node: d, file: fname, start: d.Pos(), end: d.End()}
				if recv := obj.Signature().Recv(); recv != nil {
					tn := baseTypeName(recv.Type())
					if tn == nil {
						continue
					}
					u.name = qual + tn.Name() + "." + d.Name.Name
					cp.methods[tn] = append(cp.methods[tn], u)
				} else {
					if d.Name.Name == "init" {
						continue // cannot be referenced
					}
					u.name = qual + d.Name.Name
					cp.funcs[d.Name.Name] = u
				}
				cp.units[obj] = u
			case *ast.GenDecl:
				switch d.Tok {
				case token.CONST:
					u := &codeUnit{pkg: cp, node: d, file: fname, start: d.Pos(), end: d.End()}
					var names []string
					for _, s := range d.Specs {
						names = cp.define(u, names, s.(*ast.ValueSpec).Names)
					}
					u.name = qual + strings.Join(names, ",")
				case token.VAR:
					for _, s := range d.Specs {
						s := s.(*ast.ValueSpec)
						u := &codeUnit{pkg: cp, node: s, prefix: "var ", file: fname, start: s.Pos(), end: s.End()}
						u.name = qual + strings.Join(cp.define(u, nil, s.Names), ",")
					}
				case token.TYPE:
					for _, s := range d.Specs {
						s := s.(*ast.TypeSpec)
						tn, _ := p.TypesInfo.Defs[s.Name].(*types.TypeName)
						if tn == nil || s.Name.Name == "_" {
							continue
						}
						u := &codeUnit{name: qual + s.Name.Name, pkg: cp, node: s, prefix: "type ", file: fname, start: s.Pos(), end: s.End()}
						cp.units[tn] = u
						cp.typeOf[u] = tn
					}
				}
			}
		}
	}
}

// goVersion is "go" and the go directive of p's module, "go" when unknown.
func goVersion(p *packages.Package) string {
	if p.Module != nil && p.Module.GoVersion != "" {
		return "go" + p.Module.GoVersion
	}
	return "go"
}

// define makes u the unit of each of idents the package defines (but _),
// and returns names with theirs appended.
func (cp *codePkg) define(u *codeUnit, names []string, idents []*ast.Ident) []string {
	for _, n := range idents {
		if obj := cp.p.TypesInfo.Defs[n]; obj != nil && n.Name != "_" {
			names = append(names, n.Name)
			cp.units[obj] = u
		}
	}
	return names
}

// baseTypeName is the type name of a receiver type T, *T or T[P].
func baseTypeName(t types.Type) *types.TypeName {
	t = types.Unalias(t)
	if p, ok := t.(*types.Pointer); ok {
		t = types.Unalias(p.Elem())
	}
	if n, ok := t.(*types.Named); ok {
		return n.Origin().Obj()
	}
	return nil
}

// Of returns the code version of fn, a top-level function or method of one
// of the loaded packages; false when its declaration is not in a followed
// package's syntax.
func (cv *CodeVersions) Of(fn *types.Func) (CodeVersion, bool) {
	if fn == nil || fn.Pkg() == nil {
		return CodeVersion{}, false
	}
	cp := cv.pkg(fn.Pkg().Path())
	if !cp.followed && cp.p != nil && len(cp.p.Syntax) > 0 && cp.p.TypesInfo != nil {
		// a package outside any module (GOPATH) or in a versioned one:
		// its own code is still what the function runs
		cp.followed = true
	}
	if !cp.followed {
		return CodeVersion{}, false
	}
	cv.index(cp)
	root := cp.units[fn.Origin()]
	if root == nil {
		return CodeVersion{}, false
	}
	units := map[*codeUnit]bool{}
	mods := map[string]bool{}
	queue := []*codeUnit{root}
	units[root] = true
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		cv.resolve(u)
		for _, m := range u.mods {
			mods[m] = true
		}
		for _, r := range u.refs {
			if !units[r] {
				units[r] = true
				queue = append(queue, r)
			}
		}
	}
	// The hashed names of the function's own package leave its import path
	// out (the cache key has it anyway): a package copied or moved keeps
	// its hashes.
	own := cp.p.PkgPath + "."
	modRoot := moduleRoot(cp.p)
	type entry struct{ name, text string }
	hashed := make([]entry, 0, len(units))
	v := CodeVersion{Covers: make([]string, 0, len(units)+len(mods))}
	for u := range units {
		name := u.name
		if u.pkg == cp {
			name = strings.TrimPrefix(name, own)
		}
		hashed = append(hashed, entry{name, u.text})
		v.Covers = append(v.Covers, u.name)
		v.Units = append(v.Units, unitLine(u, name, modRoot))
	}
	sort.Strings(v.Units)
	sort.Slice(hashed, func(i, j int) bool {
		if hashed[i].name != hashed[j].name {
			return hashed[i].name < hashed[j].name
		}
		return hashed[i].text < hashed[j].text
	})
	sort.Strings(v.Covers)
	modList := make([]string, 0, len(mods))
	for m := range mods {
		if m == "std" {
			m = "std@" + goVersion(cp.p)
		}
		modList = append(modList, m)
	}
	sort.Strings(modList)
	v.Covers = append(v.Covers, modList...)
	for _, m := range modList {
		v.Units = append(v.Units, "module "+m)
	}

	h := sha256.New()
	h.Write([]byte(codeVersionFormat))
	for _, e := range hashed {
		h.Write([]byte(e.name + "\n" + e.text + "\n"))
	}
	for _, m := range modList {
		h.Write([]byte(m + "\n"))
	}
	v.Hash = "sha256:" + hex.EncodeToString(h.Sum(nil))
	return v, true
}

// unitLine is u's line in CodeVersion.Units; root is the folder file
// paths are relative to (the task's module's), "" when unknown.
func unitLine(u *codeUnit, name, root string) string {
	kind := srcunit.Func
	switch n := u.node.(type) {
	case *ast.FuncDecl:
		if n.Recv != nil {
			kind = srcunit.Method
		}
	case *ast.GenDecl:
		kind = srcunit.Const
	default:
		kind = strings.TrimSpace(u.prefix)
	}
	return kind + " " + name + " " + srcunit.Hash(name, u.text) + " " + relFile(root, u.file)
}

// relFile is file relative to root, slash-separated; its base name when
// root is "" or file is on another volume.
func relFile(root, file string) string {
	if root != "" {
		if rel, err := filepath.Rel(root, file); err == nil {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.Base(file)
}

// moduleRoot is the root folder of p's module, "" outside modules.
func moduleRoot(p *packages.Package) string {
	if p == nil || p.Module == nil {
		return ""
	}
	if p.Module.Replace != nil && p.Module.Replace.Dir != "" {
		return p.Module.Replace.Dir
	}
	return p.Module.Dir
}

// resolve computes u's normalized text and direct references, once.
func (cv *CodeVersions) resolve(u *codeUnit) {
	if u.resolved {
		return
	}
	u.resolved = true
	u.text = u.prefix + cv.tokens(u.pkg.p.Fset, u.file, u.start, u.end)
	p := u.pkg.p
	info := p.TypesInfo
	seenU := map[*codeUnit]bool{u: true}
	seenM := map[string]bool{}
	addObj := func(obj types.Object) {
		if obj == nil || obj.Pkg() == nil {
			return
		}
		if _, ok := obj.(*types.PkgName); ok {
			return
		}
		switch o := obj.(type) {
		case *types.Func:
			obj = o.Origin()
		case *types.Var:
			obj = o.Origin()
		}
		cp := cv.pkg(obj.Pkg().Path())
		if !cp.followed {
			if !seenM[cp.module] {
				seenM[cp.module] = true
				u.mods = append(u.mods, cp.module)
			}
			return
		}
		cv.index(cp)
		r := cp.units[obj]
		if r == nil && cp.genFile[cp.p.Fset.Position(obj.Pos()).Filename] {
			r = cp.generatedTarget(obj.Name())
		}
		if r == nil {
			return // a local, parameter, field or label: inside its declaration
		}
		if !seenU[r] {
			seenU[r] = true
			u.refs = append(u.refs, r)
		}
		// a type brings its methods: what a value of it does depends on them
		if tn := cp.typeOf[r]; tn != nil {
			for _, m := range cp.methods[tn] {
				if !seenU[m] {
					seenU[m] = true
					u.refs = append(u.refs, m)
				}
			}
		}
	}
	addUnresolved := func(cp *codePkg, name string) {
		if cp == nil || !cp.followed {
			return
		}
		cv.index(cp)
		if r := cp.generatedTarget(name); r != nil && !seenU[r] {
			seenU[r] = true
			u.refs = append(u.refs, r)
		}
	}
	ast.Inspect(u.node, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			if obj := info.Uses[n]; obj != nil {
				addObj(obj)
			} else if info.Defs[n] == nil {
				// a generated wrapper of this package, blanked while loading
				addUnresolved(u.pkg, n.Name)
			}
		case *ast.SelectorExpr:
			if sel := info.Selections[n]; sel != nil {
				addObj(sel.Obj())
				if tn := baseTypeName(sel.Recv()); tn != nil {
					addObj(tn)
				}
				return true
			}
			if id, ok := n.X.(*ast.Ident); ok && info.Uses[n.Sel] == nil {
				if pn, ok := info.Uses[id].(*types.PkgName); ok {
					addUnresolved(cv.pkg(pn.Imported().Path()), n.Sel.Name)
					return false
				}
			}
		}
		return true
	})
}

// generatedTarget is the function whose generated wrapper is named name
// (FTask, FFlow, FTaskType, FFlowType): a call through the wrapper runs the
// function, so it is followed like a direct call.
func (cp *codePkg) generatedTarget(name string) *codeUnit {
	for _, suffix := range []string{"TaskType", "FlowType", "Task", "Flow"} {
		if fn, ok := strings.CutSuffix(name, suffix); ok && fn != "" {
			if u := cp.funcs[fn]; u != nil {
				return u
			}
		}
	}
	return nil
}

// tokens is the source of [start, end) in file as its tokens, comments and
// layout left out (srcunit.Normalize, the rule the runtime's stale-code
// check applies to the same range).
func (cv *CodeVersions) tokens(fset *token.FileSet, file string, start, end token.Pos) string {
	src, ok := cv.files[file]
	if !ok {
		b, err := os.ReadFile(file)
		if err != nil {
			b = []byte("unreadable " + file + ": " + err.Error())
		}
		src, cv.files[file] = b, b
	}
	tf := fset.File(start)
	if tf == nil {
		return ""
	}
	lo, hi := tf.Offset(start), tf.Offset(end)
	if lo < 0 || hi > len(src) || lo > hi {
		return ""
	}
	return srcunit.Normalize(src[lo:hi])
}

// directiveHash is srcunit.DirectiveHash of decl's directive lines (its
// doc comment's lines that start with srcunit.DirectivePrefix).
func directiveHash(decl *ast.FuncDecl) string {
	var lines []string
	if decl.Doc != nil {
		for _, c := range decl.Doc.List {
			if strings.HasPrefix(c.Text, srcunit.DirectivePrefix) {
				lines = append(lines, c.Text)
			}
		}
	}
	return srcunit.DirectiveHash(lines)
}
