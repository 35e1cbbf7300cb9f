package model

import (
	"fmt"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"github.com/resultgen/resultgen/annotations"
)

// KeyTemplate is a storage-key template resolved against the function's
// parameters, ready to be compiled into Go code.
type KeyTemplate struct {
	Raw   string
	Parts []KeyPart
	// UsesFlowRun: a flow_run.* reference (the task then needs a flow run).
	UsesFlowRun bool
	// FlowParams are the names of the {flow_run.parameters[NAME]}
	// references, in order, each once: every flow that calls the task must
	// have them (package findings checks it, check flow-param).
	FlowParams []string
}

// KeyPart is literal text, a parameter reference or a run reference.
type KeyPart struct {
	Literal string
	Pos     token.Pos

	// a parameter reference: Param, then Steps (field selections)
	Param *Param
	Steps []KeyStep
	Conv  KeyConv    // how the final value becomes a string
	Type  types.Type // the final value's type
	Text  string     // the reference as written, for messages: parameters[p].A

	// a run reference: "flow_run.id", "task_run.run_count", ..., and
	// the runtime.KeyContext field it reads: {"FlowRun", "ID"}
	Run      string
	RunField [2]string
	// Arg is the flow parameter's name of flow_run.parameters[NAME], or
	// the Go time layout of flow_run.start_time:LAYOUT.
	Arg string
}

// KeyStep selects one field; NilCheck: the value selected from is a pointer.
type KeyStep struct {
	Field    string
	NilCheck bool
}

// KeyConv is how a substituted value is turned into a string.
type KeyConv uint8

const (
	ConvString        KeyConv = iota + 1 // string kinds
	ConvInt                              // signed integers: strconv
	ConvUint                             // unsigned integers: strconv
	ConvFloat                            // floats: strconv.FormatFloat 'g'
	ConvBool                             // strconv.FormatBool
	ConvStringer                         // .String()
	ConvTextMarshaler                    // .MarshalText()
)

// runFields maps flow_run/task_run fields to KeyContext selectors.
var runFields = map[string][2]string{
	"flow_run.id":        {"FlowRun", "ID"},
	"flow_run.name":      {"FlowRun", "Name"},
	"flow_run.flow_name": {"FlowRun", "FlowName"},
	"flow_run.run_count": {"FlowRun", "RunCount"},
	"task_run.id":        {"TaskRun", "ID"},
	"task_run.name":      {"TaskRun", "Name"},
	"task_run.task_name": {"TaskRun", "TaskName"},
	"task_run.run_count": {"TaskRun", "RunCount"},
}

// compileKey resolves every reference of the template; each problem is
// reported at its reference's position.
func (a *analyzer) compileKey(f *Func, tpl *annotations.Template, what string) (*KeyTemplate, bool) {
	kt := &KeyTemplate{Raw: tpl.Raw}
	ok := true
	for _, part := range tpl.Parts {
		pos := part.Pos
		if !pos.IsValid() {
			pos = tpl.ValuePos
		}
		if part.Ref == nil {
			kt.Parts = append(kt.Parts, KeyPart{Literal: part.Literal, Pos: pos})
			continue
		}
		ref := part.Ref
		switch ref.Root {
		case "flow_run", "task_run":
			name := ref.Root + "." + ref.Name
			switch name {
			case "flow_run.parameters":
				kt.UsesFlowRun = true
				if !slices.Contains(kt.FlowParams, ref.Arg) {
					kt.FlowParams = append(kt.FlowParams, ref.Arg)
				}
				kt.Parts = append(kt.Parts, KeyPart{Run: name, Arg: ref.Arg, Pos: pos})
				continue
			case "flow_run.start_time":
				kt.UsesFlowRun = true
				kt.Parts = append(kt.Parts, KeyPart{Run: name, Arg: ref.Arg, Pos: pos})
				continue
			case "task_run.map_index":
				kt.Parts = append(kt.Parts, KeyPart{Run: name, Pos: pos})
				continue
			}
			field, known := runFields[name]
			if !known || len(ref.Fields) > 0 {
				a.errorf(pos, "%s: storage_key: unknown reference {%s}", what, refText(ref))
				ok = false
				continue
			}
			if ref.Root == "flow_run" {
				kt.UsesFlowRun = true
			}
			kt.Parts = append(kt.Parts, KeyPart{Run: name, RunField: field, Pos: pos})
		case "parameters":
			kp, good := a.resolveParam(f, ref, pos, what)
			if !good {
				ok = false
				continue
			}
			kt.Parts = append(kt.Parts, kp)
		default:
			a.errorf(pos, "%s: storage_key: unknown reference {%s}; want parameters[NAME], flow_run.* or task_run.*", what, refText(ref))
			ok = false
		}
	}
	return kt, ok
}

func refText(ref *annotations.Ref) string {
	var b strings.Builder
	b.WriteString(ref.Root)
	if ref.Root == "parameters" {
		fmt.Fprintf(&b, "[%s]", ref.Name)
	} else if ref.Name != "" {
		b.WriteString("." + ref.Name)
	}
	for _, fld := range ref.Fields {
		b.WriteString("." + fld)
	}
	return b.String()
}

