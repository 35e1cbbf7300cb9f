// Package errtemplate has storage keys that cannot be compiled.
package errtemplate

import "context"

type Opaque struct{ data []int }

type Req struct {
	Name  string
	Inner *Opaque
}

func (r Req) Label() string { return r.Name }

// UnknownParam names a parameter that does not exist.
//
//result:task storage_key="out/{parameters[nme]}.json"
func UnknownParam(ctx context.Context, name string) (string, error) { return name, nil }

// UnknownField names a field that does not exist.
//
//result:task storage_key="out/{parameters[r].Nme}/{parameters[r].Inner.size}.json"
func UnknownField(r Req) string { return "" }

// MethodRef names a method.
//
//result:task storage_key="{parameters[r].Label}"
func MethodRef(r Req) string { return "" }

// NotStringable substitutes values that have no text form.
//
//result:task storage_key="{parameters[r].Inner}-{parameters[xs]}-{parameters[c]}"
func NotStringable(r Req, xs []string, c complex128) string { return "" }

// NoParams has no parameters at all.
//
//result:task storage_key="{parameters[x]}"
func NoParams() string { return "" }
