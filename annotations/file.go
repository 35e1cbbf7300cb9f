package annotations

import (
	"fmt"
	"go/ast"
	"go/token"
	"regexp"
	"strings"

	"github.com/resultgen/resultgen/internal/suggest"
)

// ParseFile parses the directives of every top-level function in f (parsed
// with parser.ParseComments) and reports every //result: comment that is
// not in such a function's doc comment: on a method, on a type, var, const
// or import declaration, inside a function, or attached to nothing. Each
// misplaced comment line is one error at its "//". So is every line
// comment that is a mistyped directive ("// result:task", "//Result:flow",
// "//results:task", "//result :task", "//resutl:task"): the Go toolchain
// would ignore it silently, and the wrapper would just be missing.
//
// Directives come in declaration order; errors are sorted by position. fset
// is used for line numbers in messages and may be nil.
func ParseFile(fset *token.FileSet, f *ast.File) ([]*Directive, []Error) {
	var dirs []*Directive
	var errs []Error
	handled := map[*ast.Comment]bool{}
	for _, decl := range f.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok || fd.Doc == nil {
			continue
		}
		for _, c := range fd.Doc.List {
			if IsDirective(c.Text) {
				handled[c] = true
			}
		}
		d, e := Parse(fset, fd)
		if d != nil {
			dirs = append(dirs, d)
		}
		errs = append(errs, e...)
	}
	for _, g := range f.Comments {
		for _, c := range g.List {
			switch {
			case IsDirective(c.Text) && !handled[c]:
				errs = append(errs, Error{Pos: c.Slash, Msg: misplaced(fset, f, g, c)})
			case !IsDirective(c.Text):
				if fix, ok := nearMiss(c.Text); ok {
					errs = append(errs, Error{Pos: c.Slash, Msg: commentSubject(f, c) + fmt.Sprintf(
						"%q looks like a //result: directive but is not one, so it is ignored: write %s", clip(c.Text), fix)})
				}
			}
		}
	}
	sortErrors(errs)
	return dirs, errs
}

const onFuncs = "//result: directives go on top-level functions"

// misplaced explains why directive comment c (in group g) is not used.
func misplaced(fset *token.FileSet, f *ast.File, g *ast.CommentGroup, c *ast.Comment) string {
	in := func(n ast.Node) bool { return n != nil && n.Pos() <= c.Pos() && c.Pos() < n.End() }
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.GenDecl:
			if d.Doc == g || in(d) {
				return genDeclSubject(d, g, in) + ": " + onFuncs + ", not " + genDeclWhat(d.Tok)
			}
		case *ast.FuncDecl:
			if !in(d) {
				continue
			}
			subject := "func " + d.Name.Name
			if d.Recv != nil {
				subject = "method " + methodName(d)
			}
			if d.Body != nil && in(d.Body) {
				return subject + ": //result: directive inside a function body: directives go in the doc comment of a top-level function"
			}
			return subject + ": //result: directive inside a function declaration: directives go in the doc comment above it"
		}
	}
	msg := "//result: directive is not attached to a function: put it in the doc comment directly above a top-level function"
	if fset == nil {
		return msg
	}
	// A blank line between the comment and a function is the common slip.
	end := fset.Position(g.End()).Line
	for _, decl := range f.Decls {
		if decl.Pos() < g.End() {
			if fset.Position(decl.End()).Line == fset.Position(g.Pos()).Line {
				return msg // a trailing comment on a declaration's last line
			}
			continue
		}
		if fd, ok := decl.(*ast.FuncDecl); ok && fd.Recv == nil && fset.Position(fd.Pos()).Line > end+1 {
			msg += " (a blank line or other text separates it from func " + fd.Name.Name + ")"
		}
		break
	}
	return msg
}

func genDeclWhat(tok token.Token) string {
	switch tok {
	case token.TYPE:
		return "type declarations"
	case token.VAR:
		return "variables"
	case token.CONST:
		return "constants"
	case token.IMPORT:
		return "imports"
	}
	return "declarations"
}

// genDeclSubject names the spec of d that holds the comment, for a message
// prefix: "type T", "var x", `import "fmt"`.
func genDeclSubject(d *ast.GenDecl, g *ast.CommentGroup, in func(ast.Node) bool) string {
	var spec ast.Spec
	for _, s := range d.Specs {
		var doc *ast.CommentGroup
		switch s := s.(type) {
		case *ast.TypeSpec:
			doc = s.Doc
		case *ast.ValueSpec:
			doc = s.Doc
		case *ast.ImportSpec:
			doc = s.Doc
		}
		if doc == g || in(s) {
			spec = s
			break
		}
	}
	if spec == nil && len(d.Specs) > 0 {
		spec = d.Specs[0]
	}
	name := ""
	switch s := spec.(type) {
	case *ast.TypeSpec:
		name = s.Name.Name
	case *ast.ValueSpec:
		if len(s.Names) > 0 {
			name = s.Names[0].Name
		}
	case *ast.ImportSpec:
		if s.Path != nil {
			name = s.Path.Value
		}
	}
	if name == "" {
		return d.Tok.String()
	}
	return d.Tok.String() + " " + name
}

// nearMissRE matches a line comment that starts like a directive: a word,
// optional spaces, a colon and a first item, e.g. "// result:task",
// "//Results : flow", "//resutl:task".
var nearMissRE = regexp.MustCompile(`^//\s*([A-Za-z]+)\s*:\s*([a-z_]+)(?:[\s=]|$)`)

// nearMiss reports whether comment text is a mistyped directive: a prefix
// that is "result" but for spaces, case, a plural or a typo, followed by a
// known key. Prose such as "// Result: the sum" is left alone, since "the"
// is no key. fix is the line as it should be written.
func nearMiss(text string) (fix string, ok bool) {
	m := nearMissRE.FindStringSubmatchIndex(text)
	if m == nil {
		return "", false
	}
	word, key := text[m[2]:m[3]], text[m[4]:m[5]]
	if _, known := keyTable[key]; !known {
		return "", false
	}
	if w := strings.ToLower(word); w != "result" && w != "results" && suggest.EditDistance(w, "result") > 2 {
		return "", false
	}
	return Prefix + strings.TrimSpace(text[m[4]:]), true
}

// commentSubject is "func F: " when c is in F's doc comment or body, else "".
func commentSubject(f *ast.File, c *ast.Comment) string {
	for _, decl := range f.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok {
			continue
		}
		in := (fd.Doc != nil && fd.Doc.Pos() <= c.Pos() && c.Pos() < fd.Doc.End()) || (fd.Pos() <= c.Pos() && c.Pos() < fd.End())
		if in {
			if fd.Recv != nil {
				return "method " + methodName(fd) + ": "
			}
			return "func " + fd.Name.Name + ": "
		}
	}
	return ""
}

// clip shortens a comment for a message.
func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}
