package typeid_test

import (
	"io"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/typeid"
	"github.com/resultgen/resultgen/internal/typeid/internal/corpus"
	"github.com/resultgen/resultgen/internal/typeid/internal/corpus/other"
)

const corpusPath = "github.com/resultgen/resultgen/internal/typeid/internal/corpus"

// expand replaces "$C" by corpus's import path.
func expand(s string) string { return strings.ReplaceAll(s, "$C", corpusPath) }

// TestGoldenDescriptions pins the canonical form: if one of these changes,
// every stored fingerprint changes with it (see "Stability" in the package
// documentation).
func TestGoldenDescriptions(t *testing.T) {
	const user = `$C.User=struct{ID int "msgpack:\"id\" json:\"id,omitempty\""; Name string "json:\"name\""; Created time.Time}`
	golden := []struct {
		name string
		t    reflect.Type
		want string
	}{
		{"int", reflect.TypeFor[int](), `int`},
		{"int64", reflect.TypeFor[int64](), `int64`},
		{"byte slice", reflect.TypeFor[[]byte](), `[]uint8`},
		{"rune", reflect.TypeFor[rune](), `int32`},
		{"any", reflect.TypeFor[any](), `any`},
		{"error", reflect.TypeFor[error](), `error`},
		{"map of any", reflect.TypeFor[map[string]any](), `map[string]any`},
		{"time", reflect.TypeFor[time.Time](), `time.Time`},
		{"duration", reflect.TypeFor[time.Duration](), `time.Duration=int64`},
		{"netip", reflect.TypeFor[*netip.Addr](), `*net/netip.Addr`},
		{"reader", reflect.TypeFor[io.Reader](), `io.Reader=interface{Read([]uint8) (int, error)}`},
		{"user", reflect.TypeFor[corpus.User](), user},
		{"user alias", reflect.TypeFor[corpus.UserAlias](), user},
		{"other user", reflect.TypeFor[other.User](), `$C/other.User=struct{Email string "json:\"email\""}`},
		{"named int", reflect.TypeFor[corpus.MyInt](), `$C.MyInt=int`},
		{"arrays", reflect.TypeFor[corpus.Arrays](), `$C.Arrays=struct{Zero [0]int; Four [4]uint8; Matrix [3][2]float64}`},
		{"node", reflect.TypeFor[corpus.Node](), `$C.Node=struct{Val int; Next *$C.Node; Kids []$C.Node; ByName map[string]*$C.Node}`},
		{"mutual", reflect.TypeFor[corpus.A](), `$C.A=struct{B *$C.B=struct{As []$C.A; Self *$C.B}}`},
		{"twice", reflect.TypeFor[corpus.Twice](), `$C.Twice=struct{A ` + user + `; B $C.User; C *$C.User}`},
		{"embed", reflect.TypeFor[corpus.WithEmbed](), `$C.WithEmbed=struct{$C.Base=struct{ID int "json:\"id\""; Kind string}; *$C.Meta=struct{Note string} "json:\"meta\""; $C.inner=struct{X int}; Name string}`},
		{"tags", reflect.TypeFor[corpus.Tags](), `$C.Tags=struct{Skip int "json:\"-\""; Omit string "msgpack:\",omitempty\""; Spacing string "msgpack:\"b\" json:\"a\""; Empty string "json:\"\""; Quote string "json:\"q\\\"x\""}`},
		{"funcs", reflect.TypeFor[corpus.Funcs](), `$C.Funcs=struct{F func(int) error; C chan<- string; R <-chan []uint8; CC chan (<-chan int); V func(...int); M func(string, int) (int, bool, error)}`},
		{"interfaces", reflect.TypeFor[corpus.Interfaces](), `$C.Interfaces=struct{Any any; Empty any; Err error; Reader io.Reader=interface{Read([]uint8) (int, error)}; ReadCloser interface{Close() error; Read([]uint8) (int, error)}; Stringer fmt.Stringer=interface{String() string}; Mixed interface{M(int) string; Z(...string) (bool, error); $C.m()}}`},
		{"pair", reflect.TypeFor[corpus.PairIntString](), `$C.Pair[int,string]=struct{Key int "msgpack:\"k\""; Val string "msgpack:\"v\""}`},
		{"nested generic", reflect.TypeFor[corpus.NestedBox](), `$C.Box[$C.Box[$C.Pair[string,time.Time]]]=struct{V $C.Box[$C.Pair[string,time.Time]]=struct{V $C.Pair[string,time.Time]=struct{Key string "msgpack:\"k\""; Val time.Time "msgpack:\"v\""}}}`},
		{"generic anon struct arg", reflect.TypeFor[corpus.BoxIface](), `$C.Box[interface { M(); $C.m() }]=struct{V interface{M(); $C.m()}}`},
		{"generic alias", reflect.TypeFor[corpus.StrSet](), `map[string]struct{}`},
		{"nested anonymous", reflect.TypeFor[corpus.Nested](), `$C.Nested=struct{Inner struct{A int "json:\"a\""; Deep struct{B []struct{C string}}}; Ptr *struct{X int}}`},
		{"only unexported", reflect.TypeFor[corpus.OnlyUnexported](), `$C.OnlyUnexported=struct{}`},
		{"unsafe", reflect.TypeFor[corpus.Unsafe](), `$C.Unsafe=struct{P unsafe.Pointer; U uintptr}`},
	}
	for _, g := range golden {
		t.Run(g.name, func(t *testing.T) {
			if got, want := typeid.OfReflect(g.t).Canonical(), expand(g.want); got != want {
				t.Errorf("description changed\n got: %s\nwant: %s", got, want)
			}
		})
	}
}

