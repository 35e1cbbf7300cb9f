package reliability

import (
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/scanner"
	"go/token"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// A mutation is one edit of a file of the program, made without go
// generate.
type mutation struct {
	what string // "func shout: literal changed"
	file string // slash-separated, relative to the module's root
	src  string // the file's new content
	// other and otherSrc are a second file the edit changes, if any.
	other, otherSrc string
}

// unitRef is one declaration a package's generated code covers, from a
// unit line "KIND NAME HASH FILE".
type unitRef struct{ kind, name, file string }

func (u unitRef) String() string { return u.kind + " " + u.name }

// packageUnits returns the declaration and directive lines of the
// runtime.Package a generated file declares.
func packageUnits(gen string) (decls, directives []unitRef) {
	block := gen[strings.Index(gen, "&runtime.Package{"):]
	block = block[:strings.Index(block, "\n}\n")]
	for _, m := range regexp.MustCompile(`"(\w+) (\S+) [0-9a-f]{12} (\S+)"`).FindAllStringSubmatch(block, -1) {
		u := unitRef{m[1], m[2], m[3]}
		if u.kind == "directive" {
			directives = append(directives, u)
		} else {
			decls = append(decls, u)
		}
	}
	return decls, directives
}

// mutations are the edits the stale-code test makes, by class.
type mutations struct {
	code      []mutation // code of covered declarations: the package is stale
	directive []mutation // directive lines: stale
	keep      []mutation // comments, blank lines, layout, moves, and code no task reaches: not stale
	// gaps change no code either, but the generated code sees them today:
	// a task function moved within its file (result_gen.go follows the
	// order of the tasks) and a declaration moved to another file (unit
	// lines name the file). They are run and logged, not counted.
	gaps []mutation
}

// makeMutations derives, from the program's files (by name), edits of every
// declaration the generated code covers (decls) and of every directive:
// each declaration gets code edits (a statement added, each literal
// changed, a field added or tagged, a type made an alias) and edits that
// change no code (a comment above and inside, blank lines, a reformat, a
// move to another place in its file); the declarations no task reaches get
// code edits that must change nothing either.
func makeMutations(files map[string]string, decls, directives []unitRef) (mutations, error) {
	var out mutations
	covered := map[string]bool{}
	for _, u := range decls {
		covered[u.file+" "+u.String()] = true
		src, ok := files[u.file]
		if !ok {
			return out, fmt.Errorf("%s: no such file", u.file)
		}
		d, err := locate(src, u.kind, u.name)
		if err != nil {
			return out, fmt.Errorf("%s: %s: %w", u.file, u, err)
		}
		out.code = append(out.code, d.codeEdits(u)...)
		out.keep = append(out.keep, d.layoutEdits(u)...)
		if other := otherFile(files, u.file); other != "" && !d.usesImports() {
			out.gaps = append(out.gaps, d.moveTo(u, other, files[other])...)
		}
	}
	for _, u := range directives {
		src := files[u.file]
		d, err := locate(src, "func", u.name)
		if err != nil {
			return out, fmt.Errorf("%s: directive of %s: %w", u.file, u.name, err)
		}
		out.directive = append(out.directive, d.directiveEdits(u)...)
	}
	// Code that no task reaches: main and its helper.
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, d := range allFuncs(files[name]) {
			u := unitRef{"func", d.name, name}
			if covered[name+" "+u.String()] || d.recv {
				continue
			}
			for _, m := range d.codeEdits(u) {
				m.what = "code no task reaches: " + m.what
				out.keep = append(out.keep, m)
			}
		}
	}
	for _, class := range [][]mutation{out.code, out.directive, out.keep, out.gaps} {
		for _, m := range class {
			if m.other != "" {
				if _, err := parser.ParseFile(token.NewFileSet(), m.other, m.otherSrc, parser.ParseComments); err != nil {
					return out, fmt.Errorf("%s: %s: the edit does not parse: %w", m.other, m.what, err)
				}
			}
			if m.src == files[m.file] {
				return out, fmt.Errorf("%s: %s changes nothing", m.file, m.what)
			}
			if _, err := parser.ParseFile(token.NewFileSet(), m.file, m.src, parser.ParseComments); err != nil {
				return out, fmt.Errorf("%s: %s: the edit does not parse: %w", m.file, m.what, err)
			}
		}
	}
	return out, nil
}

