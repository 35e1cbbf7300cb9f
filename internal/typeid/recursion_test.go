package typeid_test

import (
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/resultgen/resultgen/internal/typeid"
	"github.com/resultgen/resultgen/internal/typeid/internal/corpus"
)

// TestRecursionDescriptions pins the descriptions of recursive types: each
// named type is expanded once, where it is first met, and every later
// reference (including those inside its own expansion) is its bare name.
func TestRecursionDescriptions(t *testing.T) {
	cases := []struct {
		t    reflect.Type
		want string
	}{
		{reflect.TypeFor[corpus.Node](), `$C.Node=struct{Val int; Next *$C.Node; Kids []$C.Node; ByName map[string]*$C.Node}`},
		{reflect.TypeFor[*corpus.Node](), `*$C.Node=struct{Val int; Next *$C.Node; Kids []$C.Node; ByName map[string]*$C.Node}`},
		{reflect.TypeFor[[]corpus.Node](), `[]$C.Node=struct{Val int; Next *$C.Node; Kids []$C.Node; ByName map[string]*$C.Node}`},
		{reflect.TypeFor[corpus.A](), `$C.A=struct{B *$C.B=struct{As []$C.A; Self *$C.B}}`},
		{reflect.TypeFor[corpus.B](), `$C.B=struct{As []$C.A=struct{B *$C.B}; Self *$C.B}`},
		{reflect.TypeFor[corpus.Tree](), `$C.Tree=[]$C.Tree`},
		{reflect.TypeFor[corpus.StrMap](), `$C.StrMap=map[string]$C.StrMap`},
		{reflect.TypeFor[corpus.F](), `$C.F=func($C.F) $C.F`},
		{reflect.TypeFor[corpus.I](), `$C.I=interface{Next() $C.I}`},
		{reflect.TypeFor[corpus.R1](), `$C.R1=struct{Next map[string]$C.R2=struct{Next chan [2]$C.R3=struct{Back *$C.R1; Self []$C.R3}}}`},
		{reflect.TypeFor[corpus.R3](), `$C.R3=struct{Back *$C.R1=struct{Next map[string]$C.R2=struct{Next chan [2]$C.R3}}; Self []$C.R3}`},
		{reflect.TypeFor[corpus.Visitor](), `$C.Visitor=interface{Visit($C.Expr=interface{Accept($C.Visitor) $C.Expr}) $C.Visitor}`},
		{reflect.TypeFor[corpus.GTreeInt](), `$C.GTree[int]=struct{Val int; Kids map[string]*$C.GTree[int]; Parent *$C.GTree[int]}`},
		{reflect.TypeFor[corpus.EvenStr](), `$C.Even[string]=struct{Next *$C.Odd[string]=struct{Next *$C.Even[string]}}`},
		{reflect.TypeFor[corpus.SelfEmbed](), `$C.SelfEmbed=struct{*$C.SelfEmbed; V int}`},
		{reflect.TypeFor[corpus.RecFuncMap](), `$C.RecFuncMap=map[string]func($C.RecFuncMap) []$C.RecFuncMap`},
		{reflect.TypeFor[corpus.Wrap](), `$C.Wrap=struct{B $C.Box[*$C.Wrap]=struct{V *$C.Wrap}}`},
		{reflect.TypeFor[corpus.ListUser](), `$C.List[$C.User]=struct{Head $C.User=struct{ID int "msgpack:\"id\" json:\"id,omitempty\""; Name string "json:\"name\""; Created time.Time}; Tail *$C.List[$C.User]}`},
		{reflect.TypeFor[struct{ A, B corpus.Tree }](), `struct{A $C.Tree=[]$C.Tree; B $C.Tree}`},
	}
	for _, c := range cases {
		if got, want := typeid.OfReflect(c.t).Canonical(), expand(c.want); got != want {
			t.Errorf("%v:\n got: %s\nwant: %s", c.t, got, want)
		}
	}
}

