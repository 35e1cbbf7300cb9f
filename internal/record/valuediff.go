package record

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"math/cmplx"
	"reflect"
	"slices"
	"strconv"
)

// ValueDiff is the first difference DiffValues found between two values of
// one Go type.
type ValueDiff struct {
	// Field is where the values differ, as a Go selector from the value:
	// "At", "Items[2].Name", `Tags["env"]`; "" when the values themselves
	// differ (a string, a number, one nil and one not).
	Field string
	// What says how the second value differs from the first, never with
	// the values themselves (they may be secret): "time.Time differs",
	// "length 2 -> 3", "added" (a map key only in the second), "removed",
	// "nil -> set", "dynamic type int -> string".
	What string
}

// String is the difference as one phrase: "field At: time.Time differs",
// "the value: string differs".
func (d ValueDiff) String() string {
	if d.Field == "" {
		return "the value: " + d.What
	}
	return "field " + d.Field + ": " + d.What
}

// maxDiffDepth bounds how deep DiffValues descends: decoded values have no
// cycles, but a value made in code may.
const maxDiffDepth = 64

// DiffValues returns the first difference between a and b, walking them as
// serializers see them: struct fields in declaration order, slice and array
// elements by index, map entries by sorted key, through pointers and
// interfaces. A type with a method Equal(T) bool (time.Time) is compared
// with it. Floats equal as numbers (and NaN equals NaN), so 0 and -0 do
// too; functions and channels are not compared. ok is false when no
// difference was found.
func DiffValues(a, b any) (d ValueDiff, ok bool) {
	return diffValue("", reflect.ValueOf(a), reflect.ValueOf(b), 0)
}

func differs(path, what string) (ValueDiff, bool) { return ValueDiff{Field: path, What: what}, true }

