package s3e2e_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime/settings"
)

// TestKilledHolderTakenOver kills a process while its serializable task
// holds the key's lease (RESULTGEN_LEASE_TTL=2s, renewed meanwhile). The
// next process says once, at WARN, which process holds the key (host and
// pid) and until when, takes the key over within about one TTL of the
// kill, and computes it.
func TestKilledHolderTakenOver(t *testing.T) {
	const ttl = 2 * time.Second
	w := newWorld(t, s3test.Shared(t), s3test.BucketOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	lease := settings.LeaseTTL + "=" + ttl.String()

	holder := w.startEnv(t, ctx, []string{lease, "RESULTGEN_E2E_HOLD=1"}, "hold", "k")
	w.awaitFile(t, ctx, fmt.Sprintf("holding.%d", holder.cmd.Process.Pid), holder)
	time.Sleep(ttl) // the lease is renewed meanwhile
	if err := holder.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-holder.done
	killed := time.Now()

	next := w.startEnv(t, ctx, []string{lease}, "hold", "k")
	out := next.wait(t)
	elapsed := time.Since(killed)
	t.Logf("the next process finished %v after the kill", elapsed)
	if elapsed > 3*ttl {
		t.Errorf("the next process finished %v after the kill; want about one lease TTL (%v)", elapsed, ttl)
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
		"until=",
		"lease_ttl=2s",
	} {
		if !strings.Contains(warns[0], want) {
			t.Errorf("the waiting line lacks %q: %s", want, warns[0])
		}
	}
}
