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
//	commit  run the transaction through a store that stops in the middle
//	        of the commit: after the key marker is written, on the delete
//	        of the pending marker (the commit point), it prints
//	        "committing" and waits to be killed. The store is TXN_DIR
//	        (local) or TXN_S3_BUCKET/TXN_S3_PREFIX at TXN_S3_ENDPOINT
//	        (plain HTTP, credentials from the AWS variables).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// stopAtCommit is a store that stops for good on the delete of a
// transaction's pending marker.
type stopAtCommit struct{ storage.Storage }

func (s stopAtCommit) Delete(ctx context.Context, key string) error {
	if strings.HasPrefix(key, ".txn/pending/") {
		fmt.Println("committing")
		select {} // killed here, mid-commit
	}
	return s.Storage.Delete(ctx, key)
}

// inner opens the store the commit mode wraps.
func inner(ctx context.Context) (storage.Storage, error) {
	if dir := os.Getenv("TXN_DIR"); dir != "" {
		return storage.NewLocal(dir)
	}
	return s3.Open(ctx, s3.Config{Bucket: os.Getenv("TXN_S3_BUCKET"), Prefix: os.Getenv("TXN_S3_PREFIX"),
		Endpoint: os.Getenv("TXN_S3_ENDPOINT"), Region: "us-east-1", Insecure: true})
}

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
	case "commit":
		st, err := inner(ctx)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		s, err := settings.Load()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		ctx = runtime.WithEngine(ctx, runtime.NewEngine(s, runtime.WithStore(stopAtCommit{st})))
		_, err = runtime.Transaction(ctx, three, opts...)
		fmt.Fprintln(os.Stderr, "the commit did not stop:", err)
		os.Exit(1)
	default:
		fmt.Fprintln(os.Stderr, "usage: txn stage|run|read|commit")
		os.Exit(2)
	}
}
