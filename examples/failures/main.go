// Command failures shows what a caller gets back when a task fails: through
// Call (the task's own error, usable with errors.Is), through State (check
// IsFailed first, or read the error from Result), and through Submit's
// Future. A panicking task fails the same way, its error carrying the panic.
package main

//go:generate go tool resultgen

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/resultgen/resultgen/runtime"
)

// ErrNoInput is what Parse returns for an empty string.
var ErrNoInput = errors.New("no input")

// Parse reads an integer.
//
//result:task
func Parse(s string) (int, error) {
	if s == "" {
		return 0, ErrNoInput
	}
	return strconv.Atoi(s)
}

// Explode always panics.
//
//result:task
func Explode() int { panic("boom") }

// Handle goes through each way of looking at a failure and falls back to 1.
//
//result:flow
func Handle(ctx context.Context) (int, error) {
	// Call: the error is the task's own.
	_, err := ParseTask.Call(ctx, "")
	if errors.Is(err, ErrNoInput) {
		fmt.Println("call:   the task failed with ErrNoInput")
	}

	// State: check before asking for the value.
	st := ParseTask.State(ctx, "x")
	result := 1
	if st.IsFailed() {
		fmt.Printf("state:  %s, falling back to 1 (%v)\n", st.Name(), st.Err())
	} else {
		result, _ = st.Result()
	}

	// Future: Result waits, then reports the failure like State.
	fut := ExplodeTask.Submit(ctx)
	if _, err := fut.Result(); err != nil {
		var p *runtime.PanicError
		fmt.Printf("future: %s, panic=%t\n", fut.State().Name(), errors.As(err, &p))
	}

	// A good input succeeds.
	n, err := ParseTask.Call(ctx, "41")
	if err != nil {
		return 0, err
	}
	return result + n, nil
}

func main() {
	n, err := HandleFlow.Call(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "failures:", err)
		os.Exit(1)
	}
	fmt.Println("flow handle returned", n)
}