// TestGoldenHashes pins a few hashes, so a change to the hashing itself is
// caught too.
func TestGoldenHashes(t *testing.T) {
	golden := []struct {
		fp   typeid.Fingerprint
		want string
	}{
		{typeid.Of[int](), "sha256:6da88c34ba124c41f977db66a4fc5c1a951708d285c81bb0d47c3206f4c27ca8"},
		{typeid.Of[[]byte](), "sha256:9abffb7ee4b99139692392d14744b457702b02b2a7fa5083f3507948ffcabb54"},
		{typeid.Of[map[string]any](), "sha256:26c0c2adc8ab309ae43ec9e419697304d0c5bc6def3858cf3b609bef3562b415"},
		{typeid.Of[time.Time](), "sha256:16c25373c0e30a87774893725bced0be5201c243d376f767ab6f02e7207fb0d0"},
		{typeid.Of[corpus.User](), "sha256:f37dfce27376226cfdf7f6c50ea9f96627d80f223bcb0793b7837f46a5370afe"},
		{typeid.Of[corpus.Node](), "sha256:fdf073d1b79a280e5303d4e41492341c8efb76cd9dc2d9426833fbfb09700091"},
		{typeid.Of[corpus.PairIntString](), "sha256:d2be1d721360e9e33bbc1e487574de0d0c112562bcbef02ffd6fb09c687ab450"},
		{typeid.Of[corpus.StructBase](), "sha256:5488aea2fdcc71ce8776fedd6666926333312e11eb58b1d76a7e5b76904a4c09"},
	}
	for _, g := range golden {
		if got := g.fp.Hash(); got != g.want {
			t.Errorf("hash of %s changed\n got: %s\nwant: %s", g.fp.Canonical(), got, g.want)
		}
	}
}

