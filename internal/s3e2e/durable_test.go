package s3e2e_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/durabletest"
	"github.com/resultgen/resultgen/internal/results"
	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime/settings"
)

// durable is the program of runtime/testdata/durable, and versions the two
// versions of durabletest's report program (see runtime's
// durable_process_test.go for the same tests on local storage), built once
// and removed by TestMain.
var (
	durable  durabletest.Program
	versions durabletest.Versions
)

// durableEnv is the world's environment for the durable program, storing
// in the world's block, with a 2s lease so that a killed holder's run lock
// is taken over quickly.
func (w *world) durableEnv(extra ...string) []string {
	return append(append(w.env(), "DURABLE_STORAGE="+blockSlug, settings.LeaseTTL+"=2s"), extra...)
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
// run's lease (the default TTL, 30s): the next process, on the same
// machine, sees that the holder is gone and takes the lease over at once,
// without waiting it out, and runs only the unfinished tasks; the one
// after returns the finished run.
func TestDurableRunResumesAfterKillS3(t *testing.T) {
	w := newWorld(t, s3test.Shared(t), s3test.BucketOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	env := append(w.env(), "DURABLE_STORAGE="+blockSlug)
	// runStatus is the status `results runs` shows for the run.
	runStatus := func() results.Run {
		t.Helper()
		for r, err := range results.Runs(ctx, w.store(t), results.RunsOptions{ID: "order-42"}) {
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		t.Fatal("results.Runs lists no run order-42")
		return results.Run{}
	}
	second := durabletest.ResumesAfterKill(t, durable.Path(t), env, 1000, func() int { return w.countTaskRecords(t, ctx) }, func() {
		if r := runStatus(); r.Status != results.RunHolderGone || r.PID == 0 {
			t.Errorf("the killed run's status: %+v; want %q with its pid", r, results.RunHolderGone)
		}
	})
	// A wait for the lease is said at WARN after 3s (the lock wait
	// notice), a tenth of the TTL: the resumed run took the lease over at
	// once when its stderr does not say it waited. (Not its duration: a
	// loaded machine takes 15s for the 500 tasks left.)
	if strings.Contains(second.Stderr, "held by another process") {
		t.Errorf("the resumed run waited for the killed holder's lease:\n%s", second.Stderr)
	}
	t.Logf("the resumed run took %v (lease TTL %v)", second.Elapsed, settings.DefaultLeaseTTL)
	if r := runStatus(); r.Status != results.RunCompleted || r.Steps != 1000 {
		t.Errorf("the resumed run's status: %+v; want Completed after 1000 steps", r)
	}
}

// TestDurableRunOneRunnerPerIDS3 starts two processes on one run id at
// once on S3: one runs the flow, the other waits on the run's lease and
// returns its result.
func TestDurableRunOneRunnerPerIDS3(t *testing.T) {
	w := newWorld(t, s3test.Shared(t), s3test.BucketOptions{})
	durabletest.OneRunnerPerID(t, durable.Path(t), w.durableEnv("DURABLE_TASK_SLEEP=20ms", "DURABLE_SYNC="+w.sync), w.sync, 40)
}

// TestDurableRunCodeChangeS3 resumes a named run killed under one version
// of a program with the next version, whose flow changed, on S3: it fails
// with ErrRunCodeChanged unless it opts in, and then runs only the changed
// steps (durabletest.CodeChange).
func TestDurableRunCodeChangeS3(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and builds two programs")
	}
	w := newWorld(t, s3test.Shared(t), s3test.BucketOptions{})
	durabletest.CodeChange(t, &versions, w.durableEnv(), blockSlug)
}
