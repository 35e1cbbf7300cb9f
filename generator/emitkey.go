package generator

import (
	"fmt"
	"go/types"
	"strings"

	"github.com/dave/jennifer/jen"
	"github.com/resultgen/resultgen/internal/model"
)

// keyFunc compiles the template into the Invocation.StorageKey func literal.
func keyFunc(f *model.Func, kt *model.KeyTemplate) jen.Code {
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
	errRet := func(err jen.Code) jen.Code { return jen.Return(jen.Lit(""), err) }
	for _, p := range kt.Parts {
		switch {
		case p.Run == "flow_run.parameters", p.Run == "task_run.map_index":
			flush()
			tmp++
			name := fmt.Sprintf("text%d", tmp)
			call := jen.Id("k").Dot("MapIndex").Call()
			v := jen.Qual("strconv", "Itoa").Call(jen.Id(name))
			if p.Run == "flow_run.parameters" {
				call, v = jen.Id("k").Dot("FlowParameter").Call(jen.Lit(p.Arg)), jen.Id(name)
			}
			body = append(body,
				jen.List(jen.Id(name), jen.Err()).Op(":=").Add(call),
				jen.If(jen.Err().Op("!=").Nil()).Block(errRet(jen.Err())),
			)
			sum = append(sum, jen.Qual(model.RuntimePkg, "KeyValue").Call(v))
		case p.Run == "flow_run.start_time":
			flush()
			sum = append(sum, jen.Qual(model.RuntimePkg, "KeyValue").Call(jen.Id("k").Dot("FlowRunStart").Dot("Format").Call(jen.Lit(p.Arg))))
		case p.Run != "":
			flush()
			v := jen.Id("k").Dot(p.RunField[0]).Dot(p.RunField[1])
			if strings.HasSuffix(p.Run, "run_count") {
				v = jen.Qual("strconv", "Itoa").Call(v)
			}
			sum = append(sum, jen.Qual(model.RuntimePkg, "KeyValue").Call(v))
		case p.Param != nil:
			flush()
			stmts, s := paramText(f, p, &tmp, checked, errRet)
			body = append(body, stmts...)
			sum = append(sum, jen.Qual(model.RuntimePkg, "KeyValue").Call(s))
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
	return jen.Func().Params(jen.Add(kParam).Qual(model.RuntimePkg, "KeyContext")).Params(jen.String(), jen.Error()).Block(body...)
}

// paramText is the key text of parameter reference p: the statements that
// compute it (nil checks, MarshalText) and the string expression. tmp
// numbers the temporaries (text1, text2, ...); checked is the pointers
// already checked for nil; errRet returns an error from the function.
func paramText(f *model.Func, p model.KeyPart, tmp *int, checked map[string]bool, errRet func(err jen.Code) jen.Code) ([]jen.Code, jen.Code) {
	var body []jen.Code
	nilCheck := func(goPath, text string) {
		if checked[goPath] {
			return
		}
		checked[goPath] = true
		body = append(body, jen.If(jen.Id(goPath).Op("==").Nil()).Block(errRet(jen.Qual("errors", "New").Call(
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
	if _, isPtr := p.Type.Underlying().(*types.Pointer); isPtr && (p.Conv == model.ConvStringer || p.Conv == model.ConvTextMarshaler) {
		nilCheck(goPath, text)
	}
	expr := jen.Id(goPath)
	switch p.Conv {
	case model.ConvTextMarshaler:
		*tmp++
		name := fmt.Sprintf("text%d", *tmp)
		body = append(body,
			jen.List(jen.Id(name), jen.Err()).Op(":=").Add(expr).Dot("MarshalText").Call(),
			jen.If(jen.Err().Op("!=").Nil()).Block(errRet(jen.Qual("fmt", "Errorf").Call(
				jen.Lit(fmt.Sprintf("%s %s: storage key: %s: %%w", f.Kind, f.GoName, p.Text)), jen.Err()))),
		)
		return body, jen.String().Call(jen.Id(name))
	case model.ConvStringer:
		return body, jen.Add(expr).Dot("String").Call()
	}
	return body, basicToString(expr, p.Type, p.Conv)
}

// flowParameter is a flow's Invocation.FlowParameter: its parameters as
// key text, for the storage keys of the tasks it calls
// ({flow_run.parameters[NAME]}).
func flowParameter(f *model.Func) jen.Code {
	tmp := 0
	var cases []jen.Code
	for _, p := range f.FlowKeyParams {
		errRet := func(err jen.Code) jen.Code { return jen.Return(jen.Lit(""), jen.True(), err) }
		stmts, s := paramText(f, p, &tmp, map[string]bool{}, errRet)
		cases = append(cases, jen.Case(jen.Lit(p.Param.Name)).Block(append(stmts, jen.Return(s, jen.True(), jen.Nil()))...))
	}
	return jen.Func().Params(jen.Id("k").String()).Params(jen.String(), jen.Bool(), jen.Error()).Block(
		jen.Switch(jen.Id("k")).Block(cases...),
		jen.Return(jen.Lit(""), jen.False(), jen.Nil()),
	)
}

// basicToString converts a basic-kind value to its key text with strconv,
// converting named types to their basic type first.
func basicToString(expr *jen.Statement, t types.Type, conv model.KeyConv) jen.Code {
	b := t.Underlying().(*types.Basic)
	exact := func(k types.BasicKind) bool { return types.Identical(t, types.Typ[k]) }
	as := func(k types.BasicKind, name string) jen.Code {
		if exact(k) {
			return expr
		}
		return jen.Id(name).Call(expr)
	}
	switch conv {
	case model.ConvString:
		return as(types.String, "string")
	case model.ConvBool:
		return jen.Qual("strconv", "FormatBool").Call(as(types.Bool, "bool"))
	case model.ConvInt:
		if exact(types.Int) {
			return jen.Qual("strconv", "Itoa").Call(expr)
		}
		return jen.Qual("strconv", "FormatInt").Call(as(types.Int64, "int64"), jen.Lit(10))
	case model.ConvUint:
		return jen.Qual("strconv", "FormatUint").Call(as(types.Uint64, "uint64"), jen.Lit(10))
	case model.ConvFloat:
		if b.Kind() == types.Float32 {
			return jen.Qual("strconv", "FormatFloat").Call(jen.Id("float64").Call(expr), jen.LitRune('g'), jen.Lit(-1), jen.Lit(32))
		}
		return jen.Qual("strconv", "FormatFloat").Call(as(types.Float64, "float64"), jen.LitRune('g'), jen.Lit(-1), jen.Lit(64))
	}
	return expr
}
