// Command quiz answers, by running them, the three questions of the results
// quiz: where will this task's result be stored, and when?
//
//   - Q1: a flow persists to a storage; its task sets nothing, so it inherits
//     the flow's persistence and storage.
//   - Q2: the same flow; the task says persist=false, which always wins, even
//     with retries.
//   - Q3: a flow with retries but no persistence settings: a task that returns
//     a value is persisted (so a retry resumes instead of recomputing), a task
//     that returns nothing is not, and the flow's own result is not.
//
// `resultgen review ./examples/quiz` gives the same answers without running.
package main

//go:generate go tool resultgen

import (
	"context"
	"fmt"
	"os"
)

// Say returns a greeting; it sets no result settings of its own.
//
//result:task
func Say() string { return "Hi!" }

// SayUnpersisted is Say with persistence explicitly off.
//
//result:task persist=false retries=3
func SayUnpersisted() string { return "Hi!" }

// Log prints and returns nothing: there is no value to persist.
//
//result:task
func Log(msg string) { fmt.Println("  log:", msg) }

// Persisting persists its results, and by inheritance its tasks', to the
// local folder quiz-results (relative to the working directory).
//
//result:flow persist storage="local:quiz-results"
func Persisting(ctx context.Context) error {
	report("Q1 Say in persisting", SayTask.State(ctx))
	report("Q2 SayUnpersisted in persisting", SayUnpersistedTask.State(ctx))
	return nil
}

// Retrying has retries and nothing else.
//
//result:flow retries=2
func Retrying(ctx context.Context) (string, error) {
	report("Q3 Say in retrying", SayTask.State(ctx))
	report("Q3 Log in retrying", LogTask.State(ctx, "hello"))
	return "done", nil
}

type reporter interface {
	Persisted() bool
	PersistReason() string
	Location() string
}

func report(what string, st reporter) {
	if st.Persisted() {
		fmt.Printf("%-38s persisted (%s) -> %s\n", what, st.PersistReason(), st.Location())
		return
	}
	fmt.Printf("%-38s not persisted (%s)\n", what, st.PersistReason())
}

func main() {
	ctx := context.Background()
	persisting := PersistingFlow.State(ctx)
	retrying := RetryingFlow.State(ctx)
	report("Q1 persisting's own result", persisting)
	report("Q3 retrying's own result", retrying)
	for _, err := range []error{persisting.Err(), retrying.Err()} {
		if err != nil {
			fmt.Fprintln(os.Stderr, "quiz:", err)
			os.Exit(1)
		}
	}
}
