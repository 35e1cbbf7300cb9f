// Package typeidtypes computes typeid fingerprints from go/types, for code
// generators: the fingerprint OfType returns for a type is the one
// typeid.Of returns, at run time, for the same type.
//
// It is a separate package so that programs using package typeid at run time
// do not link go/types.
//
// Two cases cannot match the run-time fingerprint, and are documented in
// package typeid: a type that still contains type parameters (written as
// "invalid"), and an instantiation of a generic type whose type arguments
// include a type declared inside a function (the Go runtime adds a
// compiler-chosen suffix, like "·1", to such names).
package typeidtypes

import (
	"go/types"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/resultgen/resultgen/internal/typeid"
	"github.com/resultgen/resultgen/internal/typeid/internal/canon"
)

// OfType returns the fingerprint of t. Aliases are resolved (types.Unalias)
// everywhere in t.
func OfType(t types.Type) typeid.Fingerprint {
	if t == nil {
		return typeid.Fingerprint{}
	}
	return typeid.FromCanonical(canon.Describe(wrap(t)))
}

// gtype adapts a types.Type to canon.Type. t is never an alias; u is its
// underlying type.
type gtype struct {
	t, u types.Type
}

func wrap(t types.Type) canon.Type {
	t = types.Unalias(t)
	return gtype{t: t, u: t.Underlying()}
}

var basicKinds = map[types.BasicKind]reflect.Kind{
	types.Bool:          reflect.Bool,
	types.Int:           reflect.Int,
	types.Int8:          reflect.Int8,
	types.Int16:         reflect.Int16,
	types.Int32:         reflect.Int32,
	types.Int64:         reflect.Int64,
	types.Uint:          reflect.Uint,
	types.Uint8:         reflect.Uint8,
	types.Uint16:        reflect.Uint16,
	types.Uint32:        reflect.Uint32,
	types.Uint64:        reflect.Uint64,
	types.Uintptr:       reflect.Uintptr,
	types.Float32:       reflect.Float32,
	types.Float64:       reflect.Float64,
	types.Complex64:     reflect.Complex64,
	types.Complex128:    reflect.Complex128,
	types.String:        reflect.String,
	types.UnsafePointer: reflect.UnsafePointer,
}

func (g gtype) Kind() reflect.Kind {
	switch u := g.u.(type) {
	case *types.Basic:
		return basicKinds[u.Kind()] // untyped and invalid kinds: reflect.Invalid
	case *types.Pointer:
		return reflect.Pointer
	case *types.Slice:
		return reflect.Slice
	case *types.Array:
		return reflect.Array
	case *types.Map:
		return reflect.Map
	case *types.Chan:
		return reflect.Chan
	case *types.Signature:
		return reflect.Func
	case *types.Interface:
		if _, ok := g.t.(*types.TypeParam); ok {
			return reflect.Invalid
		}
		return reflect.Interface
	case *types.Struct:
		return reflect.Struct
	}
	return reflect.Invalid
}

func (g gtype) QualName() string {
	n, ok := g.t.(*types.Named)
	if !ok {
		return ""
	}
	return qualName(n)
}

// pkgPath is the package path the Go runtime reports: "main" for any main
// package, whatever its import path.
func pkgPath(p *types.Package) string {
	if p.Name() == "main" {
		return "main"
	}
	return p.Path()
}

// qualName writes a named type as reflect does: PkgPath "." Name, with the
// type arguments of an instantiation in runtime notation.
func qualName(n *types.Named) string {
	obj := n.Obj()
	if obj.Pkg() == nil {
		return obj.Name() // error
	}
	var b strings.Builder
	b.WriteString(pkgPath(obj.Pkg()))
	b.WriteByte('.')
	b.WriteString(obj.Name())
	if args := n.TypeArgs(); args.Len() > 0 {
		b.WriteByte('[')
		for i := range args.Len() {
			if i > 0 {
				b.WriteByte(',')
			}
			runtimeName(&b, args.At(i))
		}
		b.WriteByte(']')
	}
	return b.String()
}

func (g gtype) Elem() canon.Type {
	switch u := g.u.(type) {
	case *types.Pointer:
		return wrap(u.Elem())
	case *types.Slice:
		return wrap(u.Elem())
	case *types.Array:
		return wrap(u.Elem())
	case *types.Map:
		return wrap(u.Elem())
	case *types.Chan:
		return wrap(u.Elem())
	}
	panic("typeidtypes: Elem of " + g.t.String())
}

func (g gtype) Key() canon.Type { return wrap(g.u.(*types.Map).Key()) }
func (g gtype) Len() int64      { return g.u.(*types.Array).Len() }

func (g gtype) ChanDir() reflect.ChanDir { return chanDir(g.u.(*types.Chan)) }

func chanDir(c *types.Chan) reflect.ChanDir {
	switch c.Dir() {
	case types.SendOnly:
		return reflect.SendDir
	case types.RecvOnly:
		return reflect.RecvDir
	}
	return reflect.BothDir
}

func (g gtype) NumField() int { return g.u.(*types.Struct).NumFields() }

func (g gtype) Field(i int) canon.Field {
	s := g.u.(*types.Struct)
	f := s.Field(i)
	return canon.Field{
		Name:     f.Name(),
		Exported: f.Exported(),
		Embedded: f.Embedded(),
		Tag:      reflect.StructTag(s.Tag(i)),
		Type:     wrap(f.Type()),
	}
}

