package typeidtypes_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/typeid/typeidtypes"
)

// recursiveSrc is type-checked from source, without go/packages, to exercise
// the go/types side on recursion shapes the corpus does not have.
const recursiveSrc = `package p

type Self struct{ Next *Self }

type AliasToSelf = Self

type ViaAlias struct{ A *AliasToSelf; B []AliasToSelf }

type C0 struct{ N *C1 }
type C1 struct{ N []C2 }
type C2 struct{ N map[string]C3 }
type C3 struct{ N [1]C4 }
type C4 struct{ N func(C0) C1; Loop *C4 }

type Gen[T any] struct{ V T; Up *Gen[T] }
type GenAlias = Gen[Self]

type Iface interface{ M(Iface) (Iface, error); N() *Self }
`

func checkSource(t *testing.T, src string) *types.Package {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := (&types.Config{}).Check("example.com/p", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return pkg
}

func TestRecursionFromSource(t *testing.T) {
	pkg := checkSource(t, recursiveSrc)
	cases := map[string]string{
		"Self":     `P.Self=struct{Next *P.Self}`,
		"ViaAlias": `P.ViaAlias=struct{A *P.Self=struct{Next *P.Self}; B []P.Self}`,
		"C0":       `P.C0=struct{N *P.C1=struct{N []P.C2=struct{N map[string]P.C3=struct{N [1]P.C4=struct{N func(P.C0) P.C1; Loop *P.C4}}}}}`,
		"GenAlias": `P.Gen[P.Self]=struct{V P.Self=struct{Next *P.Self}; Up *P.Gen[P.Self]}`,
		"Iface":    `P.Iface=interface{M(P.Iface) (P.Iface, error); N() *P.Self=struct{Next *P.Self}}`,
	}
	for name, want := range cases {
		want = strings.ReplaceAll(want, "P.", "example.com/p.")
		got := typeidtypes.OfType(pkg.Scope().Lookup(name).Type()).Canonical()
		if got != want {
			t.Errorf("%s:\n got: %s\nwant: %s", name, got, want)
		}
	}
}

// TestDiamondFromSource: every type is reachable along 2^depth paths, and
// each is still expanded once.
func TestDiamondFromSource(t *testing.T) {
	const depth = 24
	var b strings.Builder
	b.WriteString("package p\n")
	for i := range depth {
		fmt.Fprintf(&b, "type D%d struct{ L, R *D%d }\n", i, (i+1)%depth)
	}
	pkg := checkSource(t, b.String())
	got := typeidtypes.OfType(pkg.Scope().Lookup("D0").Type()).Canonical()
	for i := range depth {
		name := fmt.Sprintf("example.com/p.D%d=", i)
		if n := strings.Count(got, name); n != 1 {
			t.Errorf("D%d expanded %d times", i, n)
		}
	}
	if len(got) > 200*depth {
		t.Errorf("description is %d bytes", len(got))
	}
}

// TestMainPackage: the Go runtime reports "main" as the package path of
// every type declared in a main package, whatever its import path.
func TestMainPackage(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "main.go", "package main\n\ntype Row struct{ N int }\n\ntype Box[T any] struct{ V T }\n\ntype B = Box[*Row]\n\nfunc main() {}\n", 0)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := (&types.Config{}).Check("example.com/cmd/app", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"Row": `main.Row=struct{N int}`,
		"B":   `main.Box[*main.Row]=struct{V *main.Row=struct{N int}}`,
	} {
		if got := typeidtypes.OfType(pkg.Scope().Lookup(name).Type()).Canonical(); got != want {
			t.Errorf("%s: got %s, want %s", name, got, want)
		}
	}
}
