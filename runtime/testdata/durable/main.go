// Command durable is the program the durable-run tests run as separate
// processes: a flow of N tasks run under a named run id (runtime.RunID), so
// a process killed halfway leaves the finished tasks in storage and the next
// process with the same id resumes. result_gen.go is generated from it:
//
//	go run ./cmd/resultgen ./runtime/testdata/durable
//
// Usage:
//
//	durable ID N
//	durable -subflow ID
//
// The flow's storage is $DURABLE_STORAGE (a storage spec such as
// "local:/tmp/x" or "s3/e2e"). With $DURABLE_SYNC set, the program first
// creates the file "ready.PID" there and waits for "go", so a test can
// start processes together. $DURABLE_TASK_SLEEP (a Go duration) slows each
// task down.
//
// Output: one line "task i=I" per task body that runs, then
// "flow state=S resumed=R sum=X n=N runner=\"...\"", where runner names the
// process whose body computed the result.
//
// With -subflow the named run is of Parent, which calls the subflow Tail
// (printing "subflow ran" when its body runs, and "subflow state=S" after)
// and then, with $DURABLE_FAIL_AFTER_CHILD set, fails: the next process
// resumes the run.
package main

//go:generate go tool resultgen

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/resultgen/resultgen/runtime"
)

// sleep slows each task down ($DURABLE_TASK_SLEEP).
var sleep time.Duration

// Square is one unit of work; its result is persisted in a named run.
//
//result:task
func Square(i int) int64 {
	fmt.Printf("task i=%d\n", i)
	if sleep > 0 {
		time.Sleep(sleep)
	}
	return int64(i)*int64(i) + 1
}

// Summary is the flow's result.
type Summary struct {
	Sum    int64
	N      int
	Runner string // the process whose body computed it
}

// Squares runs Square for 0..n-1, one after the other, and adds up.
//
//result:flow
func Squares(ctx context.Context, n int) (Summary, error) {
	var sum int64
	for i := range n {
		v, err := SquareTask.Call(ctx, i)
		if err != nil {
			return Summary{}, err
		}
		sum += v
	}
	return Summary{Sum: sum, N: n, Runner: fmt.Sprintf("pid %d", os.Getpid())}, nil
}

// Tail is Parent's subflow: one task, its result the flow's.
//
//result:flow
func Tail(ctx context.Context) (int64, error) {
	fmt.Println("subflow ran")
	return SquareTask.Call(ctx, 7)
}

// failAfterTail makes Parent fail once Tail finished ($DURABLE_FAIL_AFTER_CHILD).
var failAfterTail bool

// Parent calls the subflow Tail, then fails when failAfterTail is set.
//
//result:flow
func Parent(ctx context.Context) (Summary, error) {
	st := TailFlow.State(ctx)
	v, err := st.Result()
	if err != nil {
		return Summary{}, err
	}
	fmt.Printf("subflow state=%s\n", st.Name())
	if failAfterTail {
		return Summary{}, errors.New("failing after the subflow finished, as $DURABLE_FAIL_AFTER_CHILD asks")
	}
	return Summary{Sum: v, N: 1, Runner: fmt.Sprintf("pid %d", os.Getpid())}, nil
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "-subflow" {
		failAfterTail = os.Getenv("DURABLE_FAIL_AFTER_CHILD") != ""
		st := ParentFlow.WithOptions(runtime.RunID(os.Args[2]), runtime.Storage(os.Getenv("DURABLE_STORAGE"))).State(context.Background())
		report(st)
		return
	}
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: durable ID N")
		os.Exit(2)
	}
	id := os.Args[1]
	n, err := strconv.Atoi(os.Args[2])
	if err == nil && os.Getenv("DURABLE_TASK_SLEEP") != "" {
		sleep, err = time.ParseDuration(os.Getenv("DURABLE_TASK_SLEEP"))
	}
	if err == nil {
		err = barrier()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "durable:", err)
		os.Exit(2)
	}
	report(SquaresFlow.WithOptions(runtime.RunID(id), runtime.Storage(os.Getenv("DURABLE_STORAGE"))).State(context.Background(), n))
}

// report prints the flow run's final line, or its error and exits 1.
func report(st *runtime.State[Summary]) {
	s, err := st.Result()
	if err != nil {
		fmt.Fprintln(os.Stderr, "durable:", err)
		os.Exit(1)
	}
	fmt.Printf("flow state=%s resumed=%d sum=%d n=%d runner=%q\n", st.Name(), st.Resumed(), s.Sum, s.N, s.Runner)
}

// barrier, with $DURABLE_SYNC set, creates ready.PID there and waits for go.
func barrier() error {
	dir := os.Getenv("DURABLE_SYNC")
	if dir == "" {
		return nil
	}
	if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("ready.%d", os.Getpid())), nil, 0o600); err != nil {
		return err
	}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(filepath.Join(dir, "go")); err == nil {
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return fmt.Errorf("barrier: %s/go did not appear within 2 minutes", dir)
}
