package rules

// The cache_policy grammar: see the package doc, "Cache policies".

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"

	"github.com/resultgen/resultgen/internal/suggest"
)

// The parts of a policy.
const (
	PolicyDefault        = "default"
	PolicyNone           = "none"
	PolicyInputs         = "inputs"
	PolicyTaskSource     = "task_source"
	PolicyRunID          = "run_id"
	PolicyFlowParameters = "flow_parameters"
)

// PolicyDefaults is what "default" stands for, written out.
const PolicyDefaults = PolicyInputs + "+" + PolicyTaskSource + "+" + PolicyRunID

// policyNames are the part policyNames, in the order diagnostics list them.
var policyNames = []string{PolicyDefault, PolicyNone, PolicyInputs, PolicyTaskSource, PolicyRunID, PolicyFlowParameters}

// policyDefaultParts are the parts of PolicyDefaults.
var policyDefaultParts = strings.Split(PolicyDefaults, "+")

// Policy is a parsed cache policy.
type Policy struct {
	// Written are the parts as written, in order: "inputs" stands for an
	// inputs-NAME part too, "default" is not expanded.
	Written []string
	// Drop are the parameters left out of inputs, as written.
	Drop []string
}

// DefaultPolicy is the policy of a task that sets none.
func DefaultPolicy() Policy { return Policy{Written: []string{PolicyDefault}} }

// None reports whether p is "none": results are stored under a random key
// and never looked up.
func (p Policy) None() bool { return slices.Equal(p.Written, []string{PolicyNone}) }

// Parts are the parts that make up the key: sorted, unique, "default"
// expanded; empty for "none".
func (p Policy) Parts() []string {
	var out []string
	for _, w := range p.Written {
		switch w {
		case PolicyNone:
		case PolicyDefault:
			out = append(out, policyDefaultParts...)
		default:
			out = append(out, w)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Has reports whether the key includes part (one of the Policy constants other
// than PolicyDefault and PolicyNone).
func (p Policy) Has(part string) bool { return slices.Contains(p.Parts(), part) }

// Hashes reports whether the key includes the hash of parameter name.
func (p Policy) Hashes(name string) bool {
	return p.Has(PolicyInputs) && !slices.Contains(p.Drop, name)
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
		return PolicyNone
	}
	parts := p.Parts()
	for i, part := range parts {
		if part == PolicyInputs && len(p.Drop) > 0 {
			parts[i] = PolicyInputs + "-" + strings.Join(slices.Sorted(maps.Keys(p.Excluded())), "-")
		}
	}
	return strings.Join(parts, "+")
}

// PolicyError is one problem in a cache policy, at a byte offset in its text.
type PolicyError struct {
	Offset int
	Msg    string // lowercase, policyNames what is wrong and how to fix it
}

func (e *PolicyError) Error() string { return e.Msg }

// PolicyErrors is every problem found in one policy, in text order.
type PolicyErrors []*PolicyError

func (l PolicyErrors) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Msg
	}
	return strings.Join(msgs, "; ")
}

// ParsePolicy parses a cache_policy value. On failure the error is a PolicyErrors
// with every problem found, and the Policy is to be ignored.
func ParsePolicy(s string) (Policy, error) {
	var (
		p       Policy
		errs    PolicyErrors
		seen    = map[string]bool{}
		dropped = map[string]bool{}
	)
	fail := func(off int, format string, args ...any) {
		errs = append(errs, &PolicyError{Offset: off, Msg: fmt.Sprintf(format, args...)})
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
		if rest, isDrop := strings.CutPrefix(part, PolicyInputs+"-"); isDrop {
			name = PolicyInputs
			dOff := partOff + len(PolicyInputs+"-")
			for d := range strings.SplitSeq(rest, "-") {
				switch {
				case d == "":
					fail(max(dOff-1, 0), "missing parameter name after - in %q", part)
				case !isIdentifier(d) || d == "_":
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
		if !slices.Contains(policyNames, name) {
			fail(partOff, "unknown cache policy %q%s: want %s joined with +, where inputs-NAME drops a parameter",
				part, suggest.DidYouMean(part, policyNames), suggest.OrList(policyNames))
			continue
		}
		if name == PolicyNone {
			noneOff = partOff
		}
		switch {
		case seen[name] && name == PolicyInputs:
			fail(partOff, "inputs given twice in cache_policy (drop several parameters with one inputs-a-b)")
			continue
		case seen[name]:
			fail(partOff, "duplicate %q in cache_policy", name)
			continue
		case name == PolicyDefault:
			for _, q := range policyDefaultParts {
				if seen[q] {
					fail(partOff, "default already includes %s", q)
				}
			}
		case slices.Contains(policyDefaultParts, name) && seen[PolicyDefault]:
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

// isIdentifier is go/token.IsIdentifier (a Go identifier that is not a
// keyword), which the runtime would otherwise link go/token for.
func isIdentifier(name string) bool {
	if name == "" || slices.Contains(goKeywords, name) {
		return false
	}
	for i, c := range name {
		if !unicode.IsLetter(c) && c != '_' && (i == 0 || !unicode.IsDigit(c)) {
			return false
		}
	}
	return true
}

// goKeywords are Go's keywords (the spec's "Keywords").
var goKeywords = []string{
	"break", "case", "chan", "const", "continue", "default", "defer", "else",
	"fallthrough", "for", "func", "go", "goto", "if", "import", "interface",
	"map", "package", "range", "return", "select", "struct", "switch", "type", "var",
}
