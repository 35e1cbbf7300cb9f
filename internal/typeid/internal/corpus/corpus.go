// Package corpus is the set of types the typeid tests describe twice, once
// through reflect and once through go/types, and require to agree.
//
// Every exported type or alias declared here is a case; the tests fail if
// one is added here but not listed in the tests.
package corpus

//lint:file-ignore U1000 unexported fields are cases: type identities must cover them though nothing reads them
//lint:file-ignore SA5008 odd struct tags (a quote inside, repeated spaces) are cases the identities must keep apart

import (
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/netip"
	"net/url"
	"time"
	"unsafe"

	"github.com/resultgen/resultgen/internal/typeid/internal/corpus/other"
)

// Basics has a field of every basic kind.
type Basics struct {
	Bool    bool
	Int     int
	Int8    int8
	Int16   int16
	Int32   int32
	Int64   int64
	Uint    uint
	Uint8   uint8
	Uint16  uint16
	Uint32  uint32
	Uint64  uint64
	Uintptr uintptr
	Float32 float32
	Float64 float64
	C64     complex64
	C128    complex128
	String  string
	Byte    byte
	Rune    rune
}

type MyInt int

type Bytes []byte

type ByteSlice = []byte

type RuneSlice = []rune

type User struct {
	ID      int    `msgpack:"id" json:"id,omitempty" xml:"ignored"`
	Name    string `json:"name"`
	hidden  int
	Created time.Time
}

type UserPtr = *User

type NamedUserPtr *User

type UserAlias = User

type AliasOfAlias = UserAlias

// The Struct* aliases are unnamed structs that differ from StructBase by one
// thing each.
type (
	StructBase = struct {
		ID   int    `msgpack:"id" json:"id"`
		Name string `json:"name"`
		skip bool
	}
	StructRenamed = struct {
		ID       int    `msgpack:"id" json:"id"`
		FullName string `json:"name"`
		skip     bool
	}
	StructRetyped = struct {
		ID   int64  `msgpack:"id" json:"id"`
		Name string `json:"name"`
		skip bool
	}
	StructRetagged = struct {
		ID   int    `msgpack:"uid" json:"id"`
		Name string `json:"name"`
		skip bool
	}
	StructExtra = struct {
		ID    int    `msgpack:"id" json:"id"`
		Name  string `json:"name"`
		skip  bool
		Extra bool
	}
	StructReordered = struct {
		Name string `json:"name"`
		ID   int    `msgpack:"id" json:"id"`
		skip bool
	}
	// Same description as StructBase: xml tags and unexported fields do
	// not count, and tags are rewritten in a fixed order.
	StructOtherTagKey = struct {
		ID   int    `json:"id"   msgpack:"id" xml:"id"`
		Name string `json:"name" yaml:"n"`
		skip bool
	}
	StructUnexportedChanged = struct {
		ID    int    `msgpack:"id" json:"id"`
		Name  string `json:"name"`
		skip  string
		other int
	}
)

type Maps struct {
	Plain  map[string]int
	Named  map[MyInt][]*User
	ArrKey map[[2]int]string
	Deep   map[string][]map[int]*[2]Node
}

type Arrays struct {
	Zero   [0]int
	Four   [4]uint8
	Matrix [3][2]float64
}

type Base struct {
	ID   int `json:"id"`
	Kind string
}

type Meta struct{ Note string }

type inner struct{ X int }

type WithEmbed struct {
	Base
	*Meta `json:"meta"`
	inner
	Name string
}

// Node is directly recursive.
type Node struct {
	Val    int
	Next   *Node
	Kids   []Node
	ByName map[string]*Node
}

// A and B are mutually recursive.
type A struct {
	B *B
}

type B struct {
	As   []A
	Self *B
}

type Tree []Tree

type StrMap map[string]StrMap

type F func(F) F

type I interface{ Next() I }

type Event struct {
	At    time.Time
	AtPtr *time.Time
	Dur   time.Duration
	Loc   *time.Location
}

