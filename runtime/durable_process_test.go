package runtime_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/durabletest"
	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/storage"
)

// durable is the program of testdata/durable, and versions the two
// versions of internal/durabletest's report program, built once per test
// binary (internal/s3e2e runs the same tests on MinIO).
var (
	durable  durabletest.Program
	versions durabletest.Versions
)

func TestMain(m *testing.M) {
	code := m.Run()
	durable.Close()
	versions.Close()
	txnProg.Close()
	os.Exit(code)
}

// durableEnv is the environment of a durable process: the test's own less
// resultgen settings, a fresh home, the given storage and extra variables.
func durableEnv(t *testing.T, storage string, extra ...string) []string {
	return durabletest.Env(storage, append([]string{"RESULTGEN_HOME=" + t.TempDir()}, extra...)...)
}

// TestDurableRunResumesAfterKill kills a process running a named flow run
// of 1,000 tasks on local storage after about half of them; the next
// process with the same id runs only the tasks that had not finished, and
// the one after that returns the finished run without running anything.
func TestDurableRunResumesAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program")
	}
	dir := t.TempDir()
	env := durableEnv(t, "local:"+dir, "DURABLE_TASK_SLEEP=1ms")
	durabletest.ResumesAfterKill(t, durable.Path(t), env, 1000, func() int { return countTaskRecords(t, dir) }, func() {
		// The killed run's key holds the record of its start, with the
		// flow's code version, and no result.
		st, err := storage.NewLocal(dir)
		if err != nil {
			t.Fatal(err)
		}
		m, err := record.Head(context.Background(), st, runtime.RunKey("squares", "order-42"))
		if err != nil {
			t.Fatalf("the killed run's record: %v", err)
		}
		if m.Labels[runtime.LabelRunRecord] != "started" || !strings.HasPrefix(m.Labels[runtime.LabelCodeVersion], "sha256:") || m.Literal == nil || *m.Literal != "null" {
			t.Fatalf("the killed run's record is not the record of its start: %+v", m)
		}
	})
}

// countTaskRecords counts the records in the base folder of local storage
// dir (the tasks' keys are hashes at the top), leaving out .runs, .locks
// and temporary files.
func countTaskRecords(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			n++
		}
	}
	return n
}

// TestDurableRunOneRunnerPerID starts two processes on one run id at once:
// one runs the flow, the other waits for it and returns its result.
func TestDurableRunOneRunnerPerID(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program")
	}
	barriers := t.TempDir()
	env := durableEnv(t, "local:"+t.TempDir(), "DURABLE_TASK_SLEEP=20ms", "DURABLE_SYNC="+barriers)
	durabletest.OneRunnerPerID(t, durable.Path(t), env, barriers, 40)
}

// TestDurableRunCodeChange kills a named run of one version of a program
// and resumes it with the next version, whose flow changed: the resume
// fails with ErrRunCodeChanged unless it opts in to resuming across
// versions, and then only the changed steps run; the finished run reports
// the code that produced it. See durabletest.CodeChange.
func TestDurableRunCodeChange(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and builds two programs")
	}
	dir := t.TempDir()
	durabletest.CodeChange(t, &versions, durableEnv(t, "local:"+dir), "local:"+dir)
}

// A named run whose attempt failed after its subflow finished resumes in
// the next process without running the subflow again: the subflow's
// record, kept under the run's id, is loaded, and the task inside it does
// not run either (issue 24: "child flow should not run again").
func TestSubflowNotRerunWhenNamedRunResumesAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program")
	}
	dir := t.TempDir()
	bin := durable.Path(t)
	cmd := exec.Command(bin, "-subflow", "r1")
	cmd.Env = durableEnv(t, "local:"+dir, "DURABLE_FAIL_AFTER_CHILD=1")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err == nil || !strings.Contains(stderr.String(), "failing after the subflow finished") {
		t.Fatalf("first process: %v, want it to fail after the subflow\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	if out := stdout.String(); strings.Count(out, "subflow ran") != 1 || strings.Count(out, "task i=7") != 1 || !strings.Contains(out, "subflow state=Completed") {
		t.Fatalf("first process: the subflow and its task should each run once and complete:\n%s", out)
	}
	second := durabletest.Run(t, bin, durableEnv(t, "local:"+dir), "-subflow", "r1")
	if second.State != runtime.StateCompleted || second.Sum != 50 {
		t.Fatalf("second process: %s sum=%d, want Completed 50", second.State, second.Sum)
	}
	if strings.Contains(second.Stdout, "subflow ran") || len(second.Tasks) != 0 || !strings.Contains(second.Stdout, "subflow state=Cached") || second.Resumed != 1 {
		t.Errorf("second process ran the finished subflow again (want it Cached, resumed=1, no body run):\n%s", second.Stdout)
	}
}
