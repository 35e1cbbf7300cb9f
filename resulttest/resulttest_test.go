package resulttest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/resultgen/resultgen/resulttest"
	"github.com/resultgen/resultgen/resulttest/internal/demo"
	"github.com/resultgen/resultgen/runtime"
)

// fakeTB records what the harness reports instead of failing the test:
// the one way to check that an assertion can fail.
type fakeTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	goruntime.Goexit()
}

// take returns the reports so far and forgets them.
func (f *fakeTB) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.errors
	f.errors = nil
	return out
}

// fatal runs fn on its own goroutine, as a Fatalf ends the goroutine it is
// called on, and returns what was reported.
func (f *fakeTB) fatal(fn func()) []string {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
	return f.take()
}

func mustContain(t *testing.T, reports []string, want string) {
	t.Helper()
	if len(reports) != 1 || !strings.Contains(reports[0], want) {
		t.Errorf("reports %q, want one containing %q", reports, want)
	}
}

func TestWatchHitAndMiss(t *testing.T) {
	h := resulttest.New(t)
	hello, greet := resulttest.Watch(h, demo.HelloTask), resulttest.Watch(h, demo.GreetFlow)
	if _, err := demo.GreetFlow.Call(h.Context()); err != nil {
		t.Fatal(err)
	}
	hello.AssertMiss("no record at the key")
	got, err := demo.GreetFlow.Call(h.Context())
	if err != nil {
		t.Fatal(err)
	}
	hello.AssertHit()
	if !slices.Equal(got, []string{"hello world", "hello foo", "hello bar"}) {
		t.Errorf("Greet = %q", got)
	}
	if n := hello.Calls(); n != 3 {
		t.Errorf("Hello's body ran %d times, want 3 (the first flow run's)", n)
	}
	if n := greet.Calls(); n != 2 {
		t.Errorf("Greet's body ran %d times, want 2", n)
	}
	var states []string
	for _, r := range hello.Runs() {
		states = append(states, r.State)
	}
	if want := []string{"Completed", "Completed", "Completed", "Cached", "Cached", "Cached"}; !slices.Equal(states, want) {
		t.Errorf("Hello's runs: %q, want %q", states, want)
	}
}

