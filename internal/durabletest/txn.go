package durabletest

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TxnPkg is runtime/testdata/txn, a program that runs one transaction of
// three tasks (step-1.json .. step-3.json): a Program's Pkg.
const TxnPkg = "github.com/resultgen/resultgen/runtime/testdata/txn"

// TxnEnv is the environment of the program: the test's own without any
// RESULTGEN_ or AWS_ variable, then extra (resultgen settings), then the
// tasks' storage spec and the transaction's key ("" for none).
func TxnEnv(storage, key string, extra ...string) []string {
	env := Env(storage, extra...)
	return append(env, "TXN_STORAGE="+storage, "TXN_KEY="+key)
}

// TxnKillStaged starts the program in mode "stage" and SIGKILLs it once
// its transaction has staged its three records, before it commits.
func TxnKillStaged(t testing.TB, bin string, env []string) {
	t.Helper()
	txnKill(t, bin, env, "stage", "staged")
}

// TxnKillCommitting starts the program in mode "commit" and SIGKILLs it
// in the middle of its commit: its key marker written, its pending marker
// not yet deleted.
func TxnKillCommitting(t testing.TB, bin string, env []string) {
	t.Helper()
	txnKill(t, bin, env, "commit", "committing")
}

func txnKill(t testing.TB, bin string, env []string, mode, at string) {
	t.Helper()
	if killed, stderr, _ := killAt(t, bin, env, []string{mode}, func(line string) bool { return line == at }); !killed {
		t.Fatalf("txn %s ended before it printed %q\nstderr:\n%s", mode, at, stderr)
	}
}

// TxnRun runs the program in mode (run or read) to its end and returns
// its output.
func TxnRun(t testing.TB, bin string, env []string, mode string) string {
	t.Helper()
	cmd := exec.Command(bin, mode)
	cmd.Env = env
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("txn %s: %v\nstdout:\n%s\nstderr:\n%s", mode, err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// TxnNoneVisible is the output of mode "read" when no record is visible,
// TxnAllVisible when all three are.
const (
	TxnNoneVisible = "visible n=1 false\nvisible n=2 false\nvisible n=3 false\n"
	TxnAllVisible  = "visible n=1 true\nvisible n=2 true\nvisible n=3 true\n"
)

// TxnKilledMidCommit kills a process of the program in the middle of its
// keyed transaction's commit (key "nightly/2026-12-07" in env: key marker
// written, pending marker not yet deleted), then checks what the store
// holds (objects lists it, sorted) and what other processes see: none of
// its records and the key not committed; the next process cleans up, runs
// and commits; the one after is skipped.
func TxnKilledMidCommit(t testing.TB, bin string, env []string, objects func() []string) {
	t.Helper()
	steps := []string{"step-1.json", "step-2.json", "step-3.json"}
	TxnKillCommitting(t, bin, env)
	got := objects()
	if len(got) != 5 || got[0] != ".txn/keys/nightly/2026-12-07" || !strings.HasPrefix(got[1], ".txn/pending/") || !slices.Equal(got[2:], steps) {
		t.Fatalf("objects after the kill: %q, want the key marker, the pending marker and the three records", got)
	}
	if out := TxnRun(t, bin, env, "read"); out != TxnNoneVisible {
		t.Errorf("another process sees:\n%s", out)
	}
	if out := TxnRun(t, bin, env, "run"); out != "txn status=Committed staged=3 ran=3\n" {
		t.Errorf("the next run: %q, want it to run and commit", out)
	}
	if out := TxnRun(t, bin, env, "read"); out != TxnAllVisible {
		t.Errorf("after the next run's commit, another process sees:\n%s", out)
	}
	if got := objects(); !slices.Equal(got, append([]string{".txn/keys/nightly/2026-12-07"}, steps...)) {
		t.Errorf("objects after the next run: %q, want its key marker and the three records", got)
	}
	if out := TxnRun(t, bin, env, "run"); out != "txn status=Skipped staged=0 ran=0\n" {
		t.Errorf("the run after: %q", out)
	}
}