// located is one declaration in its file.
type located struct {
	src   string
	file  *ast.File
	fset  *token.FileSet
	name  string
	recv  bool
	decl  ast.Decl
	node  ast.Node // the FuncDecl, or the decl's only spec
	start int      // the doc comment's start, or the keyword's
	kw    int      // the func, type, var or const keyword
	end   int
}

func (d located) off(p token.Pos) int { return d.fset.Position(p).Offset }

// edit returns the file with src[lo:hi] replaced by s.
func (d located) edit(lo, hi int, s string) string { return d.src[:lo] + s + d.src[hi:] }

// locate finds the declaration of a unit line (KIND NAME, NAME unqualified
// or qualified) in src; a type, var or const must be alone in its
// declaration.
func locate(src, kind, name string) (located, error) {
	if i := strings.LastIndex(name, "/"); i >= 0 { // qualified: "example.com/m/pkg.T.M"
		name = name[i+1:]
		name = name[strings.Index(name, ".")+1:]
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ParseComments)
	if err != nil {
		return located{}, err
	}
	d := located{src: src, file: f, fset: fset}
	for _, decl := range f.Decls {
		switch decl := decl.(type) {
		case *ast.FuncDecl:
			if (kind == "func" || kind == "method") && funcName(decl) == name {
				d.decl, d.node, d.name, d.recv = decl, decl, name, decl.Recv != nil
				d.kw = d.off(decl.Pos())
				if decl.Doc != nil {
					d.start = d.off(decl.Doc.Pos())
				} else {
					d.start = d.kw
				}
				d.end = d.off(decl.End())
				return d, nil
			}
		case *ast.GenDecl:
			if decl.Tok.String() != kind {
				continue
			}
			for _, spec := range decl.Specs {
				if specName(spec) != name {
					continue
				}
				if len(decl.Specs) != 1 {
					return d, fmt.Errorf("%s is not alone in its declaration", name)
				}
				d.decl, d.node, d.name = decl, spec, name
				d.kw = d.off(decl.Pos())
				d.start = d.kw
				if decl.Doc != nil {
					d.start = d.off(decl.Doc.Pos())
				}
				d.end = d.off(decl.End())
				return d, nil
			}
		}
	}
	return d, fmt.Errorf("not found")
}

// allFuncs returns every function and method of src.
func allFuncs(src string) []located {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ParseComments)
	if err != nil {
		return nil
	}
	var out []located
	for _, decl := range f.Decls {
		if fn, ok := decl.(*ast.FuncDecl); ok {
			if d, err := locate(src, "func", funcName(fn)); err == nil && fn.Recv == nil {
				out = append(out, d)
			}
		}
	}
	return out
}

// funcName is "F", or "T.M" for a method.
func funcName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	t := fn.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	switch x := t.(type) {
	case *ast.IndexExpr:
		t = x.X
	case *ast.IndexListExpr:
		t = x.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name + "." + fn.Name.Name
	}
	return fn.Name.Name
}

// specName is the names a spec declares, joined by ",".
func specName(s ast.Spec) string {
	switch s := s.(type) {
	case *ast.TypeSpec:
		return s.Name.Name
	case *ast.ValueSpec:
		var n []string
		for _, id := range s.Names {
			if id.Name != "_" {
				n = append(n, id.Name)
			}
		}
		return strings.Join(n, ",")
	}
	return ""
}

