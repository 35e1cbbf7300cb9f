// Command report is the program of the durable-run code-change tests
// (durabletest.CodeChange): a flow Report(n) run under a named run id
// (runtime.RunID). The tests build it twice in a fresh module, this file
// as version 1 and, for version 2, this file with CodeChange's edits
// (the flow runs one more step; Label's code changes; Square is the same),
// each with the result_gen.go resultgen generates for it.
//
// Usage:
//
//	report [-across] ID N
//
// -across resumes across code versions (runtime.ResumeAcrossVersions). The
// flow's storage is $DURABLE_STORAGE. With $REPORT_DIE_AT=K the process
// kills itself before step K, as a crash would end it, with steps 0 to K-1
// finished.
//
// Output: one line "task square i=I" or "task label i=I" per task body
// that runs, then "flow state=S resumed=R code=C result=\"...\"", where C is
// the code version that produced the result (State.CodeVersion). A failed
// run prints its error on stderr and exits 1, or 3 for
// runtime.ErrRunCodeChanged.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/resultgen/resultgen/runtime"
)

// dieAt is the step before which the process kills itself; -1: none.
var dieAt = -1

// Square is one step's number.
//
//result:task
func Square(i int) int64 {
	fmt.Printf("task square i=%d\n", i)
	return int64(i) * int64(i)
}

// Label is one step's text; its key holds neither its code nor its title.
//
//result:task storage_key="labels/{flow_run.id}/{parameters[i]}"
func Label(i int, title string) string {
	fmt.Printf("task label i=%d\n", i)
	return fmt.Sprintf("%s %d", title, i)
}

// Report runs Square and Label for each step.
//
//result:flow
func Report(ctx context.Context, n int) (string, error) {
	var out []string
	for i := range n {
		if i == dieAt {
			die()
		}
		sq, err := SquareTask.Call(ctx, i)
		if err != nil {
			return "", err
		}
		lb, err := LabelTask.Call(ctx, i, "item")
		if err != nil {
			return "", err
		}
		out = append(out, fmt.Sprintf("%s=%d", lb, sq))
	}
	return strings.Join(out, ", "), nil
}

// die kills the process, as a crash would.
func die() {
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		_ = p.Kill()
	}
	select {}
}

func main() {
	across := flag.Bool("across", false, "resume across code versions")
	flag.Parse()
	n, err := strconv.Atoi(flag.Arg(1))
	if err == nil && os.Getenv("REPORT_DIE_AT") != "" {
		dieAt, err = strconv.Atoi(os.Getenv("REPORT_DIE_AT"))
	}
	if err != nil || flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: report [-across] ID N", err)
		os.Exit(2)
	}
	opts := []runtime.Option{runtime.RunID(flag.Arg(0)), runtime.Storage(os.Getenv("DURABLE_STORAGE"))}
	if *across {
		opts = append(opts, runtime.ResumeAcrossVersions())
	}
	st := ReportFlow.WithOptions(opts...).State(context.Background(), n)
	v, err := st.Result()
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		if errors.Is(err, runtime.ErrRunCodeChanged) {
			os.Exit(3)
		}
		os.Exit(1)
	}
	fmt.Printf("flow state=%s resumed=%d code=%s result=%q\n", st.Name(), st.Resumed(), st.CodeVersion(), v)
}
