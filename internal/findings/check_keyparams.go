package findings

import (
	"strings"

	"github.com/resultgen/resultgen/internal/model"

	"github.com/resultgen/resultgen/review/report"
)

// checkKeyParams finds a task's storage-key template that leaves out
// some of the task's named parameters (check key-params, a warning at
// storage_key): with none of them, every call shares one stored result;
// with some, calls that differ only in the others collide on one.
// Parameters that are not values (model.NotAValue: locks, files, funcs...)
// are not inputs, and need not be in the key. A key with
// {task_run.map_index} names a mapped run by its place in the Map, by
// choice (the older seed's advice for mapped tasks): it is not judged.
func (e *engine) checkKeyParams(f *fn) {
	d, u := f.d, f.u
	if d.StorageKey == nil || !f.isTask() || f.obj == nil || len(f.params) == 0 {
		return
	}
	used := map[string]bool{}
	for _, part := range d.StorageKey.Parts {
		ref := part.Ref
		switch {
		case ref == nil:
		case ref.Root == "parameters":
			used[ref.Name] = true
		case ref.Root == "task_run" && ref.Name == "map_index":
			return // a mapped run is named by its place, as the key says
		}
	}
	var missing []string
	for _, p := range f.params {
		if p.Name() == "" || p.Name() == "_" {
			continue
		}
		if _, why := model.NotAValue(p.Type()); why != "" {
			continue // a lock, a file, a func...: not an input a key could name
		}
		if !used[p.Name()] {
			missing = append(missing, p.Name())
		}
	}
	switch {
	case len(used) == 0:
		e.report(u, d.StorageKey.Pos, report.Warning, report.CheckKeyParams, f,
			"add {parameters[NAME]} for the parameters that change the result",
			"%s: storage_key %q uses none of the parameters (%s): every call shares one stored result", f.label(), d.StorageKey.Raw, strings.Join(missing, ", "))
	case len(missing) > 0:
		e.report(u, d.StorageKey.Pos, report.Warning, report.CheckKeyParams, f,
			"add {parameters["+missing[0]+"]} to the key, or drop the parameter",
			"%s: storage_key %q omits %s: calls that differ only there collide on one stored result", f.label(), d.StorageKey.Raw, strings.Join(missing, ", "))
	}
}
