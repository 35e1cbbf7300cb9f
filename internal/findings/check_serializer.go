package findings

import (
	"fmt"
	"go/token"
	"go/types"
	"reflect"
	"strings"

	"github.com/resultgen/resultgen/review/report"
)

// marshalers are the methods by which a type encodes itself under each
// built-in serializer: such a type is not looked into.
var marshalers = map[string][]string{
	"json":    {"MarshalJSON", "MarshalText"},
	"msgpack": {"EncodeMsgpack", "MarshalMsgpack", "MarshalBinary", "MarshalText"},
	"gob":     {"GobEncode", "MarshalBinary"},
}

// builtinOf is the built-in serializer of a spec ("compressed/json" ->
// "json"); "" for a custom serializer.
func builtinOf(spec string) string {
	s := strings.TrimPrefix(spec, "compressed/")
	if _, ok := marshalers[s]; ok {
		return s
	}
	return ""
}

// checkSerial finds, in f's result type, what the built-in serializer of
// each of its persisted rows cannot carry: values it cannot encode (check
// unencodable, an error: channels, funcs, unsafe.Pointer, complex numbers
// but under gob, json map keys that are not strings, integers or
// TextMarshalers), struct fields it silently drops (check dropped-field, a
// warning: unexported fields, and funcs or channels under gob) and
// interface-typed values it cannot decode (check undecodable-field, a
// warning). Types with the serializer's own marshaler are not looked into.
// It reports at serializer=, else at the flow's call the serializer comes
// from, else at the directive.
func (e *engine) checkSerial(f *fn, rows []report.Row) {
	if f.result == nil {
		return
	}
	done := map[string]bool{}
	for _, r := range rows {
		ser := builtinOf(r.Serializer)
		if !r.Persisted || ser == "" || done[ser] {
			continue
		}
		done[ser] = true
		pos := f.d.KindPos
		via := ""
		switch {
		case f.d.Serializer != nil:
			pos = f.d.Serializer.Pos
		case r.CalledFrom != "" && strings.HasPrefix(r.SerializerFrom, "flow "):
			pos = f.callPos(r.CalledFrom)
			via = " (the serializer of " + r.SerializerFrom + ")"
		case r.SerializerFrom == "settings":
			via = " (the default serializer in the settings)"
		}
		w := &walker{ser: ser, seen: map[types.Type]bool{}, qual: types.RelativeTo(f.u.pkg)}
		w.walk(f.result, "the result", false)
		for _, p := range w.problems {
			e.report(f.u, pos, p.sev, p.check, f, p.fix, "%s: %s%s", f.label(), p.msg, via)
		}
	}
}

func (f *fn) callPos(flow string) token.Pos {
	for _, c := range f.callers {
		if c.flow.d.Func == flow {
			return c.pos
		}
	}
	return f.d.KindPos
}

type problem struct {
	sev      report.Severity
	check    string
	msg, fix string
}

type walker struct {
	ser      string
	seen     map[types.Type]bool
	qual     types.Qualifier
	problems []problem
	msgs     map[string]bool
}

func (w *walker) add(sev report.Severity, check, fix, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if w.msgs == nil {
		w.msgs = map[string]bool{}
	}
	if w.msgs[msg] {
		return
	}
	w.msgs[msg] = true
	w.problems = append(w.problems, problem{sev: sev, check: check, msg: msg, fix: fix})
}

func (w *walker) typeString(t types.Type) string { return types.TypeString(t, w.qual) }

// hasMarshaler reports whether t or *t encodes itself under w.ser.
func (w *walker) hasMarshaler(t types.Type) bool {
	if _, ok := types.Unalias(t).(*types.Named); !ok {
		return false
	}
	ms := types.NewMethodSet(types.NewPointer(t))
	for _, name := range marshalers[w.ser] {
		if ms.Lookup(nil, name) != nil { // exported names need no package
			return true
		}
	}
	return false
}