type Foreign struct {
	Addr netip.Addr
	URL  url.URL
	Big  *big.Int
	Raw  json.RawMessage
	User other.User
	Mine User
}

type Interfaces struct {
	Any        any
	Empty      interface{}
	Err        error
	Reader     io.Reader
	ReadCloser interface {
		io.Reader
		io.Closer
	}
	Stringer fmt.Stringer
	Mixed    interface {
		M(int) string
		m()
		Z(...string) (bool, error)
	}
}

type Pair[K comparable, V any] struct {
	Key K `msgpack:"k"`
	Val V `msgpack:"v"`
}

type Box[T any] struct{ V T }

type List[T any] struct {
	Head T
	Tail *List[T]
}

type Set[T comparable] = map[T]struct{}

type (
	PairIntString = Pair[int, string]
	PairUsers     = Pair[string, []User]
	BoxOtherMap   = Box[map[string]other.Thing]
	BoxAnonStruct = Box[struct {
		A int `json:"a"`
		b string
		User
		*other.Thing `x:"y"`
	}]
	BoxAny   = Box[any]
	BoxError = Box[error]
	BoxIface = Box[interface {
		M()
		m()
	}]
	BoxFunc  = Box[func(int, ...string) (bool, error)]
	BoxFuncs = Box[func()]
	BoxChan  = Box[chan (<-chan int)]
	BoxChans = Box[struct {
		S chan<- int
		R <-chan int
	}]
	BoxArray     = Box[[3]*int]
	BoxAlias     = Box[UserAlias]
	BoxByteRune  = Pair[byte, rune]
	BoxUnsafe    = Box[unsafe.Pointer]
	BoxEmpty     = Box[struct{}]
	OtherGeneric = other.Generic[Pair[int, other.Thing]]
	ListUser     = List[User]
	NestedBox    = Box[Box[Pair[string, time.Time]]]
	StrSet       = Set[string]
)

type EmbedGeneric struct {
	Pair[int, string]
	*Box[User]
}

type EmbedAlias struct {
	UserAlias
}

type Index map[MyInt]User

type Tags struct {
	Skip    int    `json:"-"`
	Omit    string `msgpack:",omitempty" yaml:"x"`
	Spacing string `json:"a"   msgpack:"b"`
	Empty   string `json:""`
	Quote   string `json:"q\"x"`
}

type Funcs struct {
	F  func(int) error
	C  chan<- string
	R  <-chan []byte
	CC chan (<-chan int)
	V  func(...int)
	M  func(string, int) (int, bool, error)
}

type Nested struct {
	Inner struct {
		A    int `json:"a"`
		Deep struct {
			B []struct{ C string }
		}
	}
	Ptr *struct{ X int }
}

type Unsafe struct {
	P unsafe.Pointer
	U uintptr
}

type Twice struct {
	A User
	B User
	C *User
}

type Empty struct{}

type OnlyUnexported struct{ a, b int }

type IfaceReturnsStruct interface {
	Get() struct{ X Node }
}

// R1, R2 and R3 form a cycle through a map, a channel and an array.
type R1 struct{ Next map[string]R2 }

type R2 struct{ Next chan [2]R3 }

type R3 struct {
	Back *R1
	Self []R3
}

// Visitor and Expr are mutually recursive interfaces.
type Visitor interface{ Visit(Expr) Visitor }

type Expr interface{ Accept(Visitor) Expr }

type GTree[T any] struct {
	Val    T
	Kids   map[string]*GTree[T]
	Parent *GTree[T]
}

type Even[T any] struct{ Next *Odd[T] }

type Odd[T any] struct{ Next *Even[T] }

type (
	GTreeInt = GTree[int]
	EvenStr  = Even[string]
)

// SelfEmbed embeds a pointer to itself.
type SelfEmbed struct {
	*SelfEmbed
	V int
}

type RecFuncMap map[string]func(RecFuncMap) []RecFuncMap

// Wrap refers to itself through a type argument.
type Wrap struct{ B Box[*Wrap] }