// The records go to the harness's store, never to the folder the settings
// name, and LocalStorage keeps them in a folder of the test's.
func TestStorageIsolated(t *testing.T) {
	h := resulttest.New(t)
	if _, err := demo.HelloTask.Call(h.Context(), "world"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Storage().Stat(h.Context(), "hello-world.json"); err != nil {
		t.Errorf("the record is not in the harness's memory store: %v", err)
	}
	if got := h.Engine().Settings().LocalStoragePath; !strings.HasPrefix(got, os.TempDir()) {
		t.Errorf("local storage path %s is not a temporary folder", got)
	}
	if _, err := os.Stat(filepath.Join(h.Engine().Settings().LocalStoragePath, "hello-world.json")); err == nil {
		t.Error("a run of a memory harness wrote to the local storage path")
	}

	l := resulttest.New(t, resulttest.LocalStorage())
	if _, err := demo.HelloTask.Call(l.Context(), "world"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(l.Dir(), "hello-world.json")); err != nil {
		t.Errorf("LocalStorage: %v", err)
	}
}

func TestAssertionsReportFailures(t *testing.T) {
	fake := &fakeTB{TB: t}
	h := resulttest.New(fake)
	hello := resulttest.Watch(h, demo.HelloTask)

	hello.AssertHit()
	mustContain(t, fake.take(), "task Hello has not run")
	hello.AssertMiss("")
	mustContain(t, fake.take(), "task Hello has not run")

	if _, err := demo.HelloTask.Call(h.Context(), "world"); err != nil {
		t.Fatal(err)
	}
	hello.AssertHit() // a miss
	mustContain(t, fake.take(), "latest run Completed, want a cache hit")
	hello.AssertMiss("parameter name changed") // missed for another reason
	mustContain(t, fake.take(), `not because "parameter name changed"`)
	hello.AssertMiss("no record at the key")
	if r := fake.take(); len(r) > 0 {
		t.Errorf("a passing AssertMiss reported %q", r)
	}

	if _, err := demo.HelloTask.Call(h.Context(), "world"); err != nil {
		t.Fatal(err)
	}
	hello.AssertMiss("") // a hit
	mustContain(t, fake.take(), "latest run was a cache hit, want a miss")
	hello.AssertHit()
	if r := fake.take(); len(r) > 0 {
		t.Errorf("a passing AssertHit reported %q", r)
	}
}

func TestSeed(t *testing.T) {
	h := resulttest.New(t)
	hello := resulttest.Watch(h, demo.HelloTask)
	resulttest.Seed(h, "hi from the cache", func(ctx context.Context) (string, error) {
		return demo.HelloTask.Call(ctx, "world")
	})
	if n := hello.Calls(); n != 0 {
		t.Errorf("seeding ran Hello's body %d times", n)
	}
	got, err := demo.GreetFlow.Call(h.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"hi from the cache", "hello foo", "hello bar"}; !slices.Equal(got, want) {
		t.Errorf("Greet = %q, want %q", got, want)
	}
	if n := hello.Calls(); n != 2 {
		t.Errorf("Hello's body ran %d times, want 2 (world was seeded)", n)
	}
}

func TestSeedRefusals(t *testing.T) {
	fake := &fakeTB{TB: t}
	h := resulttest.New(fake)
	seedWorld := func() {
		resulttest.Seed(h, "hi", func(ctx context.Context) (string, error) { return demo.HelloTask.Call(ctx, "world") })
	}
	if r := fake.fatal(seedWorld); len(r) > 0 {
		t.Fatalf("first seed: %q", r)
	}
	mustContain(t, fake.fatal(seedWorld), "a record is already at key hello-world.json")

	// Step's key has the run id (the default cache policy): outside a
	// flow, each run has its own key, so a seed could never be found.
	r := fake.fatal(func() {
		resulttest.Seed(h, "x", func(ctx context.Context) (string, error) { return demo.StepTask.Call(ctx, "o", 1) })
	})
	mustContain(t, r, "does not persist its result")

	r = fake.fatal(func() {
		resulttest.Seed(h, "x", func(ctx context.Context) (string, error) {
			return demo.StepTask.WithOptions(runtime.Persist(true)).Call(ctx, "o", 1)
		})
	})
	mustContain(t, r, "the same call does not find the seeded record")
}

func TestFailAndPanicNext(t *testing.T) {
	h := resulttest.New(t)
	fetch := resulttest.Watch(h, demo.FetchTask)
	boom := errors.New("connection reset")
	fetch.FailNext(boom)
	fetch.FailNext(boom)
	st := demo.FetchTask.State(h.Context(), "https://example.com")
	if v, err := st.Result(); err != nil || v != "body of https://example.com" {
		t.Errorf("Fetch after two failures and two retries = %q, %v", v, err)
	}
	if n := fetch.Calls(); n != 3 {
		t.Errorf("Fetch's body ran %d times, want 3 (two failed attempts, then the body)", n)
	}

	hello := resulttest.Watch(h, demo.HelloTask)
	hello.PanicNext("disk on fire")
	_, err := demo.HelloTask.Call(h.Context(), "world")
	var pe *runtime.PanicError
	if !errors.As(err, &pe) || pe.Value != "disk on fire" {
		t.Errorf("Hello after PanicNext: %v, want a *runtime.PanicError", err)
	}
	hello.AssertMiss("no record at the key")
	if _, err := demo.HelloTask.Call(h.Context(), "world"); err != nil {
		t.Errorf("the fault outlived its attempt: %v", err)
	}
}

func TestFrozenClock(t *testing.T) {
	h := resulttest.New(t)
	quote := resulttest.Watch(h, demo.QuoteTask)
	h.Freeze(time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC))
	for range 2 {
		if _, err := demo.QuoteTask.Call(h.Context(), "ABC"); err != nil {
			t.Fatal(err)
		}
	}
	quote.AssertHit()
	h.Advance(59 * time.Minute)
	if _, err := demo.QuoteTask.Call(h.Context(), "ABC"); err != nil {
		t.Fatal(err)
	}
	quote.AssertHit()
	h.Advance(2 * time.Minute)
	if _, err := demo.QuoteTask.Call(h.Context(), "ABC"); err != nil {
		t.Fatal(err)
	}
	quote.AssertMiss("the record expired at 2026-01-02T10:00:00Z")
}

// Under testing/synctest, time.Now is the bubble's clock, which time.Sleep
// moves at once: the harness's running clock follows it.
func TestSynctestClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := resulttest.New(t)
		quote := resulttest.Watch(h, demo.QuoteTask)
		if _, err := demo.QuoteTask.Call(h.Context(), "ABC"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Hour)
		if _, err := demo.QuoteTask.Call(h.Context(), "ABC"); err != nil {
			t.Fatal(err)
		}
		quote.AssertMiss("the record expired")
	})
}

func TestCrashAndResume(t *testing.T) {
	for _, local := range []bool{false, true} {
		t.Run(fmt.Sprintf("local=%v", local), func(t *testing.T) {
			var opts []resulttest.Option
			if local {
				opts = append(opts, resulttest.LocalStorage())
			}
			h := resulttest.New(t, opts...)
			run := demo.PipelineFlow.WithOptions(runtime.RunID("order-42"))

			h.CrashAfter(2)
			if _, err := run.Call(h.Context(), "order-42"); !errors.Is(err, resulttest.ErrCrashed) {
				t.Fatalf("the run that crashed after step 2: %v, want ErrCrashed", err)
			}
			h.Restart()
			step := resulttest.Watch(h, demo.StepTask)
			st := run.State(h.Context(), "order-42")
			v, err := st.Result()
			if err != nil {
				t.Fatal(err)
			}
			if want := []string{"order-42 step 1", "order-42 step 2", "order-42 step 3"}; !slices.Equal(v, want) {
				t.Errorf("resumed run = %q", v)
			}
			if st.Resumed() != 2 {
				t.Errorf("Resumed() = %d, want 2", st.Resumed())
			}
			var states []string
			for _, r := range step.Runs() {
				states = append(states, r.State)
			}
			if want := []string{"Cached", "Cached", "Completed"}; !slices.Equal(states, want) {
				t.Errorf("steps after the restart: %q, want %q", states, want)
			}
			if n := step.Calls(); n != 1 {
				t.Errorf("after the restart Step's body ran %d times, want 1", n)
			}
		})
	}
}
