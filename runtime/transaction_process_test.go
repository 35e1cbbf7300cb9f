package runtime_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/resultgen/resultgen/internal/durabletest"
	"github.com/resultgen/resultgen/internal/results"
)

// txnProg is the program of testdata/txn, built once per test binary
// (internal/s3e2e runs the same test on MinIO).
var txnProg = durabletest.Program{Pkg: durabletest.TxnPkg}

// TestTransactionKilledBeforeCommit kills a process whose transaction has
// staged three records on local storage, before its commit: another
// process sees none of them, though the files are there; `results prune
// -tmp` (results.PruneTxns) removes them and the transaction's marker.
// Killed again, the next transaction on the store removes what the
// killed one left, and commits its own three records.
func TestTransactionKilledBeforeCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program")
	}
	dir := t.TempDir()
	bin := txnProg.Path(t)
	env := durabletest.TxnEnv("local:"+dir, "", "RESULTGEN_HOME="+t.TempDir())
	steps := []string{"step-1.json", "step-2.json", "step-3.json"}

	durabletest.TxnKillStaged(t, bin, env)
	if got := files(t, dir); !slices.Equal(got, steps) {
		t.Fatalf("files after the kill: %q, want the three staged records", got)
	}
	if out := durabletest.TxnRun(t, bin, env, "read"); out != durabletest.TxnNoneVisible {
		t.Errorf("another process sees:\n%s", out)
	}
	ctx := context.Background()
	st := localStore(t, dir)
	var pruned []results.PrunedTxn
	for p, err := range results.PruneTxns(ctx, st, results.PruneOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		pruned = append(pruned, p)
	}
	if len(pruned) != 1 || !pruned[0].Removed || len(pruned[0].Records) != 3 {
		t.Fatalf("pruned %+v, want one abandoned transaction with its 3 records removed", pruned)
	}
	if got := allFiles(t, dir); len(got) != 0 {
		t.Errorf("files after the prune: %q", got)
	}

	durabletest.TxnKillStaged(t, bin, env)
	if out := durabletest.TxnRun(t, bin, env, "run"); out != "txn status=Committed staged=3 ran=3\n" {
		t.Errorf("the next run: %q", out)
	}
	if out := durabletest.TxnRun(t, bin, env, "read"); out != durabletest.TxnAllVisible {
		t.Errorf("after the next run's commit, another process sees:\n%s", out)
	}
	if got := allFiles(t, dir); !slices.Equal(got, steps) {
		t.Errorf("files after the next run: %q, want the three records alone (the killed run's marker removed)", got)
	}
	if _, err := os.Stat(filepath.Join(dir, ".txn", "pending")); err == nil {
		if e, _ := os.ReadDir(filepath.Join(dir, ".txn", "pending")); len(e) != 0 {
			t.Errorf("pending markers left: %v", e)
		}
	}
}

// TestTransactionKeyedAcrossProcesses: a keyed transaction committed by
// one process is not run again by the next.
func TestTransactionKeyedAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program")
	}
	bin := txnProg.Path(t)
	env := durabletest.TxnEnv("local:"+t.TempDir(), "nightly/2026-12-07", "RESULTGEN_HOME="+t.TempDir())
	if out := durabletest.TxnRun(t, bin, env, "run"); out != "txn status=Committed staged=3 ran=3\n" {
		t.Errorf("first: %q", out)
	}
	if out := durabletest.TxnRun(t, bin, env, "run"); out != "txn status=Skipped staged=0 ran=0\n" {
		t.Errorf("second: %q", out)
	}
}

// TestTransactionKilledMidCommit kills a process in the middle of its
// keyed transaction's commit, its key marker written but its pending
// marker (the commit point) not yet deleted: another process sees none of
// its records, and the key does not count as committed, so the next
// process removes what it left, runs the transaction and commits it; the
// one after is skipped.
func TestTransactionKilledMidCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program")
	}
	dir := t.TempDir()
	bin := txnProg.Path(t)
	env := durabletest.TxnEnv("local:"+dir, "nightly/2026-12-07", "RESULTGEN_HOME="+t.TempDir(), "TXN_DIR="+dir)
	durabletest.TxnKilledMidCommit(t, bin, env, func() []string { return allFiles(t, dir) })
}
