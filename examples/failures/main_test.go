package main

import (
	"errors"
	"testing"

	"github.com/resultgen/resultgen/resulttest"
)

func TestHandle(t *testing.T) {
	h := resulttest.New(t)
	if n, err := HandleFlow.Call(h.Context()); err != nil || n != 42 {
		t.Fatalf("Handle = %d, %v; want 42", n, err)
	}
	if n := resulttest.Watch(h, ExplodeTask).Calls(); n != 1 {
		t.Errorf("Explode ran %d times, want 1", n)
	}
}

// When even the good input fails, Handle returns that error: the harness
// makes Parse's third call fail without changing the code.
func TestHandleWhenParsingFails(t *testing.T) {
	h := resulttest.New(t)
	parse := resulttest.Watch(h, ParseTask)
	down := errors.New("parser unavailable")
	for range 3 { // Handle parses "", "x", then "41"
		parse.FailNext(down)
	}
	if _, err := HandleFlow.Call(h.Context()); !errors.Is(err, down) {
		t.Errorf("Handle: %v, want the third Parse's error", err)
	}
	if n := parse.Calls(); n != 3 {
		t.Errorf("Parse ran %d times, want 3", n)
	}
}
