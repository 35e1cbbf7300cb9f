// Package durabletest runs runtime/testdata/durable, a program that runs
// one named (durable) flow run of n tasks, in separate processes: it kills
// one halfway and checks that the next resumes it, and races two on one run
// id. The runtime's tests run it on local storage, internal/s3e2e's on
// MinIO; the store is the caller's, named in the environment
// (DURABLE_STORAGE) and counted by the caller.
//
// It is a test helper: only tests import it.
package durabletest

import (
	"bufio"
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

	"github.com/resultgen/resultgen/internal/modtest"
	"github.com/resultgen/resultgen/runtime"
)

// Program is a test program of this module, built on first use (or found
// in the build cache) for the tests of one test binary: Pkg, by import
// path, or runtime/testdata/durable when Pkg is empty. The zero value is
// the durable program, ready to use; Close removes what Path made.
type Program struct {
	Pkg string

	once sync.Once
	dir  string
	bin  string
	err  error
}

// Path builds the program, once (or finds it in the build cache: see
// modtest.Executable), and returns its path.
func (p *Program) Path(t testing.TB) string {
	t.Helper()
	p.once.Do(func() {
		pkg := p.Pkg
		if pkg == "" {
			pkg = "github.com/resultgen/resultgen/runtime/testdata/durable"
		}
		if p.dir, p.err = os.MkdirTemp("", "program-"); p.err != nil {
			return
		}
		p.bin, p.err = modtest.Executable("", pkg, p.dir)
	})
	if p.err != nil {
		t.Fatal(p.err)
	}
	return p.bin
}

// Close removes the built program.
func (p *Program) Close() error {
	if p.dir == "" {
		return nil
	}
	return os.RemoveAll(p.dir)
}

// Env is the environment of a program storing in storage: the test's own
// without any RESULTGEN_ or AWS_ variable, then extra (the caller's
// resultgen settings, DURABLE_TASK_SLEEP, DURABLE_SYNC).
func Env(storage string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RESULTGEN_") && !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(append(env, "DURABLE_STORAGE="+storage), extra...)
}

var final = regexp.MustCompile(`^flow state=(\w+) resumed=(\d+) sum=(-?\d+) n=(\d+) runner="([^"]*)"$`)

// Out is what one process printed.
type Out struct {
	Tasks          []int // the i of each task body that ran, in order
	State          string
	Resumed        int
	Sum            int64
	N              int
	Runner         string
	Stdout, Stderr string
	Elapsed        time.Duration // from start to exit (set by Run)
}

// Parse reads the program's output; false without a final line.
func Parse(stdout, stderr string) (Out, bool) {
	o := Out{Stdout: stdout, Stderr: stderr}
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if v, ok := strings.CutPrefix(l, "task i="); ok {
			i, _ := strconv.Atoi(v)
			o.Tasks = append(o.Tasks, i)
		} else if m := final.FindStringSubmatch(l); m != nil {
			o.State, o.Runner = m[1], m[5]
			o.Resumed, _ = strconv.Atoi(m[2])
			o.Sum, _ = strconv.ParseInt(m[3], 10, 64)
			o.N, _ = strconv.Atoi(m[4])
		}
	}
	return o, o.State != ""
}

// Run runs the program to its end. It reports with t.Error, so other
// goroutines may call it.
func Run(t testing.TB, bin string, env []string, args ...string) Out {
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	o, ok := Parse(stdout.String(), stderr.String())
	o.Elapsed = time.Since(start)
	if err != nil || !ok {
		t.Errorf("durable %v: %v\nstdout:\n%s\nstderr:\n%s", args, err, stdout.String(), stderr.String())
	}
	return o
}

// KillAfter starts the program and SIGKILLs it once it has printed after
// task lines; it returns how many task lines it printed in all.
func KillAfter(t testing.TB, bin string, env []string, after int, args ...string) int {
	t.Helper()
	seen := 0
	killed, stderr, err := killAt(t, bin, env, args, func(line string) bool {
		if strings.HasPrefix(line, "task i=") {
			seen++
		}
		return seen == after
	})
	if !killed {
		t.Fatalf("the process ended (%v) after %d task lines, before %d\nstderr:\n%s", err, seen, after, stderr)
	}
	return seen
}

// killAt starts bin with args and SIGKILLs it at the first line of its
// output for which at reports true. It returns whether it killed it,
// its standard error, and how the process ended.
func killAt(t testing.TB, bin string, env, args []string, at func(line string) bool) (bool, string, error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
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
	killed := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if at(sc.Text()) {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
			break
		}
	}
	_, _ = io.Copy(io.Discard, out)
	err = cmd.Wait()
	return killed, stderr.String(), err
}

