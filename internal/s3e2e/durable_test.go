package s3e2e_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
)

// The program of runtime/testdata/durable (see runtime's
// durable_process_test.go for the same tests on local storage), built once.
var (
	durableOnce sync.Once
	durableBin  string
	durableErr  error
)

func durableProgram(t *testing.T) string {
	t.Helper()
	flowProgram(t) // makes flowDir, which TestMain removes
	durableOnce.Do(func() {
		bin := filepath.Join(flowDir, "durable")
		if out, err := exec.Command("go", "build", "-o", bin, "../../runtime/testdata/durable").CombinedOutput(); err != nil {
			durableErr = fmt.Errorf("go build ../../runtime/testdata/durable: %v\n%s", err, out)
			return
		}
		durableBin = bin
	})
	if durableErr != nil {
		t.Fatal(durableErr)
	}
	return durableBin
}

var durableFinal = regexp.MustCompile(`^flow state=(\w+) resumed=(\d+) sum=(-?\d+) n=(\d+) runner="([^"]*)"$`)

type durableOut struct {
	tasks   []int
	state   string
	resumed int
	sum     int64
	n       int
	runner  string
	stderr  string
}

func parseDurableOut(stdout, stderr string) (durableOut, bool) {
	o := durableOut{stderr: stderr}
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

// durableEnv is the world's environment for the durable program, storing
// in the world's block, with a 2s lease so that a killed holder's run lock
// is taken over quickly.
func (w *world) durableEnv(extra ...string) []string {
	return append(append(w.env(), "DURABLE_STORAGE="+blockSlug, settings.LeaseTTL+"=2s"), extra...)
}

func runDurable(t *testing.T, bin string, env []string, args ...string) durableOut {
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

func squaresSum(n int) int64 {
	var s int64
	for i := range n {
		s += int64(i)*int64(i) + 1
	}
	return s
}

// countTaskRecords counts the objects at the top of the world's prefix (the
// tasks' keys are hashes), leaving out .runs and the store's own objects.
func (w *world) countTaskRecords(t *testing.T, ctx context.Context) int {
	t.Helper()
	n := 0
	for info, err := range w.store(t).List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(info.Key, "/") && !strings.HasPrefix(info.Key, ".") {
			n++
		}
	}
	return n
}

// TestDurableRunResumesAfterKillS3 kills a process running a named flow
// run of 1,000 tasks on S3 after about half of them, while it holds the
// run's lease: the next process takes the lease over once it expires and
// runs only the unfinished tasks; the one after returns the finished run.
func TestDurableRunResumesAfterKillS3(t *testing.T) {
	const n = 1000
	w := newWorld(t, s3test.Shared(t), s3test.BucketOptions{})
	bin := durableProgram(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	env := w.durableEnv()

	cmd := exec.CommandContext(ctx, bin, "order-42", strconv.Itoa(n))
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
		if seen == n/2 {
			_ = cmd.Process.Kill()
			break
		}
	}
	_, _ = io.Copy(io.Discard, out)
	_ = cmd.Wait()
	if seen < n/2 {
		t.Fatalf("the process ended after %d task lines\nstderr:\n%s", seen, stderr.String())
	}
	killed := time.Now()
	done := w.countTaskRecords(t, ctx)
	t.Logf("killed after %d task lines; %d task records committed", seen, done)
	if done < n/2-1 || done > seen {
		t.Fatalf("%d task records after %d task lines", done, seen)
	}

	second := runDurable(t, bin, env, "order-42", strconv.Itoa(n))
	t.Logf("the resumed run took %v after the kill (lease TTL 2s)", time.Since(killed).Round(time.Millisecond))
	if t.Failed() {
		return
	}
	if second.state != runtime.StateCompleted || second.resumed != done || len(second.tasks) != n-done || second.sum != squaresSum(n) {
		t.Fatalf("resumed run: %s, resumed %d, %d tasks, sum %d; want Completed, %d, %d, %d\nstderr:\n%s",
			second.state, second.resumed, len(second.tasks), second.sum, done, n-done, squaresSum(n), second.stderr)
	}
	for k, i := range second.tasks {
		if i != done+k {
			t.Fatalf("resumed run ran task %d as its run %d; want %d", i, k, done+k)
		}
	}
	if !strings.Contains(second.stderr, "held by another process") {
		t.Errorf("the resumed run did not say it waited for the killed holder's lease:\n%s", second.stderr)
	}

	third := runDurable(t, bin, env, "order-42", strconv.Itoa(n))
	if third.state != runtime.StateCached || len(third.tasks) != 0 || third.sum != second.sum || third.runner != second.runner {
		t.Fatalf("third run: %s, %d tasks, sum %d by %q; want Cached, none, %d by %q", third.state, len(third.tasks), third.sum, third.runner, second.sum, second.runner)
	}
	whole := runDurable(t, bin, env, "order-43", strconv.Itoa(n))
	if whole.state != runtime.StateCompleted || len(whole.tasks) != n || whole.sum != second.sum {
		t.Fatalf("uninterrupted run: %s, %d tasks, sum %d; want Completed, %d, %d", whole.state, len(whole.tasks), whole.sum, n, second.sum)
	}
}

// TestDurableRunOneRunnerPerIDS3 starts two processes on one run id at
// once on S3: one runs the flow, the other waits on the run's lease and
// returns its result.
func TestDurableRunOneRunnerPerIDS3(t *testing.T) {
	const n = 40
	w := newWorld(t, s3test.Shared(t), s3test.BucketOptions{})
	bin := durableProgram(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	env := w.durableEnv("DURABLE_TASK_SLEEP=20ms", "DURABLE_SYNC="+w.sync)
	outs := make([]durableOut, 2)
	var wg sync.WaitGroup
	for i := range outs {
		wg.Go(func() { outs[i] = runDurable(t, bin, env, "race-1", strconv.Itoa(n)) })
	}
	for {
		m, _ := filepath.Glob(filepath.Join(w.sync, "ready.*"))
		if len(m) == 2 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the processes did not get ready")
		case <-time.After(10 * time.Millisecond):
		}
	}
	w.signal(t, "go")
	wg.Wait()
	if t.Failed() {
		return
	}
	ran, waited := outs[0], outs[1]
	if len(ran.tasks) == 0 {
		ran, waited = waited, ran
	}
	if ran.state != runtime.StateCompleted || len(ran.tasks) != n || ran.sum != squaresSum(n) {
		t.Errorf("runner: %s, %d tasks, sum %d\nstderr:\n%s", ran.state, len(ran.tasks), ran.sum, ran.stderr)
	}
	if waited.state != runtime.StateCached || len(waited.tasks) != 0 || waited.runner != ran.runner || waited.sum != ran.sum {
		t.Errorf("waiter: %s, %d tasks, sum %d by %q; want Cached, none, %d by %q\nstderr:\n%s",
			waited.state, len(waited.tasks), waited.sum, waited.runner, ran.sum, ran.runner, waited.stderr)
	}
}
