package results

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/storage"
)

// ErrAmbiguousName is wrapped by CheckName's error when a task or flow name
// matches the records of functions of several packages.
var ErrAmbiguousName = errors.New("ambiguous name")

// PackageOf returns the import path of the package of the function that
// wrote the record ("example.com/app/durable" for the Func
// "example.com/app/durable.Step"); "" when the record does not say.
func PackageOf(m record.Meta) string {
	i := strings.LastIndex(m.Func, ".")
	if i < 0 || strings.LastIndex(m.Func, "/") > i {
		return ""
	}
	return m.Func[:i]
}

// MatchName reports whether name names the task or flow that wrote the
// record of m: its short name (m.Task: "Step"), or that name or its Go
// function's qualified by its package, either by import path, as records
// keep it ("example.com/app/durable.Step", m.Func) or by the package's last
// element ("durable.Step"). "" matches every record.
func MatchName(m record.Meta, name string) bool {
	if name == "" || m.Task == name {
		return true
	}
	pkg := PackageOf(m)
	if pkg == "" {
		return false
	}
	for _, n := range []string{m.Task, m.Func[len(pkg)+1:]} {
		if name == pkg+"."+n || name == path.Base(pkg)+"."+n {
			return true
		}
	}
	return false
}

// shortName is the task or flow name in a possibly qualified name: what
// follows its package ("Step" of "example.com/app/durable.Step").
func shortName(name string) string {
	if i := strings.LastIndex(name, "."); i > 0 && i > strings.LastIndex(name, "/") {
		return name[i+1:]
	}
	return name
}

// NameFunctions returns the functions (record.Meta.Func, sorted) whose
// records in st under prefix the task or flow name matches (MatchName); a
// record that names no function counts as its task name in parentheses.
// It reads every record's header, holding one entry per function (not per
// record); looked, when not nil, is called once per object looked at (a
// command's progress). The error is the store's failing to list.
func NameFunctions(ctx context.Context, st storage.Storage, prefix, name string, looked func()) ([]string, error) {
	seen := map[string]bool{}
	for e, err := range List(ctx, st, ListOptions{Prefix: prefix, Task: name, Looked: looked}) {
		if err != nil {
			return nil, err
		}
		seen[funcOf(e.Meta)] = true
	}
	return slices.Sorted(maps.Keys(seen)), nil
}

func funcOf(m record.Meta) string {
	if m.Func == "" {
		return "(" + m.Task + ")"
	}
	return m.Func
}

// CheckName reports, wrapping ErrAmbiguousName, a task or flow name that
// matches functions (as NameFunctions returns them) of more than one
// package: "Step" in a store shared by example.com/app/durable and
// example.com/app/durable2. The message lists them and names the fix, the
// qualified name, given with flag ("-task").
func CheckName(name string, fns []string, flag string) error {
	pkgs := map[string]bool{}
	for _, f := range fns {
		if p := PackageOf(record.Meta{Func: f}); p != "" {
			pkgs[p] = true // records that name no function stay out of it
		}
	}
	if len(pkgs) < 2 {
		return nil
	}
	first := fns[0]
	for _, f := range fns {
		if !strings.HasPrefix(f, "(") {
			first = f
			break
		}
	}
	return fmt.Errorf("%w: %q names the functions of %d packages:\n  %s\nuse the qualified name, such as %s %s",
		ErrAmbiguousName, name, len(pkgs), strings.Join(fns, "\n  "), flag, first)
}
