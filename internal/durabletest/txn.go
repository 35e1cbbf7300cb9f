package durabletest

import (
	"bufio"
	"io"
	"os/exec"
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
	cmd := exec.Command(bin, mode)
	cmd.Env = env
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	staged := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if sc.Text() == at {
			staged = true
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	_, _ = io.Copy(io.Discard, out)
	_ = cmd.Wait()
	if !staged {
		t.Fatalf("txn %s ended before it printed %q\nstderr:\n%s", mode, at, stderr.String())
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
