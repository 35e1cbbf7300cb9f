package s3e2e_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/durabletest"
	"github.com/resultgen/resultgen/internal/s3/s3test"
)

// txnProg is runtime/testdata/txn (see runtime's
// transaction_process_test.go for the same test on local storage).
var txnProg = durabletest.Program{Pkg: durabletest.TxnPkg}

// txnEnv is the world's environment for the txn program, storing in the
// world's block, the transaction keyed key ("" for none).
func (w *world) txnEnv(key string) []string {
	return append(w.env(), "TXN_STORAGE="+blockSlug, "TXN_KEY="+key)
}

// objects lists the world's objects, transaction markers included.
func (w *world) objects(t *testing.T, ctx context.Context) []string {
	t.Helper()
	var out []string
	for info, err := range w.store(t).List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, info.Key)
	}
	return out
}

// TestTransactionKilledBeforeCommitS3 kills a process whose transaction
// has staged three records on S3, before its commit: another process sees
// none of them, though the objects are there; `resultgen results prune
// -tmp` removes them and the transaction's marker. Killed again, the next
// transaction on the store removes what the killed one left and commits
// its own; a keyed transaction is not run again by the next process.
func TestTransactionKilledBeforeCommitS3(t *testing.T) {
	w := newWorld(t, s3test.Shared(t), s3test.BucketOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := txnProg.Path(t)
	env := w.txnEnv("")
	steps := []string{"step-1.json", "step-2.json", "step-3.json"}

	durabletest.TxnKillStaged(t, bin, env)
	objs := w.objects(t, ctx)
	if len(objs) != 4 || !strings.HasPrefix(objs[0], ".txn/pending/") || !slices.Equal(objs[1:], steps) {
		t.Fatalf("objects after the kill: %q, want the transaction's marker and its three records", objs)
	}
	if out := durabletest.TxnRun(t, bin, env, "read"); out != durabletest.TxnNoneVisible {
		t.Errorf("another process sees:\n%s", out)
	}
	stdout, stderr, code := w.cli(t, ctx, "results", "prune", "-storage", blockSlug, "-tmp")
	if code != 0 || !strings.Contains(stdout, "and its 3 staged records (abandoned: writer") {
		t.Fatalf("prune -tmp: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if objs := w.objects(t, ctx); len(objs) != 0 {
		t.Errorf("objects after the prune: %q", objs)
	}

	durabletest.TxnKillStaged(t, bin, env)
	if out := durabletest.TxnRun(t, bin, env, "run"); out != "txn status=Committed staged=3 ran=3\n" {
		t.Errorf("the next run: %q", out)
	}
	if out := durabletest.TxnRun(t, bin, env, "read"); out != durabletest.TxnAllVisible {
		t.Errorf("after the next run's commit, another process sees:\n%s", out)
	}
	if objs := w.objects(t, ctx); !slices.Equal(objs, steps) {
		t.Errorf("objects after the next run: %q, want the three records alone", objs)
	}

	keyed := w.txnEnv("nightly/2026-12-07")
	if out := durabletest.TxnRun(t, bin, keyed, "run"); out != "txn status=Committed staged=0 ran=0\n" {
		t.Errorf("keyed, first: %q (its tasks were cached)", out)
	}
	if out := durabletest.TxnRun(t, bin, keyed, "run"); out != "txn status=Skipped staged=0 ran=0\n" {
		t.Errorf("keyed, second: %q", out)
	}
}

// TestTransactionKilledMidCommitS3 kills a process in the middle of its
// keyed transaction's commit on S3 (key marker written, pending marker
// not yet deleted): another process sees none of its records and the key
// is not committed; the next process cleans up, runs and commits, and the
// one after is skipped.
func TestTransactionKilledMidCommitS3(t *testing.T) {
	w := newWorld(t, s3test.Shared(t), s3test.BucketOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := txnProg.Path(t)
	env := append(w.txnEnv("nightly/2026-12-07"), "TXN_S3_ENDPOINT="+w.srv.Endpoint, "TXN_S3_BUCKET="+w.bucket, "TXN_S3_PREFIX="+w.prefix)
	durabletest.TxnKilledMidCommit(t, bin, env, func() []string { return w.objects(t, ctx) })
}