// SquaresSum is the flow's result for n tasks.
func SquaresSum(n int) int64 {
	var s int64
	for i := range n {
		s += int64(i)*int64(i) + 1
	}
	return s
}

// ResumesAfterKill kills a process running the named flow run "order-42"
// of n tasks after about half of them; the next process with the same id
// must run only the tasks that had not finished, in order, and the one
// after that return the finished run without running anything; an
// uninterrupted run (another id) must compute the same result. count
// counts the task records in the store; killed, if not nil, checks the
// store right after the kill. It returns the resumed run's output.
func ResumesAfterKill(t *testing.T, bin string, env []string, n int, count func() int, killed func()) Out {
	t.Helper()
	started := KillAfter(t, bin, env, n/2, "order-42", strconv.Itoa(n))
	at := time.Now()
	// The records the killed process committed: its finished tasks.
	done := count()
	t.Logf("killed after %d task lines; %d task records committed", started, done)
	// The process runs on until the kill lands, past the lines read so
	// far, so a few more records than lines is fine; what matters is that
	// the run was cut short and the next one resumes exactly these.
	if done < n/2-1 || done >= n {
		t.Fatalf("%d task records after %d task lines; want at least %d and fewer than %d", done, started, n/2-1, n)
	}
	if killed != nil {
		killed()
	}

	second := Run(t, bin, env, "order-42", strconv.Itoa(n))
	t.Logf("the resumed run ended %v after the kill", time.Since(at).Round(time.Millisecond))
	if t.Failed() {
		t.FailNow()
	}
	if second.State != runtime.StateCompleted || second.Resumed != done || len(second.Tasks) != n-done {
		t.Fatalf("resumed run: state %s, resumed %d, %d tasks ran; want Completed, %d resumed, %d tasks\nstderr:\n%s",
			second.State, second.Resumed, len(second.Tasks), done, n-done, second.Stderr)
	}
	for k, i := range second.Tasks {
		if i != done+k {
			t.Fatalf("resumed run ran task %d as its run %d; want %d (only the unfinished tasks, in order)", i, k, done+k)
		}
	}
	if second.Sum != SquaresSum(n) || second.N != n {
		t.Fatalf("resumed run: sum %d n %d; want %d %d", second.Sum, second.N, SquaresSum(n), n)
	}

	third := Run(t, bin, env, "order-42", strconv.Itoa(n))
	if third.State != runtime.StateCached || len(third.Tasks) != 0 || third.Sum != second.Sum || third.Runner != second.Runner {
		t.Fatalf("third run: %s, %d tasks, sum %d by %q; want Cached, none, %d by %q", third.State, len(third.Tasks), third.Sum, third.Runner, second.Sum, second.Runner)
	}
	whole := Run(t, bin, env, "order-43", strconv.Itoa(n))
	if whole.State != runtime.StateCompleted || len(whole.Tasks) != n || whole.Sum != second.Sum || whole.N != second.N {
		t.Fatalf("uninterrupted run: %s, %d tasks, sum %d; want Completed, %d, %d", whole.State, len(whole.Tasks), whole.Sum, n, second.Sum)
	}
	return second
}

// OneRunnerPerID starts two processes on the run id "race-1" of n tasks at
// once, held at a barrier in the folder barriers (env must set
// DURABLE_SYNC to it) until both are ready: one must run the flow, the
// other wait for it and return its result, Cached.
func OneRunnerPerID(t *testing.T, bin string, env []string, barriers string, n int) {
	t.Helper()
	outs := make([]Out, 2)
	var wg sync.WaitGroup
	for i := range outs {
		wg.Go(func() { outs[i] = Run(t, bin, env, "race-1", strconv.Itoa(n)) })
	}
	waitReady(t, barriers, len(outs))
	if err := os.WriteFile(filepath.Join(barriers, "go"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	ran, waited := outs[0], outs[1]
	if len(ran.Tasks) == 0 {
		ran, waited = waited, ran
	}
	if ran.State != runtime.StateCompleted || len(ran.Tasks) != n || ran.Sum != SquaresSum(n) {
		t.Errorf("runner: %s, %d tasks, sum %d; want Completed, %d, %d\nstderr:\n%s", ran.State, len(ran.Tasks), ran.Sum, n, SquaresSum(n), ran.Stderr)
	}
	if waited.State != runtime.StateCached || len(waited.Tasks) != 0 || waited.Runner != ran.Runner || waited.Sum != ran.Sum {
		t.Errorf("waiter: %s, %d tasks, sum %d by %q; want Cached, none, the runner's %d by %q\nstderr:\n%s",
			waited.State, len(waited.Tasks), waited.Sum, waited.Runner, ran.Sum, ran.Runner, waited.Stderr)
	}
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
