package srcunit

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/sweep"
)

// astDecls is what the generator finds in a file with go/ast: the units of
// internal/model's code versions, with the same ranges.
func astDecls(t testing.TB, fset *token.FileSet, f *ast.File, src []byte) []string {
	t.Helper()
	off := func(p token.Pos) int { return fset.Position(p).Offset }
	text := func(prefix string, lo, hi token.Pos) string { return prefix + Normalize(src[off(lo):off(hi)]) }
	var out []string
	add := func(kind, name, text string, dirs []string) {
		out = append(out, fmt.Sprintf("%s %s %q %q", kind, name, text, dirs))
	}
	names := func(ids []*ast.Ident) []string {
		var ns []string
		for _, id := range ids {
			if id.Name != "_" {
				ns = append(ns, id.Name)
			}
		}
		return ns
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			var dirs []string
			if d.Doc != nil {
				for _, c := range d.Doc.List {
					if strings.HasPrefix(c.Text, DirectivePrefix) {
						dirs = append(dirs, c.Text)
					}
				}
			}
			name, kind := d.Name.Name, Func
			if d.Recv != nil && (len(d.Recv.List) != 1 || len(d.Recv.List[0].Names) > 1) {
				continue // no type checker accepts it
			}
			if d.Recv != nil {
				base := recvBase(d.Recv.List[0].Type)
				if base == "" || base == "_" {
					continue
				}
				name, kind = base+"."+name, Method
			} else if name == "init" {
				continue
			}
			if d.Name.Name == "_" {
				continue
			}
			add(kind, name, text("", d.Pos(), d.End()), dirs)
		case *ast.GenDecl:
			switch d.Tok {
			case token.CONST:
				if len(d.Specs) == 0 {
					continue
				}
				var ns []string
				for _, s := range d.Specs {
					ns = append(ns, names(s.(*ast.ValueSpec).Names)...)
				}
				if len(ns) > 0 {
					add(Const, strings.Join(ns, ","), text("", d.Pos(), d.End()), nil)
				}
			case token.VAR:
				for _, s := range d.Specs {
					s := s.(*ast.ValueSpec)
					if ns := names(s.Names); len(ns) > 0 {
						add(Var, strings.Join(ns, ","), text("var ", s.Pos(), s.End()), nil)
					}
				}
			case token.TYPE:
				for _, s := range d.Specs {
					s := s.(*ast.TypeSpec)
					if s.Name.Name != "_" {
						add(Type, s.Name.Name, text("type ", s.Pos(), s.End()), nil)
					}
				}
			}
		}
	}
	return out
}

func recvBase(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

func scannedDecls(src []byte) []string {
	var out []string
	for _, d := range Decls(src) {
		if d.Hash(d.Name, src) != Hash(d.Name, d.Text(src)) {
			out = append(out, "Decl.Hash differs from Hash of Decl.Text")
		}
		out = append(out, fmt.Sprintf("%s %s %q %q", d.Kind, d.Name, d.Text(src), d.Directives))
	}
	return out
}

func compare(t *testing.T, name string, src []byte) bool {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return true // not Go the generator would see
	}
	want, got := astDecls(t, fset, f, src), scannedDecls(src)
	if !slices.Equal(want, got) {
		for i := range max(len(want), len(got)) {
			var w, g string
			if i < len(want) {
				w = want[i]
			}
			if i < len(got) {
				g = got[i]
			}
			if w != g {
				t.Errorf("%s: unit %d:\n go/ast: %.300s\n  Decls: %.300s", name, i, w, g)
				break
			}
		}
		return false
	}
	return true
}

// TestSweepDeclsAgreeWithAST: Decls finds the units go/ast finds, with the same
// text, in every file of the standard library's source (or a part of it in
// -short mode).
func TestSweepDeclsAgreeWithAST(t *testing.T) {
	sweep.Skip(t)
	root := filepath.Join(goroot(t), "src")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("no standard library source: %v", err)
	}
	files, bad := 0, 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			// testdata holds code that does not type-check, which the
			// generator never hashes; cmd is more of the same
			if d.Name() == "testdata" || d.Name() == "vendor" || path == filepath.Join(root, "cmd") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		if !compare(t, path, src) {
			bad++
			if bad > 10 {
				return fs.SkipAll
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("compared only %d files", files)
	}
	t.Logf("%d files compared", files)
}

// TestDirectives: the directive lines of a function are those of its doc
// comment, as go/parser finds it, whatever the comments around it.
func TestDirectives(t *testing.T) {
	src := `package p

var x = 1 //result:task not a doc comment

//result:task
func A() {}

//result:task

func B() {} // a blank line: no doc comment

// A comment.
//result:task name=c
// More.
//result:persist
func C() {}

/* block */ //result:task
func D() {}

//result:task storage_key="{{x}}"
/* then a block */
func E() {}

type T struct{}

//result:task
func (t *T) M() {}

func F() {} //result:task after

//result:flow
// group one

// group two
func G() {}
`
	compare(t, "directives.go", []byte(src))
	got := map[string][]string{}
	for _, d := range Decls([]byte(src)) {
		got[d.Name] = d.Directives
	}
	want := map[string][]string{
		"A": {"//result:task"}, "B": nil, "C": {"//result:task name=c", "//result:persist"},
		"D": {"//result:task"}, "E": {`//result:task storage_key="{{x}}"`}, "T.M": {"//result:task"},
		"F": nil, "G": nil,
	}
	for name, w := range want {
		if !slices.Equal(got[name], w) {
			t.Errorf("%s: directives %q, want %q", name, got[name], w)
		}
	}
}