// codeEdits are edits of d's code: each changes its tokens.
func (d located) codeEdits(u unitRef) []mutation {
	var out []mutation
	add := func(what, src string) {
		out = append(out, mutation{what: u.String() + ": " + what, file: u.file, src: src})
	}
	switch n := d.node.(type) {
	case *ast.FuncDecl:
		if n.Body != nil {
			lb := d.off(n.Body.Lbrace) + 1
			add("statement added", d.edit(lb, lb, " _ = 0;"))
		}
	case *ast.TypeSpec:
		if st, ok := n.Type.(*ast.StructType); ok {
			lb := d.off(st.Fields.Opening) + 1
			add("field added", d.edit(lb, lb, " edited bool;"))
			for _, f := range st.Fields.List {
				if f.Tag == nil {
					e := d.off(f.Type.End())
					add("field tag added", d.edit(e, e, " `json:\"edited\"`"))
					break
				}
			}
		} else if !n.Assign.IsValid() && n.TypeParams == nil {
			e := d.off(n.Name.End())
			add("made an alias", d.edit(e, e, " ="))
		}
	case *ast.ValueSpec:
		if len(n.Values) > 0 && !hasLiteral(n) {
			v := n.Values[0]
			add("value wrapped", d.edit(d.off(v.Pos()), d.off(v.End()), "("+d.src[d.off(v.Pos()):d.off(v.End())]+")"))
		}
	}
	ast.Inspect(d.node, func(x ast.Node) bool {
		lit, ok := x.(*ast.BasicLit)
		if !ok {
			return true
		}
		lo, hi := d.off(lit.Pos()), d.off(lit.End())
		switch lit.Kind {
		case token.INT:
			if v, err := strconv.ParseInt(lit.Value, 0, 64); err == nil {
				add("literal "+lit.Value+" changed", d.edit(lo, hi, strconv.FormatInt(v+1, 10)))
			}
		case token.FLOAT:
			add("literal "+lit.Value+" changed", d.edit(lo, hi, lit.Value+"1"))
		case token.STRING:
			add("literal "+lit.Value+" changed", d.edit(hi-1, hi-1, "x"))
		}
		return true
	})
	return out
}

func hasLiteral(n ast.Node) bool {
	found := false
	ast.Inspect(n, func(x ast.Node) bool {
		_, ok := x.(*ast.BasicLit)
		found = found || ok
		return !found
	})
	return found
}

// layoutEdits are edits of d that change no code: comments, blank lines, a
// reformat, a move.
func (d located) layoutEdits(u unitRef) []mutation {
	var out []mutation
	add := func(what, src string) {
		if src != d.src {
			out = append(out, mutation{what: u.String() + ": " + what, file: u.file, src: src})
		}
	}
	lineStart := strings.LastIndex(d.src[:d.start], "\n") + 1
	add("comment line above", d.edit(lineStart, lineStart, "// An edited comment line.\n"))
	if name := d.nameEnd(); name > 0 {
		add("block comment inside", d.edit(name, name, " /* an edited comment */"))
	}
	if eol := d.kw + strings.Index(d.src[d.kw:], "\n"); eol < d.end {
		add("line comment inside", d.edit(eol, eol, " // an edited comment"))
	}
	add("blank lines", d.edit(lineStart, d.end, "\n\n"+d.src[lineStart:d.kw]+strings.ReplaceAll(d.src[d.kw:d.end], "\n", "\n\n")))

	// A reformat: a line break after each comma and opening brace, then
	// gofmt, as an editor would.
	var s scanner.Scanner
	seg := []byte(d.src[d.kw:d.end])
	fs := token.NewFileSet()
	s.Init(fs.AddFile("", -1, len(seg)), seg, nil, 0)
	var b strings.Builder
	last := 0
	for {
		pos, tok, _ := s.Scan()
		if tok == token.EOF {
			break
		}
		if tok == token.COMMA || tok == token.LBRACE {
			end := int(pos) - 1 + 1 // the file's base is 1; the token is one byte
			b.Write(seg[last:end])
			b.WriteString("\n")
			last = end
		}
	}
	b.Write(seg[last:])
	if src, err := format.Source([]byte(d.edit(d.kw, d.end, b.String()))); err == nil {
		add("reformatted", string(src))
	}

	// Another: the declaration on one line, semicolons written out.
	if strings.Contains(d.src[d.kw:d.end], "\n") {
		s.Init(token.NewFileSet().AddFile("", -1, len(seg)), seg, nil, 0)
		var words []string
		for {
			_, tok, lit := s.Scan()
			if tok == token.EOF {
				break
			}
			if lit == "" || tok == token.SEMICOLON {
				lit = tok.String()
			}
			words = append(words, lit)
		}
		add("joined onto one line", d.edit(d.kw, d.end, strings.TrimSuffix(strings.Join(words, " "), " ;")))
	}

	// A move: to the end of the file, or, when it is last, before the
	// first declaration.
	whole := d.src[lineStart:d.end] + "\n"
	rest := d.edit(lineStart, min(d.end+1, len(d.src)), "")
	rest = strings.Replace(rest, "\n\n\n", "\n\n", 1)
	if strings.TrimSpace(d.src[d.end:]) != "" {
		add("moved to the end of its file", strings.TrimRight(rest, "\n")+"\n\n"+whole)
	} else {
		first := d.off(firstDecl(d.file))
		first = strings.LastIndex(d.src[:first], "\n") + 1
		add("moved up", d.src[:first]+whole+"\n"+strings.TrimRight(rest[first:], "\n")+"\n")
	}
	return out
}

