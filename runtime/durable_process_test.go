package runtime_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resultgen/resultgen/runtime"
)

// The program of testdata/durable, built once per test binary.
var (
	durableOnce sync.Once
	durableBin  string
	durableErr  error
	durableDir  string // removed by TestMain
)

func TestMain(m *testing.M) {
	code := m.Run()
	if durableDir != "" {
		os.RemoveAll(durableDir)
	}
	os.Exit(code)
}

func durableProgram(t *testing.T) string {
	t.Helper()
	durableOnce.Do(func() {
		durableDir, durableErr = os.MkdirTemp("", "durable-")
		if durableErr != nil {
			return
		}
		bin := filepath.Join(durableDir, "durable")
		if out, err := exec.Command("go", "build", "-o", bin, "./testdata/durable").CombinedOutput(); err != nil {
			durableErr = fmt.Errorf("go build ./testdata/durable: %v\n%s", err, out)
			return
		}
		durableBin = bin
	})
	if durableErr != nil {
		t.Fatal(durableErr)
	}
	return durableBin
}

// durableEnv is the environment of a durable process: the test's own less
// resultgen settings, a fresh home, the given storage and extra variables.
func durableEnv(t *testing.T, storage string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RESULTGEN_") {
			env = append(env, kv)
		}
	}
	return append(append(env, "RESULTGEN_HOME="+t.TempDir(), "DURABLE_STORAGE="+storage), extra...)
}

var durableFinal = regexp.MustCompile(`^flow state=(\w+) resumed=(\d+) sum=(-?\d+) n=(\d+) runner="([^"]*)"$`)

// durableOut is what one process printed.
type durableOut struct {
	tasks          []int // the i of each task body that ran, in order
	state          string
	resumed        int
	sum            int64
	n              int
	runner         string
	stdout, stderr string
}

func parseDurable(t *testing.T, stdout, stderr string) durableOut {
	t.Helper()
	o, ok := parseDurableOut(stdout, stderr)
	if !ok {
		t.Fatalf("no final line\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	return o
}

// parseDurableOut reads the program's output; false without a final line.
func parseDurableOut(stdout, stderr string) (durableOut, bool) {
	o := durableOut{stdout: stdout, stderr: stderr}
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if v, ok := strings.CutPrefix(l, "task i="); ok {
			i, _ := strconv.Atoi(v)
			o.tasks = append(o.tasks, i)
		} else if m := durableFinal.FindStringSubmatch(l); m != nil {
			o.state, o.runner = m[1], m[5]
			o.resumed, _ = strconv.Atoi(m[2])
			o.sum, _ = strconv.ParseInt(m[3], 10, 64)
			o.n, _ = strconv.Atoi(m[4])
		}
	}
	return o, o.state != ""
}

// runDurable runs the program to its end.
func runDurable(t *testing.T, env []string, args ...string) durableOut {
	t.Helper()
	cmd := exec.Command(durableProgram(t), args...)
	cmd.Env = env
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("durable %v: %v\nstdout:\n%s\nstderr:\n%s", args, err, stdout.String(), stderr.String())
	}
	return parseDurable(t, stdout.String(), stderr.String())
}

// killDurableAfter starts the program and SIGKILLs it once it has printed
// `after` task lines; it returns how many task lines it printed in all.
func killDurableAfter(t *testing.T, env []string, after int, args ...string) int {
	t.Helper()
	cmd := exec.Command(durableProgram(t), args...)
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
	seen := 0
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "task i=") {
			seen++
		}
		if seen == after {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	_, _ = io.Copy(io.Discard, out)
	err = cmd.Wait()
	if seen < after {
		t.Fatalf("the process ended (%v) after %d task lines, before %d\nstderr:\n%s", err, seen, after, stderr.String())
	}
	return seen
}

// squaresSum is the flow's result for n tasks.
func squaresSum(n int) int64 {
	var s int64
	for i := range n {
		s += int64(i)*int64(i) + 1
	}
	return s
}

// checkResumed checks the run that resumed after tasks 0..done-1 had
// finished, out of n, and returns its output.
func checkResumed(t *testing.T, o durableOut, done, n int) {
	t.Helper()
	if o.state != runtime.StateCompleted || o.resumed != done || len(o.tasks) != n-done {
		t.Fatalf("resumed run: state %s, resumed %d, %d tasks ran; want Completed, %d resumed, %d tasks\nstderr:\n%s",
			o.state, o.resumed, len(o.tasks), done, n-done, o.stderr)
	}
	for k, i := range o.tasks {
		if i != done+k {
			t.Fatalf("resumed run ran task %d as its run %d; want %d (only the unfinished tasks, in order)", i, k, done+k)
		}
	}
	if o.sum != squaresSum(n) || o.n != n {
		t.Fatalf("resumed run: sum %d n %d; want %d %d", o.sum, o.n, squaresSum(n), n)
	}
}

