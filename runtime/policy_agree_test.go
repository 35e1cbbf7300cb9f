package runtime

import (
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/annotations"
	"github.com/resultgen/resultgen/internal/rules"
)

// policySpellings are cache_policy values, accepted and rejected.
var policySpellings = []string{
	"default", "none", "inputs", "task_source", "run_id", "flow_parameters",
	"inputs+task_source+run_id", "default+flow_parameters", "run_id+inputs-a-b",
	"inputs-x+task_source", "flow_parameters+none",
	"none+inputs", "inputs+run_id+inputs", "inputs+inputs-a", "run_id+run_id",
	"default+run_id", "task_source+default", "default+default", "input+run_id",
	"inputs++run_id", "+inputs", "inputs+", "+", "inputs-", "inputs-1x",
	"inputs-a-a", "inputs-a--b", "inputs-_", "Inputs", "none+none", "bogus",
	"inputs-a+inputs-b", " inputs", "inputs +run_id", "inputs-é",
}

// directivePolicy parses //result:task cache_policy=<quoted s> with the
// annotations package and returns the policy, or the errors as
// "offset: message" where offset is the byte offset in s.
func directivePolicy(t *testing.T, s string) (*annotations.Policy, []string) {
	t.Helper()
	quoted := strconv.Quote(s)
	src := "package p\n\n//result:task cache_policy=" + quoted + "\nfunc F(a, b int) int { return 0 }\n"
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	dirs, errs := annotations.ParseFile(fset, f)
	if len(errs) == 0 {
		if len(dirs) != 1 {
			t.Fatalf("%q: %d directives", s, len(dirs))
		}
		return dirs[0].CachePolicy, nil
	}
	// The value starts after the opening quote; without escapes in the
	// quoted text, a column maps to a byte of s directly.
	valueCol := len("//result:task cache_policy=") + 2
	var out []string
	for _, e := range errs {
		msg := strings.TrimPrefix(e.Msg, "task F: ")
		if quoted == `"`+s+`"` {
			msg = fmt.Sprintf("%d: %s", fset.Position(e.Pos).Column-valueCol, msg)
		}
		out = append(out, msg)
	}
	return nil, out
}

// checkPolicyAgrees checks that the directive parser and the runtime accept
// and reject s alike, with the same messages at the same offsets, and read
// the same policy when they accept it.
func checkPolicyAgrees(t *testing.T, s string) {
	dir, dirErrs := directivePolicy(t, s)
	run, err := parsePolicy(s)
	var list rules.PolicyErrors
	switch {
	case err != nil && !errors.As(err, &list):
		t.Fatalf("%q: runtime error %v is not a rules.PolicyErrors", s, err)
	case (err == nil) != (dirErrs == nil):
		t.Fatalf("%q: the directive parser says %q, the runtime says %v", s, dirErrs, err)
	case err != nil:
		var runErrs []string
		exact := strconv.Quote(s) == `"`+s+`"`
		for _, e := range list {
			if exact {
				runErrs = append(runErrs, fmt.Sprintf("%d: %s", e.Offset, e.Msg))
			} else {
				runErrs = append(runErrs, e.Msg)
			}
		}
		slices.Sort(runErrs)
		slices.Sort(dirErrs)
		if !slices.Equal(runErrs, dirErrs) {
			t.Errorf("%q: errors differ\n directive: %q\n   runtime: %q", s, dirErrs, runErrs)
		}
	default:
		fromDir := rules.Policy{Written: dir.Parts, Drop: dir.Drop}
		if fromDir.String() != run.String() || dir.None() != run.None() {
			t.Errorf("%q: directive reads %s (none %v), runtime %s (none %v)", s, fromDir, dir.None(), run, run.None())
		}
		for _, name := range []string{"a", "b", "x"} {
			if dir.Hashes(name) != run.Hashes(name) {
				t.Errorf("%q: parameter %s hashed: directive %v, runtime %v", s, name, dir.Hashes(name), run.Hashes(name))
			}
		}
	}
}

func TestPolicySpellingsAgree(t *testing.T) {
	for _, s := range policySpellings {
		checkPolicyAgrees(t, s)
	}
}

func FuzzPolicySpellingsAgree(f *testing.F) {
	for _, s := range policySpellings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" {
			t.Skip(`"" is the default (no cache_policy) to the runtime and an empty value to the directive parser`)
		}
		checkPolicyAgrees(t, s)
	})
}

// TestDefaultPolicy checks that a task without cache_policy keys on what
// "default" stands for.
func TestDefaultPolicy(t *testing.T) {
	p, err := parsePolicy("")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := parsePolicy(rules.PolicyDefaults)
	if p.String() != want.String() || p.String() != "inputs+run_id+task_source" {
		t.Errorf("default policy %s, want %s", p, want)
	}
}
