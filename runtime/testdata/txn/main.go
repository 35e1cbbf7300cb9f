// Command txn runs one transaction of three tasks in its own process, for
// the tests that kill a process mid-transaction (internal/durabletest's
// Txn helpers; runtime's tests on local storage, internal/s3e2e's on
// MinIO). The tasks are written as generated code would call the runtime.
//
// Environment: TXN_STORAGE, the tasks' storage spec; TXN_KEY, the
// transaction's key ("" for none). Modes (the first argument):
//
//	stage   run the three tasks in the transaction, print "staged", then
//	        wait to be killed: the transaction never commits
//	run     run the transaction to its end and print
//	        "txn status=S staged=N ran=R" (R: task bodies that ran)
//	read    print "visible n=N BOOL" for each task's record, as a run
//	        outside any transaction sees it
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"

	"github.com/resultgen/resultgen/runtime"
)

var ran atomic.Int64

func step(spec string, n int, body func() (int, error)) runtime.Invocation[int] {
	def := &runtime.Def{
		Kind: runtime.KindTask, Name: "step", Func: "example.com/txn.Step", Source: "sha256:step",
		Params: []string{"n"}, GoType: "int", Value: true,
		Config: runtime.Config{Storage: spec, StorageKey: "step-{parameters[n]}.json"},
	}
	return runtime.Invocation[int]{
		Def:        def,
		StorageKey: func(runtime.KeyContext) (string, error) { return fmt.Sprintf("step-%d.json", n), nil },
		Body:       func(context.Context) (int, error) { return body() },
	}
}

func main() {
	spec, key := os.Getenv("TXN_STORAGE"), os.Getenv("TXN_KEY")
	ctx := context.Background()
	mode := ""
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	var opts []runtime.TxnOption
	if key != "" {
		opts = append(opts, runtime.TxnKey(key), runtime.TxnStorage(spec))
	}
	three := func(ctx context.Context) error {
		for n := 1; n <= 3; n++ {
			if _, err := runtime.Call(ctx, step(spec, n, func() (int, error) { ran.Add(1); return n * 10, nil })); err != nil {
				return err
			}
		}
		return nil
	}
	switch mode {
	case "stage":
		_, err := runtime.Transaction(ctx, func(ctx context.Context) error {
			if err := three(ctx); err != nil {
				return err
			}
			fmt.Println("staged")
			select {} // killed here, before the commit
		}, opts...)
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	case "run":
		res, err := runtime.Transaction(ctx, three, opts...)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("txn status=%s staged=%d ran=%d\n", res.Status, res.Staged, ran.Load())
	case "read":
		for n := 1; n <= 3; n++ {
			st := runtime.Run(ctx, step(spec, n, func() (int, error) { return 0, errors.New("not visible") }))
			v, _ := st.Result()
			fmt.Printf("visible n=%d %v\n", n, st.IsCached() && v == n*10)
		}
	default:
		fmt.Fprintln(os.Stderr, "usage: txn stage|run|read")
		os.Exit(2)
	}
}