// Test-local types: a five-type cycle, and a diamond chain in which every
// type is reachable along 2^depth paths.
type (
	cyc0 struct{ N *cyc1 }
	cyc1 struct{ N []cyc2 }
	cyc2 struct{ N map[string]cyc3 }
	cyc3 struct{ N [1]cyc4 }
	cyc4 struct {
		N    func(cyc0) cyc1
		Loop *cyc4
	}

	dia0  struct{ L, R *dia1 }
	dia1  struct{ L, R *dia2 }
	dia2  struct{ L, R *dia3 }
	dia3  struct{ L, R *dia4 }
	dia4  struct{ L, R *dia5 }
	dia5  struct{ L, R *dia6 }
	dia6  struct{ L, R *dia7 }
	dia7  struct{ L, R *dia8 }
	dia8  struct{ L, R *dia9 }
	dia9  struct{ L, R *dia10 }
	dia10 struct{ L, R *dia11 }
	dia11 struct{ L, R *dia12 }
	dia12 struct{ L, R *dia13 }
	dia13 struct{ L, R *dia14 }
	dia14 struct{ L, R *dia15 }
	dia15 struct{ L, R *dia16 }
	dia16 struct{ L, R *dia17 }
	dia17 struct{ L, R *dia18 }
	dia18 struct{ L, R *dia19 }
	dia19 struct{ L, R *dia0 }
)

// TestRecursionTerminates checks, for recursive and heavily shared types,
// that every named type reachable from the root is expanded exactly once
// (opaque types never), and that the description stays small.
func TestRecursionTerminates(t *testing.T) {
	roots := []reflect.Type{
		reflect.TypeFor[cyc0](), reflect.TypeFor[cyc2](), reflect.TypeFor[*cyc4](),
		reflect.TypeFor[dia0](), reflect.TypeFor[dia7](), reflect.TypeFor[[]dia19](),
		reflect.TypeFor[corpus.Node](), reflect.TypeFor[corpus.A](), reflect.TypeFor[corpus.B](),
		reflect.TypeFor[corpus.R2](), reflect.TypeFor[corpus.Expr](), reflect.TypeFor[corpus.GTreeInt](),
		reflect.TypeFor[corpus.EvenStr](), reflect.TypeFor[corpus.SelfEmbed](), reflect.TypeFor[corpus.Wrap](),
		reflect.TypeFor[corpus.IfaceReturnsStruct](), reflect.TypeFor[corpus.Foreign](), reflect.TypeFor[corpus.Maps](),
		reflect.TypeFor[map[corpus.I][]corpus.F](),
	}
	for _, root := range roots {
		desc := typeid.OfReflect(root).Canonical()
		named := reachableNamed(root)
		if len(named) == 0 {
			t.Fatalf("%v: no named types reached", root)
		}
		for name := range named {
			want := 1
			if opaque[name] {
				want = 0
			}
			if got := strings.Count(desc, name+"="); got != want {
				t.Errorf("%v: %s expanded %d times, want %d\n%s", root, name, got, want, desc)
			}
			if !strings.Contains(desc, name) {
				t.Errorf("%v: %s missing from %s", root, name, desc)
			}
		}
		// Every expansion is written once, so the description is bounded by
		// the sum of the expansions' sizes; 500 bytes per named type is ample
		// for these roots (an exponential blow-up, as dia0 would give, is
		// millions).
		if limit := 500 * len(named); len(desc) > limit {
			t.Errorf("%v: description is %d bytes for %d named types", root, len(desc), len(named))
		}
	}
}

var opaque = map[string]bool{"error": true, "time.Time": true, "time.Location": true, "math/big.Int": true, "net/netip.Addr": true}

// reachableNamed returns the qualified names of the named types reachable
// from t through the parts a description walks.
func reachableNamed(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		if seen[t] {
			return
		}
		seen[t] = true
		switch {
		case t.Name() == "error" && t.PkgPath() == "":
			out["error"] = true
			return // opaque: not expanded, so not walked
		case t.Name() != "" && t.PkgPath() != "" && t.Kind() != reflect.UnsafePointer:
			name := t.PkgPath() + "." + t.Name()
			out[name] = true
			if opaque[name] {
				return
			}
		}
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Chan:
			walk(t.Elem())
		case reflect.Map:
			walk(t.Key())
			walk(t.Elem())
		case reflect.Func:
			for i := range t.NumIn() {
				walk(t.In(i))
			}
			for i := range t.NumOut() {
				walk(t.Out(i))
			}
		case reflect.Interface:
			for i := range t.NumMethod() {
				walk(t.Method(i).Type)
			}
		case reflect.Struct:
			for i := range t.NumField() {
				if f := t.Field(i); f.IsExported() || f.Anonymous {
					walk(f.Type)
				}
			}
		}
	}
	walk(t)
	return out
}

// TestDescribeConcurrently describes the same recursive types from many
// goroutines at once (run with -race): the writer keeps no shared state.
func TestDescribeConcurrently(t *testing.T) {
	want := typeid.Of[dia0]()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				if got := typeid.Of[dia0](); got != want {
					t.Errorf("got %v, want %v", got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}
