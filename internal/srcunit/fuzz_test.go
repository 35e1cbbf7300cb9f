package srcunit

import (
	"go/parser"
	"go/token"
	"testing"
)

// FuzzDecls: Decls never panics, its ranges lie inside the source, and on
// a file go/parser accepts it finds what go/ast finds.
func FuzzDecls(f *testing.F) {
	for _, s := range []string{
		"package p\nfunc F() {}\n",
		"package p\n//result:task\nfunc (r *T[K]) M() int { return 1 }\n",
		"package p\nconst (\n\tA = iota\n\t_\n)\nvar x, y = 1, `raw`\ntype T[K any] struct{ k K }\n",
		"package p\nfunc (",
		"package p\ntype (",
		"package p\nvar",
		"package p\nfunc ((x)) m() {}\nfunc ()",
		"package p\n/* unterminated",
		"package p\nfunc (func() A) A() {}\nfunc (x pkg.T) M() {}\nfunc (a, b T) N() {}\nfunc (r [2]T) O() {}\nfunc (r T[K]) P() {}\nfunc (r T[K]U) Q() {}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, d := range Decls(src) {
			if d.Lo < 0 || d.Hi > len(src) || d.Lo > d.Hi {
				t.Fatalf("%s %s: range [%d, %d) outside %d bytes", d.Kind, d.Name, d.Lo, d.Hi, len(src))
			}
			_ = d.Text(src)
		}
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, "f.go", src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return
		}
		want, got := astDecls(t, fset, file, src), scannedDecls(src)
		if len(want) != len(got) {
			t.Fatalf("go/ast finds %d units, Decls %d:\n%q\n%q", len(want), len(got), want, got)
		}
		for i := range want {
			if want[i] != got[i] {
				t.Fatalf("unit %d:\n go/ast: %s\n  Decls: %s", i, want[i], got[i])
			}
		}
	})
}