// walk looks into t, reached at path; field is true for a struct field's
// own type.
func (w *walker) walk(t types.Type, path string, field bool) {
	if w.seen[t] {
		return
	}
	if _, ok := types.Unalias(t).(*types.Named); ok {
		w.seen[t] = true
		if w.hasMarshaler(t) {
			return
		}
	}
	unencodable := func(what string) {
		w.add(report.Error, report.CheckUnencodable, "change the type of "+path+", give it a custom marshaler, or choose another serializer",
			"%s cannot encode %s: it is %s", w.ser, path, what)
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Kind() == types.UnsafePointer:
			unencodable("an unsafe.Pointer")
		case u.Info()&types.IsComplex != 0 && w.ser != "gob":
			unencodable("a complex number (" + w.typeString(t) + ")")
		}
	case *types.Chan, *types.Signature:
		what := "a channel (" + w.typeString(t) + ")"
		if _, ok := u.(*types.Signature); ok {
			what = "a func (" + w.typeString(t) + ")"
		}
		if w.ser == "gob" && field {
			w.add(report.Warning, report.CheckDroppedField, "remove the field from the result type, or choose another serializer",
				"gob silently drops %s: it is %s", path, what)
			return
		}
		unencodable(what)
	case *types.Interface:
		fix := "use a concrete type for " + path
		if w.ser == "gob" {
			fix += ", or gob.Register every concrete type stored in it"
		}
		w.add(report.Warning, report.CheckUndecodable, fix,
			"%s cannot decode %s: it is an interface (%s), so reading the result back cannot know the concrete type", w.ser, path, w.typeString(t))
	case *types.Pointer:
		w.walk(u.Elem(), path, false)
	case *types.Slice:
		w.walk(u.Elem(), path+"[i]", false)
	case *types.Array:
		w.walk(u.Elem(), path+"[i]", false)
	case *types.Map:
		if w.ser == "json" && !w.jsonKey(u.Key()) {
			w.add(report.Error, report.CheckUnencodable, "use string (or integer) map keys, or give the key type a MarshalText method",
				"json cannot encode %s: its map key type %s is not a string, an integer or an encoding.TextMarshaler", path, w.typeString(u.Key()))
		} else {
			w.walk(u.Key(), path+" key", false)
		}
		w.walk(u.Elem(), path+"[k]", false)
	case *types.Struct:
		name := path
		if n, ok := types.Unalias(t).(*types.Named); ok {
			name = n.Obj().Name()
		}
		for i := 0; i < u.NumFields(); i++ {
			fv := u.Field(i)
			tag := reflect.StructTag(u.Tag(i))
			if w.ser != "gob" && strings.Split(tag.Get(w.ser), ",")[0] == "-" {
				continue // dropped on purpose
			}
			fp := name + "." + fv.Name()
			if !fv.Exported() {
				if fv.Embedded() && w.ser != "gob" {
					if _, ok := fv.Type().Underlying().(*types.Struct); ok {
						w.walk(fv.Type(), fp, false) // promoted fields
						continue
					}
				}
				if fv.Name() == "_" {
					continue
				}
				w.add(report.Warning, report.CheckDroppedField, w.dropFix(name),
					"%s silently drops %s: the field is unexported", w.ser, fp)
				continue
			}
			w.walk(fv.Type(), fp, true)
		}
	}
}

func (w *walker) dropFix(typeName string) string {
	if w.ser == "gob" {
		return "export the field, or give " + typeName + " a GobEncode/GobDecode pair"
	}
	return "export the field, tag it `" + w.ser + ":\"-\"` if dropping it is meant, or give " + typeName + " a custom marshaler"
}

// jsonKey reports whether encoding/json accepts k as a map key type.
func (w *walker) jsonKey(k types.Type) bool {
	if b, ok := k.Underlying().(*types.Basic); ok && (b.Info()&types.IsString != 0 || b.Info()&types.IsInteger != 0) {
		return true
	}
	ms := types.NewMethodSet(k)
	for i := 0; i < ms.Len(); i++ {
		if ms.At(i).Obj().Name() == "MarshalText" {
			return true
		}
	}
	return false
}
