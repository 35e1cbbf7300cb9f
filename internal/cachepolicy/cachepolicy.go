// Package cachepolicy is the one parser of the cache_policy grammar, shared
// by the directive parser (which turns offsets into source positions), the
// runtime (which builds cache keys from the parts) and review.
//
// A policy is "none", or parts joined with '+':
//
//	default          inputs, task_source and run_id
//	inputs           the hash of every parameter
//	inputs-a-b       the hash of every parameter but a and b
//	task_source      the hash of the task's code
//	run_id           the id of the flow run (or of the task run, outside a flow)
//	flow_parameters  the hash of the calling flow's parameters
//
// Each part may be given once: "inputs" at most once in any spelling,
// "default" not beside a part it already includes, and "none" alone. The
// value is taken as written: no spaces are trimmed.
package cachepolicy

import (
	"fmt"
	"go/token"
	"maps"
	"slices"
	"strings"

	"github.com/resultgen/resultgen/internal/suggest"
)

// The parts of a policy.
const (
	Default        = "default"
	None           = "none"
	Inputs         = "inputs"
	TaskSource     = "task_source"
	RunID          = "run_id"
	FlowParameters = "flow_parameters"
)

// Defaults is what "default" stands for, written out.
const Defaults = Inputs + "+" + TaskSource + "+" + RunID

// names are the part names, in the order diagnostics list them.
var names = []string{Default, None, Inputs, TaskSource, RunID, FlowParameters}

// defaultParts are the parts of Defaults.
var defaultParts = strings.Split(Defaults, "+")

// Policy is a parsed cache policy.
type Policy struct {
	// Written are the parts as written, in order: "inputs" stands for an
	// inputs-NAME part too, "default" is not expanded.
	Written []string
	// Drop are the parameters left out of inputs, as written.
	Drop []string
}

// DefaultPolicy is the policy of a task that sets none.
func DefaultPolicy() Policy { return Policy{Written: []string{Default}} }

// None reports whether p is "none": results are stored under a random key
// and never looked up.
func (p Policy) None() bool { return slices.Equal(p.Written, []string{None}) }

// Parts are the parts that make up the key: sorted, unique, "default"
// expanded; empty for "none".
func (p Policy) Parts() []string {
	var out []string
	for _, w := range p.Written {
		switch w {
		case None:
		case Default:
			out = append(out, defaultParts...)
		default:
			out = append(out, w)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Has reports whether the key includes part (one of the constants other
// than Default and None).
func (p Policy) Has(part string) bool { return slices.Contains(p.Parts(), part) }

// Hashes reports whether the key includes the hash of parameter name.
func (p Policy) Hashes(name string) bool {
	return p.Has(Inputs) && !slices.Contains(p.Drop, name)
}

// Excluded is the set of parameters left out of inputs, or nil.
func (p Policy) Excluded() map[string]bool {
	if len(p.Drop) == 0 {
		return nil
	}
	m := make(map[string]bool, len(p.Drop))
	for _, d := range p.Drop {
		m[d] = true
	}
	return m
}

// String is the resolved policy: its sorted parts joined with "+", the
// inputs part with the parameters it leaves out, sorted ("inputs-a-b").
func (p Policy) String() string {
	if p.None() {
		return None
	}
	parts := p.Parts()
	for i, part := range parts {
		if part == Inputs && len(p.Drop) > 0 {
			parts[i] = Inputs + "-" + strings.Join(slices.Sorted(maps.Keys(p.Excluded())), "-")
		}
	}
	return strings.Join(parts, "+")
}

// Error is one problem in a cache policy, at a byte offset in its text.
type Error struct {
	Offset int
	Msg    string // lowercase, names what is wrong and how to fix it
}

func (e *Error) Error() string { return e.Msg }

// ErrorList is every problem found in one policy, in text order.
type ErrorList []*Error

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Msg
	}
	return strings.Join(msgs, "; ")
}

// Parse parses a cache_policy value. On failure the error is an ErrorList
// with every problem found, and the Policy is to be ignored.
func Parse(s string) (Policy, error) {
	var (
		p       Policy
		errs    ErrorList
		seen    = map[string]bool{}
		dropped = map[string]bool{}
	)
	fail := func(off int, format string, args ...any) {
		errs = append(errs, &Error{Offset: off, Msg: fmt.Sprintf(format, args...)})
	}
	noneOff, count, off := -1, 0, 0
	for part := range strings.SplitSeq(s, "+") {
		partOff := off
		off += len(part) + 1
		if part == "" {
			fail(max(partOff-1, 0), "empty part in cache_policy %q (a stray +)", s)
			continue
		}
		count++
		name := part
		if rest, isDrop := strings.CutPrefix(part, Inputs+"-"); isDrop {
			name = Inputs
			dOff := partOff + len(Inputs+"-")
			for d := range strings.SplitSeq(rest, "-") {
				switch {
				case d == "":
					fail(max(dOff-1, 0), "missing parameter name after - in %q", part)
				case !token.IsIdentifier(d) || d == "_":
					fail(dOff, "invalid parameter name %q in %q: want a Go identifier", d, part)
				case dropped[d]:
					fail(dOff, "parameter %q dropped twice in cache_policy", d)
				default:
					dropped[d] = true
					p.Drop = append(p.Drop, d)
				}
				dOff += len(d) + 1
			}
		}
		if !slices.Contains(names, name) {
			fail(partOff, "unknown cache policy %q%s: want %s joined with +, where inputs-NAME drops a parameter",
				part, suggest.DidYouMean(part, names), suggest.OrList(names))
			continue
		}
		if name == None {
			noneOff = partOff
		}
		switch {
		case seen[name] && name == Inputs:
			fail(partOff, "inputs given twice in cache_policy (drop several parameters with one inputs-a-b)")
			continue
		case seen[name]:
			fail(partOff, "duplicate %q in cache_policy", name)
			continue
		case name == Default:
			for _, q := range defaultParts {
				if seen[q] {
					fail(partOff, "default already includes %s", q)
				}
			}
		case slices.Contains(defaultParts, name) && seen[Default]:
			fail(partOff, "default already includes %s", name)
		}
		seen[name] = true
		p.Written = append(p.Written, name)
	}
	if noneOff >= 0 && count > 1 {
		fail(noneOff, "none cannot be combined with other cache policies")
	}
	if len(errs) > 0 {
		return Policy{}, errs
	}
	return p, nil
}