// resolveParam resolves {parameters[NAME].F.G}.
func (a *analyzer) resolveParam(f *Func, ref *annotations.Ref, pos token.Pos, what string) (KeyPart, bool) {
	var param *Param
	for i := range f.Params {
		if f.Params[i].Name == ref.Name {
			param = &f.Params[i]
		}
	}
	if param == nil {
		names := make([]string, len(f.Params))
		for i, p := range f.Params {
			names[i] = p.Name
		}
		have := "it has none"
		if len(names) > 0 {
			have = "it has " + strings.Join(names, ", ")
		}
		a.errorf(orPos(ref.NamePos, pos), "%s: storage_key: unknown parameter %q (%s)", what, ref.Name, have)
		return KeyPart{}, false
	}
	kp := KeyPart{Param: param, Pos: pos}
	cur := param.Type
	text := fmt.Sprintf("parameters[%s]", ref.Name)
	for i, name := range ref.Fields {
		pos := pos
		if i < len(ref.FieldPos) {
			pos = orPos(ref.FieldPos[i], pos)
		}
		obj, index, _ := types.LookupFieldOrMethod(cur, true, a.pkg.Types, name)
		switch obj := obj.(type) {
		case nil:
			a.errorf(pos, "%s: storage_key: %s of type %s has no field %s", what, text, a.typeString(cur), name)
			return KeyPart{}, false
		case *types.Func:
			a.errorf(pos, "%s: storage_key: %s.%s is a method; only fields can be used", what, text, name)
			return KeyPart{}, false
		case *types.Var:
			_ = obj
		}
		// walk the index path (embedded fields included), noting pointers
		for _, idx := range index {
			t := cur
			nilCheck := false
			if p, isPtr := t.Underlying().(*types.Pointer); isPtr {
				t, nilCheck = p.Elem(), true
			}
			st, isStruct := t.Underlying().(*types.Struct)
			if !isStruct {
				a.errorf(pos, "%s: storage_key: %s of type %s has no field %s", what, text, a.typeString(cur), name)
				return KeyPart{}, false
			}
			fld := st.Field(idx)
			kp.Steps = append(kp.Steps, KeyStep{Field: fld.Name(), NilCheck: nilCheck})
			cur = fld.Type()
		}
		text += "." + name
	}
	kp.Text, kp.Type = text, cur
	kp.Conv = a.keyConv(cur)
	if kp.Conv == 0 {
		a.errorf(pos, "%s: storage_key: %s has type %s, which cannot be written into a key; want a string, integer, float or bool kind, a fmt.Stringer or an encoding.TextMarshaler",
			what, text, a.typeString(cur))
		return KeyPart{}, false
	}
	return kp, true
}

func orPos(p, def token.Pos) token.Pos {
	if p.IsValid() {
		return p
	}
	return def
}

// keyConv picks how a value of type t is written into a key (KeyConvOf).
func (a *analyzer) keyConv(t types.Type) KeyConv { return KeyConvOf(a.pkg.Types, t) }

// KeyConvOf picks how a value of type t, seen from package pkg, is written
// into a storage key: a TextMarshaler (machine-readable) first, then a
// fmt.Stringer, then the basic kinds; 0 when it cannot be.
func KeyConvOf(pkg *types.Package, t types.Type) KeyConv {
	if hasMethod(pkg, t, "MarshalText", func(sig *types.Signature) bool {
		if sig.Params().Len() != 0 || sig.Results().Len() != 2 || !IsError(sig.Results().At(1).Type()) {
			return false
		}
		s, ok := sig.Results().At(0).Type().(*types.Slice)
		return ok && types.Identical(s.Elem(), types.Typ[types.Byte])
	}) {
		return ConvTextMarshaler
	}
	if hasMethod(pkg, t, "String", func(sig *types.Signature) bool {
		return sig.Params().Len() == 0 && sig.Results().Len() == 1 && types.Identical(sig.Results().At(0).Type(), types.Typ[types.String])
	}) {
		return ConvStringer
	}
	b, ok := t.Underlying().(*types.Basic)
	if !ok {
		return 0
	}
	switch info := b.Info(); {
	case info&types.IsString != 0:
		return ConvString
	case info&types.IsBoolean != 0:
		return ConvBool
	case info&types.IsUnsigned != 0:
		return ConvUint
	case info&types.IsInteger != 0:
		return ConvInt
	case info&types.IsFloat != 0:
		return ConvFloat
	}
	return 0
}

// hasMethod reports whether an addressable value of type t has method name
// with a signature accepted by ok.
func hasMethod(pkg *types.Package, t types.Type, name string, ok func(*types.Signature) bool) bool {
	obj, _, _ := types.LookupFieldOrMethod(t, true, pkg, name)
	fn, isFunc := obj.(*types.Func)
	return isFunc && ok(fn.Type().(*types.Signature))
}

// flowKeyParams is what a flow passes to the storage-key templates of the
// tasks it calls ({flow_run.parameters[NAME]}): each of its parameters
// whose value can be written into a key, as a parameter reference.
func (a *analyzer) flowKeyParams(f *Func) []KeyPart {
	var out []KeyPart
	for i := range f.Params {
		p := &f.Params[i]
		if p.Name == "" || p.Name == "_" {
			continue
		}
		conv := a.keyConv(p.Type)
		if conv == 0 {
			continue
		}
		out = append(out, KeyPart{Param: p, Conv: conv, Type: p.Type, Text: "parameters[" + p.Name + "]"})
	}
	return out
}
