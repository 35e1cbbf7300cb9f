package findings

import (
	"go/types"
	"strings"

	"github.com/resultgen/resultgen/annotations"
	"github.com/resultgen/resultgen/internal/model"
	"github.com/resultgen/resultgen/review/report"
)

// checkUnhashable finds a task's parameters that are not values, under a
// cache policy that hashes them (check unhashable-input, an error at the
// parameter): funcs, channels, unsafe pointers, locks and the rest of
// package sync, *os.File, net's connections, listeners and interfaces,
// context.Context, reflect.Value, and anything holding one by value or
// through a pointer (see model.NotAValue). Their hash would be a state,
// not an input: two unlocked mutexes would share a key, a locked one get
// another. The fix leaves the parameter out (cache_policy=inputs-NAME...)
// or keys the task with a cache_key_fn. A task whose key does not hash
// inputs (a storage_key, a cache_key_fn, a policy without inputs or
// leaving the parameter out, persist=false) is left alone; the generated
// code still refuses such a parameter if a run-time option hashes it.
func (e *engine) checkUnhashable(f *fn) {
	d, u := f.d, f.u
	if !f.isTask() || f.obj == nil || d.StorageKey != nil || d.CacheKeyFn != nil || (d.Persist != nil && !d.Persist.Value) {
		return
	}
	qual := func(*types.Package) string { return "" }
	if u.pkg != nil {
		qual = types.RelativeTo(u.pkg)
	}
	for _, p := range f.params {
		name := p.Name()
		if name == "" || name == "_" || !d.CachePolicy.Hashes(name) || model.IsContext(p.Type()) {
			continue // a context after the first parameter: the generator says where it goes
		}
		path, why := model.NotAValue(p.Type())
		if why == "" {
			continue
		}
		e.report(u, p.Pos(), report.Error, report.CheckUnhashable, f,
			"leave it out with cache_policy="+withoutParam(d.CachePolicy, name)+", or key the task with a cache_key_fn",
			"%s: parameter %s of type %s cannot be hashed for the inputs cache policy: %s is %s",
			f.label(), name, types.TypeString(p.Type(), qual), name+path, why)
	}
}

// withoutParam is the cache policy pol (nil: the default) with parameter
// name left out of its inputs part ("inputs-fn+task_source+run_id" for
// the default).
func withoutParam(pol *annotations.Policy, name string) string {
	parts := []string{"default"}
	var drop []string
	if pol != nil {
		parts, drop = pol.Parts, pol.Drop
	}
	inputs := strings.Join(append(append([]string{"inputs"}, drop...), name), "-")
	var out []string
	for _, p := range parts {
		switch p {
		case "default":
			out = append(out, inputs, "task_source", "run_id")
		case "inputs":
			out = append(out, inputs)
		default:
			out = append(out, p)
		}
	}
	return strings.Join(out, "+")
}