// TestChangesCount checks that each one-thing difference from a base type
// changes the fingerprint, and that the differences documented as not
// counting do not.
func TestChangesCount(t *testing.T) {
	differ := []struct {
		name string
		a, b typeid.Fingerprint
	}{
		{"field renamed", typeid.Of[corpus.StructBase](), typeid.Of[corpus.StructRenamed]()},
		{"field retyped int to int64", typeid.Of[corpus.StructBase](), typeid.Of[corpus.StructRetyped]()},
		{"msgpack tag changed", typeid.Of[corpus.StructBase](), typeid.Of[corpus.StructRetagged]()},
		{"field added", typeid.Of[corpus.StructBase](), typeid.Of[corpus.StructExtra]()},
		{"fields reordered", typeid.Of[corpus.StructBase](), typeid.Of[corpus.StructReordered]()},
		{"int vs int64", typeid.Of[int](), typeid.Of[int64]()},
		{"uint vs uintptr", typeid.Of[uint](), typeid.Of[uintptr]()},
		{"named vs underlying", typeid.Of[corpus.MyInt](), typeid.Of[int]()},
		{"named slice vs slice", typeid.Of[corpus.Bytes](), typeid.Of[[]byte]()},
		{"same name, other package", typeid.Of[corpus.User](), typeid.Of[other.User]()},
		{"array length", typeid.Of[[3]int](), typeid.Of[[4]int]()},
		{"array vs slice", typeid.Of[[3]int](), typeid.Of[[]int]()},
		{"pointer", typeid.Of[corpus.User](), typeid.Of[*corpus.User]()},
		{"map key", typeid.Of[map[string]int](), typeid.Of[map[int]int]()},
		{"map elem", typeid.Of[map[string]int](), typeid.Of[map[string]uint]()},
		{"chan dir", typeid.Of[chan int](), typeid.Of[<-chan int]()},
		{"variadic", typeid.Of[func([]int)](), typeid.Of[func(...int)]()},
		{"embedded vs named field", typeid.Of[struct{ corpus.Meta }](), typeid.Of[struct{ Meta corpus.Meta }]()},
		{"json tag", typeid.Of[struct {
			A int `json:"a"`
		}](), typeid.Of[struct {
			A int `json:"b"`
		}]()},
		{"json tag option", typeid.Of[struct {
			A int `json:"a"`
		}](), typeid.Of[struct {
			A int `json:"a,omitempty"`
		}]()},
		{"type argument", typeid.Of[corpus.Box[int]](), typeid.Of[corpus.Box[int64]]()},
		{"interface method", typeid.Of[interface{ M() }](), typeid.Of[interface{ N() }]()},
		{"deep field", typeid.Of[map[string][]struct{ X int }](), typeid.Of[map[string][]struct{ X uint }]()},
	}
	for _, d := range differ {
		if d.a == d.b || d.a.Hash() == d.b.Hash() {
			t.Errorf("%s: same fingerprint %s", d.name, d.a)
		}
	}
	same := []struct {
		name string
		a, b typeid.Fingerprint
	}{
		{"other tag keys, tag order and spacing", typeid.Of[corpus.StructBase](), typeid.Of[corpus.StructOtherTagKey]()},
		{"unexported fields", typeid.Of[corpus.StructBase](), typeid.Of[corpus.StructUnexportedChanged]()},
		{"alias", typeid.Of[corpus.User](), typeid.Of[corpus.AliasOfAlias]()},
		{"byte and uint8", typeid.Of[[]byte](), typeid.Of[[]uint8]()},
		{"any and interface{}", typeid.Of[any](), typeid.Of[interface{}]()},
		{"parameter names", typeid.Of[func(a int) (b string)](), typeid.Of[func(int) string]()},
		{"method order", typeid.Of[interface {
			A()
			B()
		}](), typeid.Of[interface {
			B()
			A()
		}]()},
	}
	for _, s := range same {
		if s.a != s.b {
			t.Errorf("%s: fingerprints differ\n%s\n%s", s.name, s.a, s.b)
		}
	}
}

func TestFingerprint(t *testing.T) {
	var zero typeid.Fingerprint
	if !zero.IsZero() || zero.String() != "<no type>" || zero.Hash() != "" || zero.Canonical() != "" {
		t.Errorf("zero Fingerprint: %q %q %q", zero.String(), zero.Hash(), zero.Canonical())
	}
	if got := typeid.OfReflect(nil); got != zero {
		t.Errorf("OfReflect(nil) = %v, want zero", got)
	}
	fp := typeid.Of[[]string]()
	if fp.IsZero() {
		t.Fatal("Of[[]string] is zero")
	}
	if fp != typeid.OfReflect(reflect.TypeFor[[]string]()) {
		t.Error("Of and OfReflect differ")
	}
	if fp != typeid.FromCanonical("[]string") {
		t.Error("FromCanonical does not round-trip")
	}
	if want := fp.Hash() + " ([]string)"; fp.String() != want {
		t.Errorf("String() = %q, want %q", fp.String(), want)
	}
	if h := fp.Hash(); !strings.HasPrefix(h, typeid.HashPrefix) || len(h) != len(typeid.HashPrefix)+64 {
		t.Errorf("malformed hash %q", h)
	}
}
