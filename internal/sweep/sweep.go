// Package sweep marks the tests that sweep a large corpus with one
// goroutine (every file of the standard library, every golden case and
// example, every helper of a call graph): the race detector slows them
// about four times and finds nothing in them that the package's other
// tests, which run with -race, do not.
//
// Such a test is named TestSweep... and calls Skip first. Under -race it
// skips itself; make test runs it in a step of its own, without -race
// (scripts/test.sh, step sweeps, go test -run '^TestSweep'). A plain
// go test runs it as any other test.
package sweep

import (
	"strings"
	"testing"
)

// Skip skips t when the test binary was built with -race. It fails a test
// whose name does not start with TestSweep: make test's sweeps step finds
// sweeps by that name, and would never run it.
func Skip(t testing.TB) {
	t.Helper()
	if !strings.HasPrefix(t.Name(), "TestSweep") {
		t.Fatalf("%s calls sweep.Skip but its name does not start with TestSweep: make test would never run it without -race", t.Name())
	}
	if race {
		t.Skip("a sweep: make test runs it without -race (step sweeps)")
	}
}

// Race reports whether the test binary was built with -race, for a test
// that keeps its matrix smaller under the race detector (each case still
// run, through fewer of the ways that a plain go test runs it).
const Race = race
