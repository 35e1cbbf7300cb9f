package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// txnLog records the hooks a test's tasks ran, in order.
type txnLog struct {
	mu     sync.Mutex
	events []string
}

func (l *txnLog) add(s string) { l.mu.Lock(); l.events = append(l.events, s); l.mu.Unlock() }
func (l *txnLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.events)
}

// stepTask is task "step" with storage_key "step-{n}.json" on storage,
// written as generated code, whose hooks log "commit N=V" and "rollback
// N=V" with the typed value; fail makes the body fail instead.
func stepInv(storageSpec string, n int, log *txnLog, body func(ctx context.Context) (int, error)) runtime.Invocation[int] {
	def := &runtime.Def{
		Kind: runtime.KindTask, Name: "step", Func: "example.com/app.Step", Source: "sha256:step",
		Params: []string{"n"}, GoType: "int", Value: true,
		Config: runtime.Config{Storage: storageSpec, StorageKey: "step-{parameters[n]}.json"},
	}
	return runtime.Invocation[int]{
		Def:        def,
		StorageKey: func(runtime.KeyContext) (string, error) { return fmt.Sprintf("step-%d.json", n), nil },
		Body:       body,
		OnCommit: func(_ context.Context, v int) error {
			log.add(fmt.Sprintf("commit %d=%d", n, v))
			return nil
		},
		OnRollback: func(_ context.Context, v int) error {
			log.add(fmt.Sprintf("rollback %d=%d", n, v))
			return nil
		},
	}
}

func step(ctx context.Context, spec string, n int, log *txnLog) (int, error) {
	return runtime.Call(ctx, stepInv(spec, n, log, func(context.Context) (int, error) {
		if n == 3 && ctx.Value(failKey{}) != nil {
			return 0, errors.New("step 3 failed")
		}
		return n * 10, nil
	}))
}

type failKey struct{}

// visible reports whether step n's record is served to a run outside any
// transaction: such a run is Cached when it is; else its body runs and
// fails, so it writes nothing.
func visible(t *testing.T, ctx context.Context, spec string, n int) bool {
	t.Helper()
	st := runtime.Run(ctx, stepInv(spec, n, &txnLog{}, func(context.Context) (int, error) {
		return 0, errors.New("not visible")
	}))
	if st.IsCached() {
		if v, _ := st.Result(); v != n*10 {
			t.Errorf("step %d: visible value %d, want %d", n, v, n*10)
		}
		return true
	}
	return false
}

