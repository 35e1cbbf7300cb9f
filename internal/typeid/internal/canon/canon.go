// Package canon writes the canonical description of a Go type that package
// typeid documents. It works on Type, a reflect-like view of a type, so that
// the reflect side (package typeid) and the go/types side (package
// typeidtypes) share one writer and cannot drift apart.
package canon

import (
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/resultgen/resultgen/internal/rules"
)

// Type is the view of a Go type the writer needs. It mirrors reflect.Type: a
// named type answers the structural methods for its underlying type.
type Type interface {
	Kind() reflect.Kind
	// QualName is the qualified name of a named (defined) type: "error",
	// or PkgPath + "." + Name where Name carries the type arguments of a
	// generic instantiation as the Go runtime writes them. It is "" for
	// unnamed types and for the predeclared basic types.
	QualName() string
	Elem() Type // Pointer, Slice, Array, Map, Chan
	Key() Type  // Map
	Len() int64 // Array
	ChanDir() reflect.ChanDir
	NumField() int
	Field(i int) Field
	NumIn() int
	In(i int) Type
	NumOut() int
	Out(i int) Type
	IsVariadic() bool
	NumMethod() int // interfaces only
	Method(i int) Method
}

// Field is one struct field.
type Field struct {
	Name     string
	Exported bool
	Embedded bool
	Tag      reflect.StructTag
	Type     Type
}

// Method is one interface method; Type is its signature (a Func).
type Method struct {
	Name    string
	PkgPath string // "" for exported methods
	Type    Type
}

// Opaque lists the named types that are written by name only, never
// expanded into their underlying structure.
var Opaque = map[string]bool{
	"error":              true,
	"time.Time":          true,
	"time.Location":      true,
	"math/big.Int":       true,
	"math/big.Float":     true,
	"math/big.Rat":       true,
	"net/netip.Addr":     true,
	"net/netip.AddrPort": true,
	"net/netip.Prefix":   true,
}

// TagKeys are the struct-tag keys that count (those of the serializers
// that read tags), in the order they are written.
var TagKeys = []string{rules.Msgpack, rules.JSON}

// Describe returns the canonical description of t.
func Describe(t Type) string {
	w := writer{seen: map[string]bool{}}
	w.typ(t)
	return w.b.String()
}

type writer struct {
	b    strings.Builder
	seen map[string]bool // named types already written (expanded or opaque)
}

func (w *writer) typ(t Type) {
	if name := t.QualName(); name != "" {
		w.b.WriteString(name)
		if Opaque[name] || w.seen[name] {
			return
		}
		// Mark before expanding: a reference to the type from inside its
		// own structure is written as the bare name, so recursion ends.
		w.seen[name] = true
		w.b.WriteByte('=')
	}
	w.structure(t)
}

func (w *writer) structure(t Type) {
	switch k := t.Kind(); k {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String:
		w.b.WriteString(k.String())
	case reflect.UnsafePointer:
		w.b.WriteString("unsafe.Pointer")
	case reflect.Pointer:
		w.b.WriteByte('*')
		w.typ(t.Elem())
	case reflect.Slice:
		w.b.WriteString("[]")
		w.typ(t.Elem())
	case reflect.Array:
		w.b.WriteByte('[')
		w.b.WriteString(strconv.FormatInt(t.Len(), 10))
		w.b.WriteByte(']')
		w.typ(t.Elem())
	case reflect.Map:
		w.b.WriteString("map[")
		w.typ(t.Key())
		w.b.WriteByte(']')
		w.typ(t.Elem())
	case reflect.Chan:
		w.chan_(t)
	case reflect.Func:
		w.b.WriteString("func")
		w.signature(t)
	case reflect.Interface:
		w.iface(t)
	case reflect.Struct:
		w.strct(t)
	default:
		w.b.WriteString("invalid")
	}
}

func (w *writer) chan_(t Type) {
	switch t.ChanDir() {
	case reflect.RecvDir:
		w.b.WriteString("<-chan ")
	case reflect.SendDir:
		w.b.WriteString("chan<- ")
	default:
		w.b.WriteString("chan ")
		// chan (<-chan T), as Go writes it: "chan <-chan T" would parse
		// as chan<- (chan T).
		if e := t.Elem(); e.QualName() == "" && e.Kind() == reflect.Chan && e.ChanDir() == reflect.RecvDir {
			w.b.WriteByte('(')
			w.typ(e)
			w.b.WriteByte(')')
			return
		}
	}
	w.typ(t.Elem())
}

// signature writes "(params) results" for a Func.
func (w *writer) signature(t Type) {
	w.b.WriteByte('(')
	for i := range t.NumIn() {
		if i > 0 {
			w.b.WriteString(", ")
		}
		if t.IsVariadic() && i == t.NumIn()-1 {
			w.b.WriteString("...")
			w.typ(t.In(i).Elem())
			continue
		}
		w.typ(t.In(i))
	}
	w.b.WriteByte(')')
	switch n := t.NumOut(); n {
	case 0:
	case 1:
		w.b.WriteByte(' ')
		w.typ(t.Out(0))
	default:
		w.b.WriteString(" (")
		for i := range n {
			if i > 0 {
				w.b.WriteString(", ")
			}
			w.typ(t.Out(i))
		}
		w.b.WriteByte(')')
	}
}

func (w *writer) iface(t Type) {
	n := t.NumMethod()
	if n == 0 {
		w.b.WriteString("any")
		return
	}
	ms := make([]Method, n)
	for i := range n {
		ms[i] = t.Method(i)
	}
	slices.SortFunc(ms, CompareMethods)
	w.b.WriteString("interface{")
	for i, m := range ms {
		if i > 0 {
			w.b.WriteString("; ")
		}
		if m.PkgPath != "" {
			w.b.WriteString(m.PkgPath)
			w.b.WriteByte('.')
		}
		w.b.WriteString(m.Name)
		w.signature(m.Type)
	}
	w.b.WriteByte('}')
}

// CompareMethods orders methods as the Go toolchain does: exported before
// unexported, then by name, then by package path.
func CompareMethods(a, b Method) int {
	if ea, eb := a.PkgPath == "", b.PkgPath == ""; ea != eb {
		if ea {
			return -1
		}
		return 1
	}
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	return strings.Compare(a.PkgPath, b.PkgPath)
}

func (w *writer) strct(t Type) {
	w.b.WriteString("struct{")
	first := true
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.Exported && !f.Embedded {
			continue // no serializer reads it
		}
		if !first {
			w.b.WriteString("; ")
		}
		first = false
		if !f.Embedded {
			w.b.WriteString(f.Name)
			w.b.WriteByte(' ')
		}
		w.typ(f.Type)
		if tag := Tag(f.Tag); tag != "" {
			w.b.WriteByte(' ')
			w.b.WriteString(strconv.Quote(tag))
		}
	}
	w.b.WriteByte('}')
}

// Tag keeps the keys of TagKeys that tag has, rewritten in a fixed order and
// spacing: `json:"id,omitempty" xml:"x"  msgpack:"id"` becomes
// `msgpack:"id" json:"id,omitempty"`.
func Tag(tag reflect.StructTag) string {
	var b strings.Builder
	for _, k := range TagKeys {
		v, ok := tag.Lookup(k)
		if !ok {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k)
		b.WriteByte(':')
		b.WriteString(strconv.Quote(v))
	}
	return b.String()
}
