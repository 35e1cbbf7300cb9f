package typeid

import (
	"reflect"

	"github.com/resultgen/resultgen/internal/typeid/internal/canon"
)

// rtype adapts a reflect.Type to canon.Type.
type rtype struct{ t reflect.Type }

func wrap(t reflect.Type) canon.Type { return rtype{t} }

func (r rtype) Kind() reflect.Kind { return r.t.Kind() }

func (r rtype) QualName() string {
	name := r.t.Name()
	if name == "" || r.t.Kind() == reflect.UnsafePointer && r.t.PkgPath() == "unsafe" {
		return "" // unnamed, or unsafe.Pointer: written by its kind
	}
	if pkg := r.t.PkgPath(); pkg != "" {
		return pkg + "." + name
	}
	if r.t.Kind() == reflect.Interface {
		return name // error, the only predeclared named interface
	}
	return "" // a predeclared basic type: written by its kind
}

func (r rtype) Elem() canon.Type         { return wrap(r.t.Elem()) }
func (r rtype) Key() canon.Type          { return wrap(r.t.Key()) }
func (r rtype) Len() int64               { return int64(r.t.Len()) }
func (r rtype) ChanDir() reflect.ChanDir { return r.t.ChanDir() }
func (r rtype) NumField() int            { return r.t.NumField() }
func (r rtype) NumIn() int               { return r.t.NumIn() }
func (r rtype) In(i int) canon.Type      { return wrap(r.t.In(i)) }
func (r rtype) NumOut() int              { return r.t.NumOut() }
func (r rtype) Out(i int) canon.Type     { return wrap(r.t.Out(i)) }
func (r rtype) IsVariadic() bool         { return r.t.IsVariadic() }
func (r rtype) NumMethod() int           { return r.t.NumMethod() }

func (r rtype) Field(i int) canon.Field {
	f := r.t.Field(i)
	return canon.Field{
		Name:     f.Name,
		Exported: f.IsExported(),
		Embedded: f.Anonymous,
		Tag:      f.Tag,
		Type:     wrap(f.Type),
	}
}

func (r rtype) Method(i int) canon.Method {
	m := r.t.Method(i)
	return canon.Method{Name: m.Name, PkgPath: m.PkgPath, Type: wrap(m.Type)}
}
