package findings

import (
	"fmt"
	"go/types"
	"path/filepath"
	"strings"

	"github.com/resultgen/resultgen/internal/model"
	"github.com/resultgen/resultgen/review/report"
)

// checkFlowParam finds a task's {flow_run.parameters[NAME]} that a flow
// calling the task cannot fill (check flow-param, an error, at NAME): the
// flow has no parameter NAME, or its value cannot be written into a key
// (a string, integer, float or bool kind, a fmt.Stringer or an
// encoding.TextMarshaler can). Each calling flow is judged once per
// reference; the flow a task runs in is its nearest calling flow, so only
// direct calls count. A task no flow calls is not judged here: run
// outside a flow, it fails as {flow_run.id} does.
func (e *engine) checkFlowParam(f *fn) {
	d, u := f.d, f.u
	if d.StorageKey == nil || !f.isTask() {
		return
	}
	for _, part := range d.StorageKey.Parts {
		ref := part.Ref
		if ref == nil || ref.Root != "flow_run" || ref.Name != "parameters" {
			continue
		}
		pos := ref.ArgPos
		if !pos.IsValid() {
			pos = part.Pos
		}
		seen := map[*fn]bool{}
		for _, c := range f.callers {
			fl := c.flow
			if seen[fl] || fl.obj == nil {
				continue
			}
			seen[fl] = true
			at := fl.u.fset.Position(c.pos)
			where := fmt.Sprintf("%s:%d:%d", filepath.Base(at.Filename), at.Line, at.Column)
			var param *types.Var
			var names []string
			for _, p := range fl.params {
				names = append(names, p.Name())
				if p.Name() == ref.Arg {
					param = p
				}
			}
			switch {
			case param == nil:
				have := "it has none"
				if len(names) > 0 {
					have = "it has " + strings.Join(names, ", ")
				}
				e.report(u, pos, report.Error, report.CheckFlowParam, f,
					"add a parameter "+ref.Arg+" to flow "+fl.d.Func+", or key the task by its own parameters ({parameters[NAME]})",
					"%s: storage_key reads {flow_run.parameters[%s]}, but flow %s, which calls it at %s, has no parameter %s (%s)",
					f.label(), ref.Arg, fl.d.Func, where, ref.Arg, have)
			case model.KeyConvOf(fl.u.pkg, param.Type()) == 0:
				e.report(u, pos, report.Error, report.CheckFlowParam, f,
					"give flow "+fl.d.Func+"'s parameter "+ref.Arg+" a type with a text form (a String or MarshalText method), or key the task by its own parameters",
					"%s: storage_key reads {flow_run.parameters[%s]}, but flow %s's parameter %s has type %s, which cannot be written into a key; want a string, integer, float or bool kind, a fmt.Stringer or an encoding.TextMarshaler",
					f.label(), ref.Arg, fl.d.Func, ref.Arg, types.TypeString(param.Type(), types.RelativeTo(fl.u.pkg)))
			}
		}
	}
}