// TestTricky: declarations whose ranges a scanner could get wrong.
func TestTricky(t *testing.T) {
	src := "package p\r\n\r\nimport (\n\t\"fmt\"\n)\n\n" +
		"const (\n\tA = iota // a\n\t_\n\tB\n)\n\n" +
		"const C, _, D = 1, 2, 3\n\n" +
		"var (\n\tx, y = func() int { return 1 }(), `raw\r\nstring`\n\t_ = fmt.Sprint\n\tz struct{ a, b int }\n)\n\n" +
		"var w = map[string][]int{\n\t\"a\": {1, 2,},\n}\n\n" +
		"type (\n\tG[K comparable, V any] map[K]V\n\tAlias = G[string, int]\n\tI interface {\n\t\tM() (int, error)\n\t}\n)\n\n" +
		"func (g G[K, V]) Len() int { return len(g) }\n\n" +
		"func (_ *G[K, V]) Nil() {}\n\n" +
		"func (G[K, V]) Anon() {}\n\n" +
		"func Generic[T any, S ~[]T](s S) T { var z T; return z }\n\n" +
		"func asm(x int) int\n\n" +
		"func init() {}\n\n" +
		"func _() {}\n\n" +
		"func Label() {\nloop:\n\tfor {\n\t\tbreak loop\n\t}\n\tswitch {\n\tcase true:\n\t}\n}\n\n" +
		"var _ = 1\n\n" +
		"const ()\n\nvar ()\n"
	if !compare(t, "tricky.go", []byte(src)) {
		return
	}
	var names []string
	for _, d := range Decls([]byte(src)) {
		names = append(names, d.Kind+" "+d.Name)
	}
	want := []string{"const A,B", "const C,D", "var x,y", "var z", "var w", "type G", "type Alias", "type I",
		"method G.Len", "method G.Nil", "method G.Anon", "func Generic", "func asm", "func Label"}
	if !slices.Equal(names, want) {
		t.Errorf("units %q, want %q", names, want)
	}
}

// TestLayoutAndComments: a unit's hash ignores comments and layout and
// follows any edit of code.
func TestLayoutAndComments(t *testing.T) {
	hash := func(src string) string {
		t.Helper()
		for _, d := range Decls([]byte(src)) {
			if d.Name == "F" {
				return Hash(d.Name, d.Text([]byte(src)))
			}
		}
		t.Fatalf("no F in %q", src)
		return ""
	}
	base := hash("package p\nfunc F(a, b int) int {\n\treturn a + b\n}\n")
	for _, same := range []string{
		"package p\n\n// F adds.\nfunc F(a, b int) int { return a + b }\n",
		"package p\nfunc F(\n\ta, b int,\n) int {\n\treturn a + /* plus */ b // sum\n}\n",
		"package p\n\nvar unrelated = 2\n\n\n\nfunc F(a, b int) int {\n\treturn a + b\n}\n",
	} {
		if h := hash(same); h != base {
			t.Errorf("hash changed by a comment or layout edit:\n%s", same)
		}
	}
	for _, other := range []string{
		"package p\nfunc F(a, b int) int {\n\treturn a - b\n}\n",
		"package p\nfunc F(a, c int) int {\n\treturn a + c\n}\n",
		"package p\nfunc F(a, b int) int {\n\treturn a + b + 0\n}\n",
	} {
		if h := hash(other); h == base {
			t.Errorf("hash unchanged by a code edit:\n%s", other)
		}
	}
}

func BenchmarkDecls(b *testing.B) {
	src, err := os.ReadFile(filepath.Join(goroot(b), "src", "net", "http", "server.go"))
	if err != nil {
		b.Skip(err)
	}
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		for _, d := range Decls(src) {
			_ = Hash(d.Name, d.Text(src))
		}
	}
}

// goroot is the GOROOT of the go command on PATH, whose standard library
// the tests read.
func goroot(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Skipf("go env GOROOT: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// A Scanner reused file after file (the runtime's stale-code check keeps
// one per worker) finds the units and hashes Decls and Decl.Hash find,
// whatever the files before it left in its memory.
func TestScannerReuse(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(goroot(t), "src", "strings", "*.go"))
	if err != nil || len(files) == 0 {
		t.Skip("no standard library sources")
	}
	var sc Scanner
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want := Decls(src)
		got := sc.Decls(src)
		if len(got) != len(want) {
			t.Fatalf("%s: %d units, want %d", f, len(got), len(want))
		}
		for i := range want {
			if got[i].Kind != want[i].Kind || got[i].Name != want[i].Name {
				t.Fatalf("%s: unit %d is %s %s, want %s %s", f, i, got[i].Kind, got[i].Name, want[i].Kind, want[i].Name)
			}
			if h, w := sc.Hash(got[i], got[i].Name, src), Hash(want[i].Name, want[i].Text(src)); h != w {
				t.Fatalf("%s: %s %s: hash %s, want %s", f, want[i].Kind, want[i].Name, h, w)
			}
		}
	}
}
