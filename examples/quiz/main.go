// Command quiz answers, by running them, the four questions of the results
// quizzes (the seeds' FAQ and hands-on guide): where will this task's result
// be stored, and when?
//
//   - Q1: a flow persists to a storage; its task sets nothing, so it inherits
//     the flow's persistence and storage.
//   - Q2: the same flow; the task says persist=false, which always wins, even
//     with retries (which still work: they re-run the body in the process).
//   - Q3: a flow with retries but no persistence settings: a task that returns
//     a value is persisted (so a retry resumes instead of recomputing), a task
//     that returns nothing is not, and the flow's own result is not.
//   - Q4: a flow that names a storage and nothing else (the hands-on
//     guide's s3/dev; here a local folder, so the example runs anywhere):
//     naming a storage turns persistence on for the flow and, by
//     inheritance, for its tasks, so extract_user is persisted although it
//     uses no feature that needs persistence; extract_number (retries=2) is
//     persisted the same way; transform (persist=false) is not; the flow's
//     own result is. The hands-on guide says extract_user is not persisted;
//     resultgen follows the newest seed here (README, "Differences").
//
// Each answer is printed from the run's State as "QN TASK in FLOW
// persisted (why) -> where" or "... not persisted (why)", and the flows' own
// results last.
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

// ExtractUser is the hands-on guide's extract_user: no settings.
//
//result:task
func ExtractUser() string { return "Marvin" }

// ExtractNumber is its extract_number: retries, nothing else.
//
//result:task retries=2
func ExtractNumber() int { return 42 }

// Transform is its transform: persistence explicitly off.
//
//result:task persist=false
func Transform(userName string, number int) string {
	return fmt.Sprintf("Welcome, %s to the Club %d!", userName, number)
}

// Club is the guide's my_flow: it names a storage (the guide's s3/dev).
//
//result:flow storage="local:quiz-dev"
func Club(ctx context.Context) (string, error) {
	userSt := ExtractUserTask.State(ctx)
	report("Q4 ExtractUser in club", userSt)
	numberSt := ExtractNumberTask.State(ctx)
	report("Q4 ExtractNumber in club", numberSt)
	user, err := userSt.Result()
	if err != nil {
		return "", err
	}
	number, err := numberSt.Result()
	if err != nil {
		return "", err
	}
	finalSt := TransformTask.State(ctx, user, number)
	report("Q4 Transform in club", finalSt)
	return finalSt.Result()
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
	club := ClubFlow.State(ctx)
	report("Q1 persisting's own result", persisting)
	report("Q3 retrying's own result", retrying)
	report("Q4 club's own result", club)
	for _, err := range []error{persisting.Err(), retrying.Err(), club.Err()} {
		if err != nil {
			fmt.Fprintln(os.Stderr, "quiz:", err)
			os.Exit(1)
		}
	}
}
