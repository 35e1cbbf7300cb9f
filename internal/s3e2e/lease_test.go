//go:build unix

package s3e2e_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage"
)

// TestStalledHolderTakenOver stops (SIGSTOP) a process while its
// serializable task holds the key's lease (RESULTGEN_LEASE_TTL=5s, renewed
// until then). The holder is alive, so the next process waits its lease
// out: it says once, at WARN, after a few seconds, which process holds the
// key (host and pid), since and until when, takes the key over within
// about one TTL, and computes it.
func TestStalledHolderTakenOver(t *testing.T) {
	const ttl = 5 * time.Second
	w := newWorld(t, s3test.Shared(t), s3test.BucketOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	lease := settings.LeaseTTL + "=" + ttl.String()

	holder := w.startEnv(t, ctx, []string{lease, "RESULTGEN_E2E_HOLD=1"}, "hold", "k")
	w.awaitFile(t, ctx, fmt.Sprintf("holding.%d", holder.cmd.Process.Pid), holder)
	time.Sleep(ttl / 2) // the lease is renewed meanwhile
	if err := holder.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()

	next := w.startEnv(t, ctx, []string{lease}, "hold", "k")
	out := next.wait(t)
	elapsed := time.Since(stopped)
	_ = holder.cmd.Process.Kill()
	t.Logf("the next process finished %v after the holder stopped", elapsed)
	if elapsed > 3*ttl {
		t.Errorf("the next process finished %v after the holder stopped; want about one lease TTL (%v)", elapsed, ttl)
	}
	if l := only(t, out, "held"); l["state"] != "Completed" || !strings.Contains(l["value"], fmt.Sprintf("by pid %d ", next.cmd.Process.Pid)) {
		t.Errorf("next process: %v; want Completed with its own value", l)
	}

	stderr := next.stderr.String()
	var warns []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, "held by another process") {
			warns = append(warns, l)
		}
	}
	if len(warns) != 1 {
		t.Fatalf("want one line about the holder, got %d; stderr:\n%s", len(warns), stderr)
	}
	t.Logf("waiting line: %s", warns[0])
	host, _ := os.Hostname()
	for _, want := range []string{
		"WARN ",
		fmt.Sprintf("pid=%d", holder.cmd.Process.Pid),
		"host=" + host,
		"key=held/k",
		"task=Held",
		"since=",
		"until=",
		"lease_ttl=5s",
	} {
		if !strings.Contains(warns[0], want) {
			t.Errorf("the waiting line lacks %q: %s", want, warns[0])
		}
	}
}

// TestCrashedHolderTakenOver kills (SIGKILL) a process while its
// serializable task holds the key's lease (the default TTL, 30s): the next
// process on this machine sees that the holder ran here and is gone, takes
// the key over at once instead of waiting the lease out, says nothing
// about waiting, and computes the key.
func TestCrashedHolderTakenOver(t *testing.T) {
	if storage.BootID() == "" {
		t.Skip("no boot id on this system: a crashed holder's lease is waited out (TestStalledHolderTakenOver)")
	}
	w := newWorld(t, s3test.Shared(t), s3test.BucketOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	holder := w.startEnv(t, ctx, []string{"RESULTGEN_E2E_HOLD=1"}, "hold", "k")
	w.awaitFile(t, ctx, fmt.Sprintf("holding.%d", holder.cmd.Process.Pid), holder)
	if err := holder.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-holder.done
	killed := time.Now()

	next := w.start(t, ctx, "hold", "k")
	out := next.wait(t)
	elapsed := time.Since(killed)
	t.Logf("the next process finished %v after the kill (lease TTL %v)", elapsed, settings.DefaultLeaseTTL)
	if elapsed > settings.DefaultLeaseTTL/2 {
		t.Errorf("the next process finished %v after the kill; want far within the lease TTL (%v): the holder is known dead", elapsed, settings.DefaultLeaseTTL)
	}
	if l := only(t, out, "held"); l["state"] != "Completed" || !strings.Contains(l["value"], fmt.Sprintf("by pid %d ", next.cmd.Process.Pid)) {
		t.Errorf("next process: %v; want Completed with its own value", l)
	}
	if stderr := next.stderr.String(); strings.Contains(stderr, "held by another process") {
		t.Errorf("the next process waited for a holder known dead:\n%s", stderr)
	}
}
