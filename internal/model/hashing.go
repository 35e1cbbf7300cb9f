package model

import (
	"go/types"

	"github.com/resultgen/resultgen/annotations"
)

// checkHashing reports parameters that cannot be hashed although the cache
// policy hashes them.
func (a *analyzer) checkHashing(f *Func, what string) bool {
	ok := true
	for i, p := range f.Params {
		if p.Hash != HashUnhashable && !containsUnhashable(p.Type, map[types.Type]bool{}) {
			continue
		}
		f.Params[i].Hash = HashUnhashable
		if f.Kind != annotations.Task || !f.Directive.CachePolicy.Hashes(p.Name) {
			continue
		}
		pos := f.Directive.KindPos
		if p.Object != nil && p.Object.Pos().IsValid() {
			pos = p.Object.Pos()
		}
		a.errorf(pos, "%s: parameter %s of type %s cannot be hashed for the inputs cache policy; drop it with cache_policy=inputs-%s+task_source+run_id, or use a policy without inputs",
			what, p.Name, a.typeString(p.Type), p.Name)
		ok = false
	}
	return ok
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

// containsUnhashable reports whether a value of type t always holds a func,
// chan or unsafe pointer (interfaces are checked at run time).
func containsUnhashable(t types.Type, seen map[types.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	switch u := t.Underlying().(type) {
	case *types.Signature, *types.Chan:
		return true
	case *types.Basic:
		return u.Kind() == types.UnsafePointer
	case *types.Pointer:
		return containsUnhashable(u.Elem(), seen)
	case *types.Slice:
		return containsUnhashable(u.Elem(), seen)
	case *types.Array:
		return containsUnhashable(u.Elem(), seen)
	case *types.Map:
		return containsUnhashable(u.Key(), seen) || containsUnhashable(u.Elem(), seen)
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if containsUnhashable(u.Field(i).Type(), seen) {
				return true
			}
		}
	}
	return false
}