// usesImports reports whether d refers to another package (or to a field
// or method: any selector), so that moving it to another file may need
// imports there.
func (d located) usesImports() bool {
	found := false
	ast.Inspect(d.node, func(x ast.Node) bool {
		_, ok := x.(*ast.SelectorExpr)
		found = found || ok
		return !found
	})
	return found
}

// otherFile is the file after file among files (not main.go), cyclically.
func otherFile(files map[string]string, file string) string {
	var names []string
	for name := range files {
		if !strings.HasSuffix(name, "/main.go") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for i, name := range names {
		if name == file && len(names) > 1 {
			return names[(i+1)%len(names)]
		}
	}
	return ""
}

// moveTo moves d, with its doc comment, to the end of the file other.
func (d located) moveTo(u unitRef, other, otherSrc string) []mutation {
	lineStart := strings.LastIndex(d.src[:d.start], "\n") + 1
	whole := d.src[lineStart:d.end] + "\n"
	rest := strings.Replace(d.edit(lineStart, min(d.end+1, len(d.src)), ""), "\n\n\n", "\n\n", 1)
	return []mutation{{what: u.String() + ": moved to " + other, file: u.file, src: strings.TrimRight(rest, "\n") + "\n",
		other: other, otherSrc: strings.TrimRight(otherSrc, "\n") + "\n\n" + whole}}
}

// nameEnd is the offset just past the declared name (of a function, type,
// or a value spec's first name), or 0.
func (d located) nameEnd() int {
	switch n := d.node.(type) {
	case *ast.FuncDecl:
		return d.off(n.Name.End())
	case *ast.TypeSpec:
		return d.off(n.Name.End())
	case *ast.ValueSpec:
		return d.off(n.Names[0].End())
	}
	return 0
}

// firstDecl is where the first declaration after the imports starts,
// its doc comment included.
func firstDecl(f *ast.File) token.Pos {
	for _, decl := range f.Decls {
		switch decl := decl.(type) {
		case *ast.GenDecl:
			if decl.Tok == token.IMPORT {
				continue
			}
			if decl.Doc != nil {
				return decl.Doc.Pos()
			}
		case *ast.FuncDecl:
			if decl.Doc != nil {
				return decl.Doc.Pos()
			}
		}
		return decl.Pos()
	}
	return f.End()
}

// directiveEdits are edits of the directive line of the task d.
func (d located) directiveEdits(u unitRef) []mutation {
	fn, ok := d.node.(*ast.FuncDecl)
	if !ok || fn.Doc == nil {
		return nil
	}
	var out []mutation
	for _, c := range fn.Doc.List {
		if !strings.HasPrefix(c.Text, "//result:") {
			continue
		}
		e := d.off(c.End())
		for _, opt := range []string{" retries=1", " cache_expiration=24h", " name=edited"} {
			out = append(out, mutation{what: "directive of " + u.name + ": " + strings.TrimSpace(opt) + " added", file: u.file, src: d.edit(e, e, opt)})
		}
	}
	return out
}