func (g gtype) sig() *types.Signature { return g.u.(*types.Signature) }
func (g gtype) NumIn() int            { return g.sig().Params().Len() }
func (g gtype) In(i int) canon.Type   { return wrap(g.sig().Params().At(i).Type()) }
func (g gtype) NumOut() int           { return g.sig().Results().Len() }
func (g gtype) Out(i int) canon.Type  { return wrap(g.sig().Results().At(i).Type()) }
func (g gtype) IsVariadic() bool      { return g.sig().Variadic() }

func (g gtype) NumMethod() int { return g.u.(*types.Interface).NumMethods() }

func (g gtype) Method(i int) canon.Method { return method(g.u.(*types.Interface).Method(i)) }

func method(f *types.Func) canon.Method {
	m := canon.Method{Name: f.Name(), Type: wrap(f.Type())}
	if !f.Exported() {
		m.PkgPath = pkgPath(f.Pkg())
	}
	return m
}

// runtimeName writes t the way the Go toolchain names it inside the type
// arguments of a generic instantiation (what reflect.Type.Name returns
// between the brackets): Go syntax with "interface {}" and "struct { ... }"
// spelled with spaces, full package paths, parameter names dropped, full
// struct tags quoted, and unexported field and method names qualified by
// their package path.
func runtimeName(b *strings.Builder, t types.Type) {
	t = types.Unalias(t)
	switch t := t.(type) {
	case *types.Basic:
		if k, ok := basicKinds[t.Kind()]; ok && k != reflect.UnsafePointer {
			b.WriteString(k.String())
		} else {
			b.WriteString(t.String()) // unsafe.Pointer
		}
	case *types.Named:
		b.WriteString(qualName(t))
	case *types.Pointer:
		b.WriteByte('*')
		runtimeName(b, t.Elem())
	case *types.Slice:
		b.WriteString("[]")
		runtimeName(b, t.Elem())
	case *types.Array:
		b.WriteByte('[')
		b.WriteString(strconv.FormatInt(t.Len(), 10))
		b.WriteByte(']')
		runtimeName(b, t.Elem())
	case *types.Map:
		b.WriteString("map[")
		runtimeName(b, t.Key())
		b.WriteByte(']')
		runtimeName(b, t.Elem())
	case *types.Chan:
		switch t.Dir() {
		case types.SendOnly:
			b.WriteString("chan<- ")
		case types.RecvOnly:
			b.WriteString("<-chan ")
		default:
			b.WriteString("chan ")
			if e, ok := types.Unalias(t.Elem()).(*types.Chan); ok && e.Dir() == types.RecvOnly {
				b.WriteByte('(')
				runtimeName(b, e)
				b.WriteByte(')')
				return
			}
		}
		runtimeName(b, t.Elem())
	case *types.Signature:
		b.WriteString("func")
		runtimeSig(b, t)
	case *types.Interface:
		if t.NumMethods() == 0 {
			b.WriteString("interface {}")
			return
		}
		ms := make([]canon.Method, t.NumMethods())
		sigs := map[canon.Method]*types.Signature{}
		for i := range ms {
			f := t.Method(i)
			ms[i] = canon.Method{Name: f.Name()}
			if !f.Exported() {
				ms[i].PkgPath = pkgPath(f.Pkg())
			}
			sigs[ms[i]] = f.Type().(*types.Signature)
		}
		slices.SortFunc(ms, canon.CompareMethods)
		b.WriteString("interface { ")
		for i, m := range ms {
			if i > 0 {
				b.WriteString("; ")
			}
			if m.PkgPath != "" {
				b.WriteString(m.PkgPath)
				b.WriteByte('.')
			}
			b.WriteString(m.Name)
			runtimeSig(b, sigs[m])
		}
		b.WriteString(" }")
	case *types.Struct:
		if t.NumFields() == 0 {
			b.WriteString("struct {}")
			return
		}
		b.WriteString("struct { ")
		for i := range t.NumFields() {
			if i > 0 {
				b.WriteString("; ")
			}
			f := t.Field(i)
			if !f.Embedded() {
				if !f.Exported() {
					b.WriteString(pkgPath(f.Pkg()))
					b.WriteByte('.')
				}
				b.WriteString(f.Name())
				b.WriteByte(' ')
			}
			runtimeName(b, f.Type())
			if tag := t.Tag(i); tag != "" {
				b.WriteByte(' ')
				b.WriteString(strconv.Quote(tag))
			}
		}
		b.WriteString(" }")
	default: // type parameters
		b.WriteString("invalid")
	}
}

func runtimeSig(b *strings.Builder, s *types.Signature) {
	b.WriteByte('(')
	ps := s.Params()
	for i := range ps.Len() {
		if i > 0 {
			b.WriteString(", ")
		}
		if s.Variadic() && i == ps.Len()-1 {
			b.WriteString("...")
			runtimeName(b, ps.At(i).Type().(*types.Slice).Elem())
			continue
		}
		runtimeName(b, ps.At(i).Type())
	}
	b.WriteByte(')')
	rs := s.Results()
	switch rs.Len() {
	case 0:
	case 1:
		b.WriteByte(' ')
		runtimeName(b, rs.At(0).Type())
	default:
		b.WriteString(" (")
		for i := range rs.Len() {
			if i > 0 {
				b.WriteString(", ")
			}
			runtimeName(b, rs.At(i).Type())
		}
		b.WriteByte(')')
	}
}
