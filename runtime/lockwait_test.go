//go:build unix

package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/modtest"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
)

// envHoldKey makes TestHelperHoldKey run: the storage folder whose
// serializable key it holds.
const envHoldKey = "RESULTGEN_TEST_HOLD_KEY"

// heldDef is the serializable task both processes run.
var heldDef = &runtime.Def{Kind: runtime.KindTask, Name: "held", Func: "example.com/app.Held", GoType: "string", Value: true,
	Config: runtime.Config{StorageKey: "held/k", Isolation: runtime.Serializable}}

func heldRun(ctx context.Context, body func(context.Context) (string, error)) *runtime.State[string] {
	return runtime.Run(ctx, runtime.Invocation[string]{
		Def:        heldDef,
		StorageKey: func(runtime.KeyContext) (string, error) { return "held/k", nil },
		Body:       body,
	})
}

// TestHelperHoldKey is the helper process of TestLocalLockWait: it runs
// the serializable task, whose body says HOLDING and never returns.
func TestHelperHoldKey(t *testing.T) {
	dir := os.Getenv(envHoldKey)
	if dir == "" {
		t.Skip("helper process of TestLocalLockWait")
	}
	ctx, _, _ := newEngine(t, map[string]string{settings.LocalStoragePath: dir})
	heldRun(ctx, func(context.Context) (string, error) {
		fmt.Println("HOLDING")
		time.Sleep(time.Hour) // killed long before
		return "", errors.New("not killed")
	})
}

// startHolder starts TestHelperHoldKey on the storage folder dir and
// returns once its body holds the key.
func startHolder(t *testing.T, dir string) *exec.Cmd {
	t.Helper()
	return modtest.StartSelf(t, []string{envHoldKey + "=" + dir}, "HOLDING", "-test.run=^TestHelperHoldKey$", "-test.count=1")
}

// A serializable task behind a stopped holder in another process (local
// storage): the waiter says once, at WARN, who holds the key (pid, host,
// since when); with RESULTGEN_LOCK_WAIT_TIMEOUT it gives up with
// ErrLockTimeout naming the holder, its body never run. Once the holder is
// killed, its lock dies with it and the next run computes the key.
func TestLocalLockWait(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "storage")
	holder := startHolder(t, dir)
	pid := holder.Process.Pid
	if err := holder.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, _, _ := newEngine(t, map[string]string{settings.LocalStoragePath: dir, settings.LockWaitTimeout: "1s"},
		runtime.WithLogger(logger), runtime.WithLockWaitNotice(100*time.Millisecond))
	var ran atomic.Int32
	body := func(context.Context) (string, error) { ran.Add(1); return "computed here", nil }

	_, err := heldRun(ctx, body).Result()
	host, _ := os.Hostname()
	holderWords := fmt.Sprintf("held by pid %d on host %s since ", pid, host)
	if !errors.Is(err, runtime.ErrLockTimeout) || !strings.Contains(err.Error(), holderWords) || !strings.Contains(err.Error(), "task held") ||
		!strings.Contains(err.Error(), settings.LockWaitTimeout) {
		t.Errorf("run behind a stopped holder: %v; want ErrLockTimeout naming the task, the holder (%s…) and the setting", err, holderWords)
	}
	if n := ran.Load(); n != 0 {
		t.Errorf("the body ran %d times while another process held the key", n)
	}
	var warns []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "held by another process") {
			warns = append(warns, l)
		}
	}
	if len(warns) != 1 {
		t.Fatalf("want one line about the holder, got %d:\n%s", len(warns), logs.String())
	}
	for _, want := range []string{"level=WARN", fmt.Sprintf("pid=%d", pid), "host=" + host, "since=", "key=held/k", "task=held", "timeout=1s", "waited="} {
		if !strings.Contains(warns[0], want) {
			t.Errorf("the waiting line lacks %q: %s", want, warns[0])
		}
	}
	t.Logf("waiting line: %s", warns[0])
	t.Logf("error: %v", err)

	// The holder dies: its lock goes with it.
	_ = holder.Process.Kill()
	_ = holder.Wait()
	v, err := heldRun(ctx, body).Result()
	if err != nil || v != "computed here" || ran.Load() != 1 {
		t.Errorf("run after the holder died: %q, %v, body ran %d times; want it computed once", v, err, ran.Load())
	}
}

// Waits shorter than the notice delay say nothing, and without a timeout
// a waiter waits for the holder as long as it holds the key: here a run
// of this process (the in-process queue) and then the store's lock.
func TestLockWaitQuietAndUnbounded(t *testing.T) {
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, _, _ := newEngine(t, nil, runtime.WithLogger(logger))
	release := make(chan struct{})
	holding := make(chan struct{})
	first := runtime.Submit(ctx, runtime.Invocation[string]{
		Def:        heldDef,
		StorageKey: func(runtime.KeyContext) (string, error) { return "held/k", nil },
		Body: func(context.Context) (string, error) {
			close(holding)
			<-release
			return "first", nil
		},
	})
	<-holding
	second := runtime.Submit(ctx, runtime.Invocation[string]{
		Def:        heldDef,
		StorageKey: func(runtime.KeyContext) (string, error) { return "held/k", nil },
		Body:       func(context.Context) (string, error) { return "second", nil },
	})
	close(release)
	for _, f := range []*runtime.Future[string]{first, second} {
		if v, err := f.Result(); err != nil || v != "first" {
			t.Errorf("%q, %v; want the first run's value", v, err)
		}
	}
	if strings.Contains(logs.String(), "held by") {
		t.Errorf("a short wait was reported:\n%s", logs.String())
	}
}