// TestDurableRunResumesAfterKill kills a process running a named flow run
// of 1,000 tasks after about half of them; the next process with the same
// id runs only the tasks that had not finished, and the one after that
// returns the finished run without running anything.
func TestDurableRunResumesAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program")
	}
	const n = 1000
	dir := t.TempDir()
	env := durableEnv(t, "local:"+dir, "DURABLE_TASK_SLEEP=1ms")
	started := killDurableAfter(t, env, n/2, "order-42", strconv.Itoa(n))

	// The records the killed process committed: its finished tasks.
	done := countTaskRecords(t, dir)
	t.Logf("killed after %d task lines; %d task records committed", started, done)
	if done < n/2-1 || done > started {
		t.Fatalf("%d task records after %d task lines; want about %d", done, started, n/2)
	}
	if _, err := os.Stat(filepath.Join(dir, runtime.RunKey("squares", "order-42"))); err == nil {
		t.Fatal("the killed run has a run record")
	}

	second := runDurable(t, env, "order-42", strconv.Itoa(n))
	checkResumed(t, second, done, n)

	third := runDurable(t, env, "order-42", strconv.Itoa(n))
	if third.state != runtime.StateCached || len(third.tasks) != 0 || third.sum != second.sum || third.runner != second.runner {
		t.Fatalf("third run: %s, %d tasks, sum %d by %q; want Cached, none, %d by %q", third.state, len(third.tasks), third.sum, third.runner, second.sum, second.runner)
	}

	// An uninterrupted run (another id) computes the same result.
	whole := runDurable(t, env, "order-43", strconv.Itoa(n))
	if whole.state != runtime.StateCompleted || len(whole.tasks) != n || whole.sum != second.sum || whole.n != second.n {
		t.Fatalf("uninterrupted run: %s, %d tasks, sum %d; want Completed, %d, %d", whole.state, len(whole.tasks), whole.sum, n, second.sum)
	}
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
	const n = 40
	barriers := t.TempDir()
	env := durableEnv(t, "local:"+t.TempDir(), "DURABLE_TASK_SLEEP=20ms", "DURABLE_SYNC="+barriers)
	bin := durableProgram(t)
	outs := make([]durableOut, 2)
	var wg sync.WaitGroup
	for i := range outs {
		wg.Go(func() { outs[i] = runDurableT(t, bin, env, "race-1", strconv.Itoa(n)) })
	}
	waitReady(t, barriers, 2)
	if err := os.WriteFile(filepath.Join(barriers, "go"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	checkOneRunner(t, outs, n)
}

// runDurableT is runDurable for other goroutines: it reports with t.Error.
func runDurableT(t *testing.T, bin string, env []string, args ...string) durableOut {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	o, ok := parseDurableOut(stdout.String(), stderr.String())
	if err != nil || !ok {
		t.Errorf("durable %v: %v\nstdout:\n%s\nstderr:\n%s", args, err, stdout.String(), stderr.String())
	}
	return o
}

// waitReady waits until n processes have created their ready files in dir.
func waitReady(t *testing.T, dir string, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		m, _ := filepath.Glob(filepath.Join(dir, "ready.*"))
		if len(m) >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d processes did not get ready within a minute", n)
}

// checkOneRunner checks that of outs, one ran the n tasks and the other
// ran none and returned the first one's result, Cached.
func checkOneRunner(t *testing.T, outs []durableOut, n int) {
	t.Helper()
	if t.Failed() {
		return
	}
	ran, waited := outs[0], outs[1]
	if len(ran.tasks) == 0 {
		ran, waited = waited, ran
	}
	if ran.state != runtime.StateCompleted || len(ran.tasks) != n || ran.sum != squaresSum(n) {
		t.Errorf("runner: %s, %d tasks, sum %d; want Completed, %d, %d\nstderr:\n%s", ran.state, len(ran.tasks), ran.sum, n, squaresSum(n), ran.stderr)
	}
	if waited.state != runtime.StateCached || len(waited.tasks) != 0 || waited.runner != ran.runner || waited.sum != ran.sum {
		t.Errorf("waiter: %s, %d tasks, sum %d by %q; want Cached, none, the runner's %d by %q\nstderr:\n%s",
			waited.state, len(waited.tasks), waited.sum, waited.runner, ran.sum, ran.runner, waited.stderr)
	}
}
