package model

import (
	"go/types"
	"strconv"
	"strings"
	"unicode"

	"github.com/resultgen/resultgen/annotations"
)

// Names are the identifiers the generator declares for one function. They
// are part of the generated API: review finds wrapper calls by them.
type Names struct {
	Value string // the package-level task or flow value: FTask, FFlow (fTask for f)
	Type  string // its type: FTaskType, FFlowType (fTaskType for f)
	Def   string // the *runtime.Def variable: fTaskDef
	// Args is the argument-set struct of a task's Map (FTaskArgs), declared
	// for tasks with two or more parameters; reserved for every task, so
	// adding a parameter never makes a name clash appear. "" for flows.
	Args string
	// Call is the unexported struct of one call's arguments, the
	// invocation's runtime.Args (fTaskCall), declared for functions with
	// parameters; reserved for every function, as Args.
	Call string
}

// NamesFor returns the identifiers generated for function fn of kind k. An
// unexported function gets unexported names, so the wrapper is no more
// visible than the function it runs.
func NamesFor(fn string, k annotations.Kind) Names {
	v := fn + "Task"
	if k == annotations.Flow {
		v = fn + "Flow"
	}
	n := Names{Value: v, Type: v + "Type", Def: lowerIdent(v) + "Def", Call: lowerIdent(v) + "Call"}
	if k == annotations.Task {
		n.Args = v + "Args"
	}
	return n
}

// list is the names in declaration order.
func (n Names) list() []string {
	if n.Args == "" {
		return []string{n.Value, n.Type, n.Def, n.Call}
	}
	return []string{n.Value, n.Type, n.Def, n.Args, n.Call}
}

// ArgFields names the fields of a task's Args struct, one per parameter:
// the parameter's name with its first letter upper-cased (name -> Name),
// "Arg" before a name that cannot be (_x -> Arg_x), and "_" after one that
// another took (name, Name -> Name, Name_).
func ArgFields(params []Param) []string {
	out := make([]string, len(params))
	used := map[string]bool{}
	for i, p := range params {
		rs := []rune(p.Name)
		rs[0] = unicode.ToUpper(rs[0])
		v := string(rs)
		if !unicode.IsUpper(rs[0]) {
			v = "Arg" + p.Name
		}
		for used[v] {
			v += "_"
		}
		used[v] = true
		out[i] = v
	}
	return out
}

// lowerIdent lowers an identifier's leading upper-case run: HTTPGet -> httpGet.
func lowerIdent(s string) string {
	rs := []rune(s)
	n := 0
	for n < len(rs) && unicode.IsUpper(rs[n]) {
		n++
	}
	switch {
	case n == 0:
		return s
	case n == 1 || n == len(rs):
		for i := 0; i < n; i++ {
			rs[i] = unicode.ToLower(rs[i])
		}
	default: // keep the last upper of the run: it starts the next word
		for i := 0; i < n-1; i++ {
			rs[i] = unicode.ToLower(rs[i])
		}
	}
	return string(rs)
}

// Kebab turns a Go identifier into a kebab-case run name:
// MyFlow -> my-flow, HTTPServerFlow -> http-server-flow, load_data -> load-data.
func Kebab(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if r == '_' {
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
				b.WriteByte('-')
			}
			continue
		}
		if unicode.IsUpper(r) && i > 0 {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if (unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower)) && !strings.HasSuffix(b.String(), "-") {
				b.WriteByte('-')
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return strings.Trim(b.String(), "-")
}

// nameVars picks the wrapper's identifier for each parameter: its own name
// unless that would shadow something the generated method bodies use.
func (a *analyzer) nameVars(f *Func) {
	reserved := map[string]bool{
		"t": true, "ctx": true, "h": true, "k": true, "err": true,
		"Inputs": true, "Body": true, // the call struct's methods: its fields are the parameters
		"runtime": true, "context": true, "strconv": true, "errors": true, "fmt": true, "time": true,
		f.GoName: true, f.Names.Value: true, f.Names.Type: true, f.Names.Def: true, f.Names.Call: true,
	}
	if f.Directive.CacheKeyFn != nil {
		reserved[f.Directive.CacheKeyFn.Value] = true
	}
	for _, h := range []*annotations.String{f.Directive.OnCommit, f.Directive.OnRollback} {
		if h != nil {
			reserved[h.Value] = true
		}
	}
	// package names the types of the signature use
	var walk func(t types.Type, seen map[types.Type]bool)
	walk = func(t types.Type, seen map[types.Type]bool) {
		if seen[t] {
			return
		}
		seen[t] = true
		switch t := t.(type) {
		case *types.Named:
			if t.Obj().Pkg() != nil {
				reserved[t.Obj().Pkg().Name()] = true
			}
			for i := 0; i < t.TypeArgs().Len(); i++ {
				walk(t.TypeArgs().At(i), seen)
			}
		case *types.Alias:
			if t.Obj().Pkg() != nil {
				reserved[t.Obj().Pkg().Name()] = true
			}
			walk(types.Unalias(t), seen)
		case interface{ Elem() types.Type }:
			walk(t.Elem(), seen)
			if m, ok := t.(*types.Map); ok {
				walk(m.Key(), seen)
			}
		}
	}
	seen := map[types.Type]bool{}
	for _, p := range f.Params {
		walk(p.Type, seen)
	}
	if f.Result != nil {
		walk(f.Result, seen)
	}
	used := map[string]bool{}
	for _, p := range f.Params {
		used[p.Name] = true
	}
	for i := range f.Params {
		v := f.Params[i].Name
		for reserved[v] || isTempName(v) || (v != f.Params[i].Name && used[v]) {
			v += "_"
		}
		used[v] = true
		f.Params[i].Var = v
	}
}

// isTempName reports whether v has the form of the storage-key function's
// temporaries (text1, text2, ...).
func isTempName(v string) bool {
	rest, ok := strings.CutPrefix(v, "text")
	if !ok || rest == "" {
		return false
	}
	_, err := strconv.Atoi(rest)
	return err == nil
}
