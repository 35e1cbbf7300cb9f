package rules

import (
	"errors"
	"go/token"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in, str string
		none    bool
		hashesA bool
	}{
		{"default", "inputs+run_id+task_source", false, true},
		{"none", "none", true, false},
		{"task_source+inputs-b-a", "inputs-a-b+task_source", false, false},
		{"default+flow_parameters", "flow_parameters+inputs+run_id+task_source", false, true},
		{"run_id", "run_id", false, false},
	}
	for _, tt := range tests {
		p, err := ParsePolicy(tt.in)
		if err != nil {
			t.Fatalf("ParsePolicy(%q): %v", tt.in, err)
		}
		if p.String() != tt.str || p.None() != tt.none || p.Hashes("a") != tt.hashesA {
			t.Errorf("ParsePolicy(%q) = %s none=%v hashes(a)=%v, want %s none=%v hashes(a)=%v",
				tt.in, p, p.None(), p.Hashes("a"), tt.str, tt.none, tt.hashesA)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in   string
		want []PolicyError
	}{
		{"none+inputs", []PolicyError{{0, "none cannot be combined with other cache policies"}}},
		{"inputs++run_id", []PolicyError{{6, `empty part in cache_policy "inputs++run_id" (a stray +)`}}},
		{"run_id+input", []PolicyError{{7, `unknown cache policy "input" (did you mean "inputs"?): want default, none, inputs, task_source, run_id or flow_parameters joined with +, where inputs-NAME drops a parameter`}}},
		{"inputs-a-a+default", []PolicyError{{9, `parameter "a" dropped twice in cache_policy`}, {11, "default already includes inputs"}}},
	}
	for _, tt := range tests {
		_, err := ParsePolicy(tt.in)
		var list PolicyErrors
		if !errors.As(err, &list) || len(list) != len(tt.want) {
			t.Errorf("ParsePolicy(%q) error %v, want %v", tt.in, err, tt.want)
			continue
		}
		for i, e := range list {
			if *e != tt.want[i] {
				t.Errorf("ParsePolicy(%q) error %d = %d: %s, want %d: %s", tt.in, i, e.Offset, e.Msg, tt.want[i].Offset, tt.want[i].Msg)
			}
		}
	}
}

// isIdentifier, which keeps go/token out of the runtime, agrees with
// go/token.IsIdentifier.
func TestIsIdentifierAgrees(t *testing.T) {
	for _, s := range []string{"", "_", "a", "a1", "1a", "αβ", "a-b", "func", "funcs", "x_y", "A", "٣", "a٣", "map", "nil", "true", "a b"} {
		if got, want := isIdentifier(s), token.IsIdentifier(s); got != want {
			t.Errorf("isIdentifier(%q) = %v, go/token says %v", s, got, want)
		}
	}
	for tok := token.BREAK; tok <= token.VAR; tok++ {
		if tok.IsKeyword() && isIdentifier(tok.String()) {
			t.Errorf("keyword %q taken for an identifier", tok)
		}
	}
}
