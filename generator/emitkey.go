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
	for _, p := range kt.Parts {
		switch {
		case p.Run != "":
			flush()
			v := jen.Id("k").Dot(p.RunField[0]).Dot(p.RunField[1])
			if strings.HasSuffix(p.Run, "run_count") {
				v = jen.Qual("strconv", "Itoa").Call(v)
			}
			sum = append(sum, jen.Qual(model.RuntimePkg, "KeyValue").Call(v))
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
			if _, isPtr := p.Type.Underlying().(*types.Pointer); isPtr && (p.Conv == model.ConvStringer || p.Conv == model.ConvTextMarshaler) {
				nilCheck(goPath, text)
			}
			expr := jen.Id(goPath)
			var s jen.Code
			switch p.Conv {
			case model.ConvTextMarshaler:
				tmp++
				name := fmt.Sprintf("text%d", tmp)
				body = append(body,
					jen.List(jen.Id(name), jen.Err()).Op(":=").Add(expr).Dot("MarshalText").Call(),
					jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Lit(""), jen.Qual("fmt", "Errorf").Call(
						jen.Lit(fmt.Sprintf("%s %s: storage key: %s: %%w", f.Kind, f.GoName, p.Text)), jen.Err()))),
				)
				s = jen.String().Call(jen.Id(name))
			case model.ConvStringer:
				s = jen.Add(expr).Dot("String").Call()
			default:
				s = basicToString(expr, p.Type, p.Conv)
			}
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
