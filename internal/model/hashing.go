package model

import (
	"go/types"

	"github.com/resultgen/resultgen/internal/rules"
)

// markUnhashable marks the parameters that cannot be hashed (HashUnhashable):
// the generated code refuses them with Hasher.Unhashable when a cache
// policy, given at run time, hashes them. Under the directive's own policy
// they are findings (check unhashable-input, see package findings), which
// the generator reports and which keep the package's file from being
// written.
func markUnhashable(f *Func) {
	for i, p := range f.Params {
		if p.Hash == HashUnhashable {
			continue
		}
		if _, why := NotAValue(p.Type); why != "" {
			f.Params[i].Hash = HashUnhashable
		}
	}
}

// hashKind picks the typed Hasher method for t.
func hashKind(t types.Type) HashKind {
	u := t.Underlying()
	switch u := u.(type) {
	case *types.Basic:
		switch {
		case u.Kind() == types.UnsafePointer:
			return HashUnhashable
		case u.Info()&types.IsString != 0:
			return HashString
		case u.Info()&types.IsBoolean != 0:
			return HashBool
		case u.Info()&types.IsUnsigned != 0:
			return HashUint
		case u.Info()&types.IsInteger != 0:
			return HashInt
		case u.Info()&types.IsFloat != 0:
			return HashFloat
		case u.Info()&types.IsComplex != 0:
			return HashComplex
		}
	case *types.Slice:
		if b, ok := u.Elem().Underlying().(*types.Basic); ok && b.Kind() == types.Byte && types.Identical(u.Elem(), types.Typ[types.Byte]) {
			return HashBytes
		}
	case *types.Signature, *types.Chan:
		return HashUnhashable
	}
	return HashValue
}

// NotAValue reports whether values of type t are not values the inputs
// cache policy can hash: funcs, channels, unsafe pointers, and the types
// whose state is not an input but a resource or a synchronization state
// (locks and the rest of package sync, *os.File, the connections,
// listeners and interfaces of package net, context.Context,
// reflect.Value), or a type that holds one by value or through pointers,
// slices, arrays and maps. It returns the path to the offending part
// ("" for t itself, ".Hook", "[key]", "[]", ".Conn.Lock", ...) and what it
// is ("a func", "a lock (sync.Mutex): its hash would be its lock state"),
// or why == "" when t is a value. Other interfaces are checked when hashed,
// by the runtime's Hasher.
func NotAValue(t types.Type) (path, why string) {
	return notAValue(t, map[types.Type]bool{})
}

func notAValue(t types.Type, seen map[types.Type]bool) (string, string) {
	if seen[t] {
		return "", ""
	}
	seen[t] = true
	if n, ok := types.Unalias(t).(*types.Named); ok && n.Obj().Pkg() != nil {
		if why := resourceType(n.Obj().Pkg().Path(), n.Obj().Name(), types.IsInterface(n)); why != "" {
			return "", why
		}
	}
	switch u := t.Underlying().(type) {
	case *types.Signature:
		return "", "a func"
	case *types.Chan:
		return "", "a channel"
	case *types.Basic:
		if u.Kind() == types.UnsafePointer {
			return "", "an unsafe.Pointer"
		}
	case *types.Pointer:
		return notAValue(u.Elem(), seen)
	case *types.Slice:
		if p, why := notAValue(u.Elem(), seen); why != "" {
			return "[]" + p, why
		}
	case *types.Array:
		if p, why := notAValue(u.Elem(), seen); why != "" {
			return "[]" + p, why
		}
	case *types.Map:
		if p, why := notAValue(u.Key(), seen); why != "" {
			return "[key]" + p, why
		}
		if p, why := notAValue(u.Elem(), seen); why != "" {
			return "[value]" + p, why
		}
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if p, why := notAValue(u.Field(i).Type(), seen); why != "" {
				return "." + u.Field(i).Name() + p, why
			}
		}
	}
	return "", ""
}

// resourceType says what the named type pkg.name is when its values are a
// resource or a synchronization state rather than a value; "" otherwise.
// The runtime's Hasher refuses the same types (rules.NotAValueOf).
func resourceType(pkg, name string, iface bool) string {
	switch rules.NotAValueOf(pkg, name, iface) {
	case rules.NotAValueSync:
		return "a lock or synchronization value (sync." + name + "): its hash would be its current state, not an input"
	case rules.NotAValueFile:
		if name == "Process" {
			return "a process (os.Process): its hash would be its pid, not an input"
		}
		return "an open file (os." + name + "): its hash would be its descriptor, not its contents"
	case rules.NotAValueNet:
		return "a network connection or interface (net." + name + "): its hash would be its socket, not an input"
	case rules.NotAValueContext:
		return "a context (context." + name + "): its contents are not inputs"
	case rules.NotAValueReflect:
		return "a reflect.Value: its hash would be reflect's internals"
	}
	return ""
}