// TestTransaction runs three tasks in a transaction on each store: when
// the third fails nothing is visible and the rollback hooks ran, newest
// first, with the tasks' values; when it succeeds all three are visible
// (only from the commit on) and the commit hooks ran.
func TestTransaction(t *testing.T) {
	for _, spec := range []string{"local", "memory", "s3"} {
		t.Run(spec+"/fails", func(t *testing.T) {
			ctx, spec, local := txnEngine(t, spec)
			log := &txnLog{}
			res, err := runtime.Transaction(context.WithValue(ctx, failKey{}, "fail"), func(ctx context.Context) error {
				for n := 1; n <= 3; n++ {
					if _, err := step(ctx, spec, n, log); err != nil {
						return fmt.Errorf("step %d: %w", n, err)
					}
				}
				return nil
			})
			if err == nil || !strings.Contains(err.Error(), "step 3 failed") {
				t.Fatalf("err = %v, want step 3's", err)
			}
			if res.Status != runtime.TxnRolledBack || res.Staged != 2 {
				t.Errorf("result %+v, want RolledBack with 2 staged", res)
			}
			if got, want := log.get(), []string{"rollback 2=20", "rollback 1=10"}; !slices.Equal(got, want) {
				t.Errorf("hooks %q, want %q", got, want)
			}
			for n := 1; n <= 3; n++ {
				if visible(t, ctx, spec, n) {
					t.Errorf("step %d visible after the rollback", n)
				}
			}
			if local != "" {
				if f := files(t, local); len(f) != 0 {
					t.Errorf("files left after the rollback: %q", f)
				}
				if f := allFiles(t, local); len(f) != 0 {
					t.Errorf("hidden files left after the rollback: %q", f)
				}
			}
		})
		t.Run(spec+"/commits", func(t *testing.T) {
			ctx, spec, local := txnEngine(t, spec)
			log := &txnLog{}
			var seenInside []bool
			res, err := runtime.Transaction(ctx, func(tctx context.Context) error {
				for n := 1; n <= 3; n++ {
					if _, err := step(tctx, spec, n, log); err != nil {
						return err
					}
				}
				// inside, its own records are served; outside, none yet
				for n := 1; n <= 3; n++ {
					st := runtime.Run(tctx, stepInv(spec, n, log, func(context.Context) (int, error) { return 0, errors.New("recomputed") }))
					if !st.IsCached() {
						t.Errorf("step %d: not served inside its transaction: %v", n, st.Err())
					}
					seenInside = append(seenInside, visible(t, ctx, spec, n))
				}
				if local != "" {
					// a reference read outside finds nothing; inside, the value
					st := localStore(t, local)
					if _, err := runtime.Reference[int](st, "step-1.json").Get(ctx); !errors.Is(err, storage.ErrNotFound) {
						t.Errorf("Reference outside the transaction: %v, want not found", err)
					}
					if v, err := runtime.Reference[int](st, "step-1.json").Get(tctx); v != 10 || err != nil {
						t.Errorf("Reference inside the transaction: %d, %v", v, err)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != runtime.TxnCommitted || res.Staged != 3 {
				t.Errorf("result %+v, want Committed with 3 staged", res)
			}
			if slices.Contains(seenInside, true) {
				t.Errorf("records visible outside before the commit: %v", seenInside)
			}
			if got, want := log.get(), []string{"commit 1=10", "commit 2=20", "commit 3=30"}; !slices.Equal(got, want) {
				t.Errorf("hooks %q, want %q", got, want)
			}
			for n := 1; n <= 3; n++ {
				if !visible(t, ctx, spec, n) {
					t.Errorf("step %d not visible after the commit", n)
				}
			}
			if local != "" {
				if f, want := files(t, local), []string{"step-1.json", "step-2.json", "step-3.json"}; !slices.Equal(f, want) {
					t.Errorf("files %q, want %q", f, want)
				}
				if f := allFiles(t, local); len(f) != 3 {
					t.Errorf("files left beside the records: %q", f)
				}
			}
		})
	}
}

// txnEngine is an engine for the tasks of TestTransaction on backend
// ("local", "memory" or "s3": an S3 store on the shared MinIO, skipped
// without one), the storage spec they name and the local folder ("" when
// the records are elsewhere).
func txnEngine(t *testing.T, backend string) (context.Context, string, string) {
	switch backend {
	case "local":
		ctx, _, local := newEngine(t, nil)
		return ctx, "local", local
	case "memory":
		ctx, _, _ := newEngine(t, nil)
		return ctx, "memory", ""
	}
	srv := s3test.Shared(t)
	bucket := srv.NewBucket(t, s3test.BucketOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := s3.Open(ctx, s3.Config{Bucket: bucket, Prefix: "p", Endpoint: srv.Endpoint, Region: s3test.Region,
		Insecure: true, Credentials: srv.Creds()})
	if err != nil {
		t.Fatal(err)
	}
	ectx, _, _ := newEngine(t, nil, runtime.WithStore(st)) // every spec opens st
	return ectx, "local", ""
}

// TestTransactionKeyed: a keyed transaction that committed is not run
// again, in this engine or another on the same store; one that rolled back
// is.
func TestTransactionKeyed(t *testing.T) {
	ctx, _, local := newEngine(t, nil)
	runs := 0
	fn := func(ctx context.Context) error {
		runs++
		_, err := step(ctx, "local", runs, &txnLog{})
		return err
	}
	failing := func(context.Context) error { runs++; return errors.New("boom") }
	if _, err := runtime.Transaction(ctx, failing, runtime.TxnKey("nightly/2026-12-07")); err == nil {
		t.Fatal("want boom")
	}
	res, err := runtime.Transaction(ctx, fn, runtime.TxnKey("nightly/2026-12-07"))
	if err != nil || res.Status != runtime.TxnCommitted {
		t.Fatalf("second: %+v %v, want Committed", res, err)
	}
	res, err = runtime.Transaction(ctx, fn, runtime.TxnKey("nightly/2026-12-07"))
	if err != nil || res.Status != runtime.TxnSkipped {
		t.Fatalf("third: %+v %v, want Skipped", res, err)
	}
	// another engine (another process would do the same) on that store
	ctx2, _, _ := newEngine(t, map[string]string{"RESULTGEN_LOCAL_STORAGE_PATH": local})
	for _, iso := range []string{runtime.ReadCommitted, runtime.Serializable} {
		res, err = runtime.Transaction(ctx2, fn, runtime.TxnKey("nightly/2026-12-07"), runtime.TxnIsolation(iso))
		if err != nil || res.Status != runtime.TxnSkipped {
			t.Fatalf("%s in another engine: %+v %v, want Skipped", iso, res, err)
		}
	}
	if runs != 2 {
		t.Errorf("fn ran %d times, want 2 (the failed one and the committed one)", runs)
	}
	if _, err := runtime.Transaction(ctx, fn, runtime.TxnKey("../x")); err == nil || !strings.Contains(err.Error(), `transaction "../x"`) {
		t.Errorf("bad key: %v", err)
	}
}

// TestTransactionNested: a nested transaction that fails rolls back only
// its own work; one that succeeds commits with the outer one, and rolls
// back with it.
func TestTransactionNested(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	log := &txnLog{}
	_, err := runtime.Transaction(context.WithValue(ctx, failKey{}, "fail"), func(ctx context.Context) error {
		if _, err := step(ctx, "local", 1, log); err != nil {
			return err
		}
		res, err := runtime.Transaction(ctx, func(ctx context.Context) error {
			_, err := step(ctx, "local", 2, log)
			return err
		})
		if err != nil || res.Status != runtime.TxnNested {
			t.Errorf("inner: %+v %v", res, err)
		}
		_, err = runtime.Transaction(ctx, func(ctx context.Context) error {
			if _, err := step(ctx, "local", 4, log); err != nil {
				return err
			}
			_, err := step(ctx, "local", 3, log) // fails
			return err
		})
		if err == nil {
			t.Error("inner with step 3: no error")
		}
		if got, want := log.get(), []string{"rollback 4=40"}; !slices.Equal(got, want) {
			t.Errorf("hooks after the failed inner transaction %q, want %q", got, want)
		}
		return errors.New("outer fails")
	})
	if err == nil || !strings.Contains(err.Error(), "outer fails") {
		t.Fatalf("err = %v", err)
	}
	if got, want := log.get(), []string{"rollback 4=40", "rollback 2=20", "rollback 1=10"}; !slices.Equal(got, want) {
		t.Errorf("hooks %q, want %q", got, want)
	}
	for n := 1; n <= 4; n++ {
		if visible(t, ctx, "local", n) {
			t.Errorf("step %d visible", n)
		}
	}
}

// TestTransactionPanicAndHookErrors: a panic rolls back like an error;
// a failing commit hook is reported with the commit standing.
func TestTransactionPanicAndHookErrors(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	log := &txnLog{}
	_, err := runtime.Transaction(ctx, func(ctx context.Context) error {
		step(ctx, "local", 1, log)
		panic("oops")
	})
	var pe *runtime.PanicError
	if !errors.As(err, &pe) || pe.Value != "oops" {
		t.Fatalf("err = %v, want the panic", err)
	}
	if got := log.get(); !slices.Equal(got, []string{"rollback 1=10"}) || visible(t, ctx, "local", 1) {
		t.Errorf("after a panic: hooks %q, visible %v", got, visible(t, ctx, "local", 1))
	}
	res, err := runtime.Transaction(ctx, func(ctx context.Context) error {
		inv := stepInv("local", 5, log, func(context.Context) (int, error) { return 50, nil })
		inv.OnCommit = func(context.Context, int) error { return errors.New("mail server down") }
		_, err := runtime.Call(ctx, inv)
		return err
	})
	var he *runtime.HookError
	if !errors.As(err, &he) || he.Hook != "on_commit" || !strings.HasPrefix(he.Task, "step-") || res.Status != runtime.TxnCommitted {
		t.Errorf("hook error: %+v %v", res, err)
	}
	if !visible(t, ctx, "local", 5) {
		t.Error("the commit did not stand")
	}
}

// allFiles lists every file under dir, hidden ones too (transaction
// markers), but lock files.
func allFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() && d.Name() == ".locks" {
			return fs.SkipDir
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTransactionWaitsForSubmitted: runs submitted in a transaction and
// not waited for by fn belong to it: their records commit with it.
func TestTransactionWaitsForSubmitted(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	log := &txnLog{}
	release := make(chan struct{})
	res, err := runtime.Transaction(ctx, func(ctx context.Context) error {
		for n := 1; n <= 3; n++ {
			runtime.Submit(ctx, stepInv("local", n, log, func(context.Context) (int, error) {
				<-release
				return n * 10, nil
			}))
		}
		close(release)
		return nil
	})
	if err != nil || res.Status != runtime.TxnCommitted || res.Staged != 3 {
		t.Fatalf("%+v %v, want Committed with the 3 submitted runs' records", res, err)
	}
	if got := log.get(); len(got) != 3 {
		t.Errorf("commit hooks %q, want 3", got)
	}
	for n := 1; n <= 3; n++ {
		if !visible(t, ctx, "local", n) {
			t.Errorf("step %d not visible", n)
		}
	}
}

// TestTransactionSerializable: transactions of one key with Serializable
// run one at a time, and those that wait find it committed.
func TestTransactionSerializable(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	var mu sync.Mutex
	running, most, ran := 0, 0, 0
	var wg sync.WaitGroup
	statuses := make([]string, 4)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := runtime.Transaction(ctx, func(ctx context.Context) error {
				mu.Lock()
				running++
				ran++
				most = max(most, running)
				mu.Unlock()
				_, err := step(ctx, "local", 1, &txnLog{})
				mu.Lock()
				running--
				mu.Unlock()
				return err
			}, runtime.TxnKey("once"), runtime.TxnIsolation(runtime.Serializable))
			if err != nil {
				t.Error(err)
			}
			statuses[i] = res.Status
		}()
	}
	wg.Wait()
	slices.Sort(statuses)
	if want := []string{runtime.TxnCommitted, runtime.TxnSkipped, runtime.TxnSkipped, runtime.TxnSkipped}; !slices.Equal(statuses, want) || ran != 1 || most != 1 {
		t.Errorf("statuses %q, ran %d, at most %d at once; want one Committed run, the others Skipped", statuses, ran, most)
	}
	if _, err := runtime.Transaction(ctx, func(context.Context) error { return nil }, runtime.TxnIsolation(runtime.Serializable)); err == nil || !strings.Contains(err.Error(), "runtime.TxnKey") {
		t.Errorf("serializable without a key: %v", err)
	}
}
