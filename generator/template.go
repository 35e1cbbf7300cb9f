package generator

import (
	"fmt"
	"go/token"
	"go/types"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/resultgen/resultgen/annotations"
)

// KeyTemplate is a storage-key template resolved against the function's
// parameters, ready to be compiled into Go code.
type KeyTemplate struct {
	Raw   string
	Parts []KeyPart
	// UsesFlowRun: a flow_run.* reference (the task then needs a flow run).
	UsesFlowRun bool
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

	// a run reference: "flow_run.id", "task_run.run_count", ...
	Run string
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
			if _, known := runFields[name]; !known || len(ref.Fields) > 0 {
				a.errorf(pos, "%s: storage_key: unknown reference {%s}", what, refText(ref))
				ok = false
				continue
			}
			if ref.Root == "flow_run" {
				kt.UsesFlowRun = true
			}
			kt.Parts = append(kt.Parts, KeyPart{Run: name, Pos: pos})
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

// keyConv picks how a value of type t is written into a key: a TextMarshaler
// (machine-readable) first, then a fmt.Stringer, then the basic kinds.
func (a *analyzer) keyConv(t types.Type) KeyConv {
	if hasMethod(a.pkg.Types, t, "MarshalText", func(sig *types.Signature) bool {
		if sig.Params().Len() != 0 || sig.Results().Len() != 2 || !isError(sig.Results().At(1).Type()) {
			return false
		}
		s, ok := sig.Results().At(0).Type().(*types.Slice)
		return ok && types.Identical(s.Elem(), types.Typ[types.Byte])
	}) {
		return ConvTextMarshaler
	}
	if hasMethod(a.pkg.Types, t, "String", func(sig *types.Signature) bool {
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

// keyFunc compiles the template into the Invocation.StorageKey func literal.
func keyFunc(f *Func, kt *KeyTemplate) jen.Code {
	usesK := false
	for _, p := range kt.Parts {
		if p.Run != "" {
			usesK = true
		}
	}
	kParam := jen.Id("_")
	if usesK {
		kParam = jen.Id("k")
	}
	var body []jen.Code
	var sum []jen.Code
	lit := ""
	flush := func() {
		if lit != "" {
			sum = append(sum, jen.Lit(lit))
			lit = ""
		}
	}
	// one nil check per pointer on the way, in order of first use
	checked := map[string]bool{}
	tmp := 0
	for _, p := range kt.Parts {
		switch {
		case p.Run != "":
			flush()
			sel := runFields[p.Run]
			v := jen.Id("k").Dot(sel[0]).Dot(sel[1])
			if strings.HasSuffix(p.Run, "run_count") {
				v = jen.Qual("strconv", "Itoa").Call(v)
			}
			sum = append(sum, jen.Qual(runtimePkg, "KeyValue").Call(v))
		case p.Param != nil:
			flush()
			nilCheck := func(goPath, text string) {
				if checked[goPath] {
					return
				}
				checked[goPath] = true
				body = append(body, jen.If(jen.Id(goPath).Op("==").Nil()).Block(jen.Return(jen.Lit(""), jen.Qual("errors", "New").Call(
					jen.Lit(fmt.Sprintf("%s %s: storage key: %s is nil", f.Kind, f.GoName, text))))))
			}
			goPath := p.Param.Var
			text := fmt.Sprintf("parameters[%s]", p.Param.Name)
			for _, s := range p.Steps {
				if s.NilCheck {
					nilCheck(goPath, text)
				}
				goPath += "." + s.Field
				text += "." + s.Field
			}
			if _, isPtr := p.Type.Underlying().(*types.Pointer); isPtr && (p.Conv == ConvStringer || p.Conv == ConvTextMarshaler) {
				nilCheck(goPath, text)
			}
			expr := jen.Id(goPath)
			var s jen.Code
			switch p.Conv {
			case ConvTextMarshaler:
				tmp++
				name := fmt.Sprintf("text%d", tmp)
				body = append(body,
					jen.List(jen.Id(name), jen.Err()).Op(":=").Add(expr).Dot("MarshalText").Call(),
					jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Lit(""), jen.Qual("fmt", "Errorf").Call(
						jen.Lit(fmt.Sprintf("%s %s: storage key: %s: %%w", f.Kind, f.GoName, p.Text)), jen.Err()))),
				)
				s = jen.String().Call(jen.Id(name))
			case ConvStringer:
				s = jen.Add(expr).Dot("String").Call()
			default:
				s = basicToString(expr, p.Type, p.Conv)
			}
			sum = append(sum, jen.Qual(runtimePkg, "KeyValue").Call(s))
		default:
			lit += p.Literal
		}
	}
	flush()
	var ret jen.Code = jen.Lit("")
	if len(sum) > 0 {
		r := jen.Add(sum[0])
		for _, s := range sum[1:] {
			r = r.Op("+").Add(s)
		}
		ret = r
	}
	body = append(body, jen.Return(ret, jen.Nil()))
	return jen.Func().Params(jen.Add(kParam).Qual(runtimePkg, "KeyContext")).Params(jen.String(), jen.Error()).Block(body...)
}

// basicToString converts a basic-kind value to its key text with strconv,
// converting named types to their basic type first.
func basicToString(expr *jen.Statement, t types.Type, conv KeyConv) jen.Code {
	b := t.Underlying().(*types.Basic)
	exact := func(k types.BasicKind) bool { return types.Identical(t, types.Typ[k]) }
	as := func(k types.BasicKind, name string) jen.Code {
		if exact(k) {
			return expr
		}
		return jen.Id(name).Call(expr)
	}
	switch conv {
	case ConvString:
		return as(types.String, "string")
	case ConvBool:
		return jen.Qual("strconv", "FormatBool").Call(as(types.Bool, "bool"))
	case ConvInt:
		if exact(types.Int) {
			return jen.Qual("strconv", "Itoa").Call(expr)
		}
		return jen.Qual("strconv", "FormatInt").Call(as(types.Int64, "int64"), jen.Lit(10))
	case ConvUint:
		return jen.Qual("strconv", "FormatUint").Call(as(types.Uint64, "uint64"), jen.Lit(10))
	case ConvFloat:
		if b.Kind() == types.Float32 {
			return jen.Qual("strconv", "FormatFloat").Call(jen.Id("float64").Call(expr), jen.LitRune('g'), jen.Lit(-1), jen.Lit(32))
		}
		return jen.Qual("strconv", "FormatFloat").Call(as(types.Float64, "float64"), jen.LitRune('g'), jen.Lit(-1), jen.Lit(64))
	}
	return expr
}