func diffValue(path string, a, b reflect.Value, depth int) (ValueDiff, bool) {
	switch {
	case !a.IsValid() && !b.IsValid():
		return ValueDiff{}, false
	case !a.IsValid():
		return differs(path, "nil -> set")
	case !b.IsValid():
		return differs(path, "set -> nil")
	case a.Type() != b.Type():
		return differs(path, "type "+a.Type().String()+" -> "+b.Type().String())
	case depth > maxDiffDepth:
		return ValueDiff{}, false
	}
	t := a.Type()
	if eq, ok := equalMethod(a, b); ok {
		if eq {
			return ValueDiff{}, false
		}
		return differs(path, t.String()+" differs")
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		switch {
		case a.IsNil() && b.IsNil():
			return ValueDiff{}, false
		case a.IsNil():
			return differs(path, "nil -> set")
		case b.IsNil():
			return differs(path, "set -> nil")
		}
		ae, be := a.Elem(), b.Elem()
		if t.Kind() == reflect.Interface && ae.Type() != be.Type() {
			return differs(path, "dynamic type "+ae.Type().String()+" -> "+be.Type().String())
		}
		return diffValue(path, ae, be, depth+1)
	case reflect.Struct:
		for i := range t.NumField() {
			if d, ok := diffValue(join(path, t.Field(i).Name), a.Field(i), b.Field(i), depth+1); ok {
				return d, true
			}
		}
		return ValueDiff{}, false
	case reflect.Slice:
		switch {
		case a.IsNil() && b.IsNil():
			return ValueDiff{}, false
		case a.IsNil() && b.Len() == 0:
			return differs(path, "nil -> empty")
		case b.IsNil() && a.Len() == 0:
			return differs(path, "empty -> nil")
		}
		if t.Elem().Kind() == reflect.Uint8 {
			if bytes.Equal(a.Bytes(), b.Bytes()) {
				return ValueDiff{}, false
			}
			if a.Len() != b.Len() {
				return differs(path, fmt.Sprintf("length %d -> %d", a.Len(), b.Len()))
			}
			return differs(path, t.String()+" differs")
		}
		fallthrough
	case reflect.Array:
		n := min(a.Len(), b.Len())
		for i := range n {
			if d, ok := diffValue(path+"["+strconv.Itoa(i)+"]", a.Index(i), b.Index(i), depth+1); ok {
				return d, true
			}
		}
		if a.Len() != b.Len() {
			return differs(path, fmt.Sprintf("length %d -> %d", a.Len(), b.Len()))
		}
		return ValueDiff{}, false
	case reflect.Map:
		switch {
		case a.IsNil() && b.IsNil():
			return ValueDiff{}, false
		case a.IsNil() && b.Len() == 0:
			return differs(path, "nil -> empty")
		case b.IsNil() && a.Len() == 0:
			return differs(path, "empty -> nil")
		}
		keys := a.MapKeys()
		for _, k := range b.MapKeys() {
			if !a.MapIndex(k).IsValid() {
				keys = append(keys, k)
			}
		}
		slices.SortFunc(keys, compareKeys)
		for _, k := range keys {
			p := path + "[" + keyText(k) + "]"
			av, bv := a.MapIndex(k), b.MapIndex(k)
			switch {
			case !bv.IsValid():
				return differs(p, "removed")
			case !av.IsValid():
				return differs(p, "added")
			}
			if d, ok := diffValue(p, av, bv, depth+1); ok {
				return d, true
			}
		}
		return ValueDiff{}, false
	case reflect.Float32, reflect.Float64:
		x, y := a.Float(), b.Float()
		if x == y || (math.IsNaN(x) && math.IsNaN(y)) {
			return ValueDiff{}, false
		}
	case reflect.Complex64, reflect.Complex128:
		x, y := a.Complex(), b.Complex()
		if x == y || (cmplx.IsNaN(x) && cmplx.IsNaN(y)) {
			return ValueDiff{}, false
		}
	case reflect.Bool:
		if a.Bool() == b.Bool() {
			return ValueDiff{}, false
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if a.Int() == b.Int() {
			return ValueDiff{}, false
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if a.Uint() == b.Uint() {
			return ValueDiff{}, false
		}
	case reflect.String:
		if a.String() == b.String() {
			return ValueDiff{}, false
		}
	default: // func, chan, unsafe pointer: no serializer keeps them
		return ValueDiff{}, false
	}
	return differs(path, t.String()+" differs")
}

// join appends a field name to a selector path.
func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// equalMethod compares a and b with their type's method Equal(T) bool,
// when it has one and the values may be used (not from unexported fields).
func equalMethod(a, b reflect.Value) (equal, ok bool) {
	t := a.Type()
	if t.Kind() == reflect.Interface {
		return false, false // the dynamic values are compared
	}
	m, found := t.MethodByName("Equal")
	if !found || !a.CanInterface() || !b.CanInterface() {
		return false, false
	}
	mt := m.Type // with the receiver as first argument
	if mt.NumIn() != 2 || mt.In(1) != t || mt.NumOut() != 1 || mt.Out(0).Kind() != reflect.Bool {
		return false, false
	}
	if t.Kind() == reflect.Pointer && (a.IsNil() || b.IsNil()) {
		return a.IsNil() == b.IsNil(), true
	}
	return m.Func.Call([]reflect.Value{a, b})[0].Bool(), true
}

// compareKeys orders map keys: numbers and strings by value, others by
// their printed form.
func compareKeys(x, y reflect.Value) int {
	switch x.Kind() {
	case reflect.String:
		return cmp.Compare(x.String(), y.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return cmp.Compare(x.Int(), y.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return cmp.Compare(x.Uint(), y.Uint())
	case reflect.Float32, reflect.Float64:
		return cmp.Compare(x.Float(), y.Float())
	}
	return cmp.Compare(keyText(x), keyText(y))
}

// keyText is a map key as a selector shows it: strings quoted.
func keyText(k reflect.Value) string {
	if k.Kind() == reflect.String {
		return strconv.Quote(k.String())
	}
	if k.CanInterface() {
		return fmt.Sprint(k.Interface())
	}
	return fmt.Sprint(k)
}
