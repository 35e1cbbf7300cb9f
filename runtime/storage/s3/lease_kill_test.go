package s3_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// envHolderChild makes TestLeaseHolderChild take the lease and hold it.
const envHolderChild = "RESULTGEN_TEST_LEASE_HOLDER"

// killTTL is the lease ttl of tests that watch leases lost: short, so
// the tests are quick.
const killTTL = 2 * time.Second

// crashTTL is the lease ttl of the crash test: the default's, long enough
// that a takeover within half of it cannot have waited it out.
const crashTTL = 30 * time.Second

// TestLeaseHolderChild is the helper process of TestCrashedHolderTakenOver:
// it takes the lease on leaseKey for crashTTL, says so on stdout, and
// holds it (renewing) until it is killed.
func TestLeaseHolderChild(t *testing.T) {
	if os.Getenv(envHolderChild) != "1" {
		t.Skip("helper process for TestCrashedHolderTakenOver")
	}
	srv := s3test.Shared(t)
	st, err := s3.Open(context.Background(), s3.Config{
		Bucket: os.Getenv(envLeaseBucket), Endpoint: srv.Endpoint, Insecure: true,
		Region: s3test.Region, Credentials: srv.Creds(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Lock(context.Background(), leaseKey, crashTTL); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("HOLDING pid=%d\n", os.Getpid())
	time.Sleep(5 * time.Minute) // killed long before
	t.Fatal("not killed")
}

// TestCrashedHolderTakenOver kills a process holding a lease (ttl 30s) on
// this machine, as a crash would: a process here that asks for the key
// sees from the lease that its holder ran on this machine (host and
// BootID) and that its pid is gone, and takes the lease over at once,
// without waiting it out.
func TestCrashedHolderTakenOver(t *testing.T) {
	if storage.BootID() == "" {
		t.Skip("no boot id on this system: a crashed holder's lease is waited out (TestLeaseWaitedOutUnlessHolderProvablyGone)")
	}
	st, cfg := openStore(t, "", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestLeaseHolderChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), envHolderChild+"=1", envLeaseBucket+"="+cfg.Bucket)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	holding := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "HOLDING ") {
				holding <- sc.Text()
			}
		}
		close(holding)
		io.Copy(io.Discard, stdout)
	}()
	select {
	case l, ok := <-holding:
		if !ok {
			t.Fatalf("the holder exited before taking the lease:\n%s", &stderr)
		}
		t.Log(l)
	case <-ctx.Done():
		t.Fatal("the holder did not take the lease")
	}
	// A live holder keeps the key.
	short, stop := context.WithTimeout(ctx, 500*time.Millisecond)
	if u, err := st.Lock(short, leaseKey, crashTTL); !errors.Is(err, context.DeadlineExceeded) {
		if u != nil {
			_ = u()
		}
		t.Fatalf("took a live holder's lease: %v", err)
	}
	stop()
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait() // reaped: its pid is gone
	killed := time.Now()

	var mu sync.Mutex
	var waited []storage.LockHolder
	trace := &storage.LockTrace{Waiting: func(h storage.LockHolder) {
		mu.Lock()
		waited = append(waited, h)
		mu.Unlock()
	}}
	unlock, err := st.Lock(storage.WithLockTrace(ctx, trace), leaseKey, crashTTL)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(killed)
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	t.Logf("took over %v after the kill (lease ttl %v)", elapsed, crashTTL)
	if elapsed > crashTTL/2 {
		t.Errorf("took over %v after the kill; want at once, far within the lease (%v)", elapsed, crashTTL)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(waited) != 0 {
		t.Errorf("Waiting called for a holder known dead: %v", waited)
	}
}

// TestLeaseWaitedOutUnlessHolderProvablyGone plants live leases whose
// holders cannot be shown dead (another host; this host but another boot;
// this host and boot but a running pid) and one whose holder can (this
// host and boot, a pid that is gone). A waiter hears once of each of the
// first and waits until its lease expires; the last it takes over at once.
func TestLeaseWaitedOutUnlessHolderProvablyGone(t *testing.T) {
	st, cfg := openStore(t, "p", nil)
	admin := s3test.Shared(t).Client(t)
	host, _ := os.Hostname()
	boot := storage.BootID()
	gone := exec.Command(os.Args[0], "-test.run=^$")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	dead := gone.Process.Pid
	tests := []struct {
		name     string
		host     string
		boot     string
		pid      int
		takeover bool // at once
	}{
		{"another host", "elsewhere.invalid", boot, dead, false},
		{"another boot", host, "00000000000000ff", dead, false},
		{"no boot id", host, "", dead, false},
		{"running pid", host, boot, 1, false},
		{"dead pid", host, boot, dead, boot != ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := fmt.Sprintf("job-%d", i)
			ttl := 1500 * time.Millisecond
			if tt.takeover {
				ttl = crashTTL
			}
			expires := time.Now().Add(ttl)
			body := fmt.Sprintf(`{"key":%q,"owner":"%s/%d/x","host":%q,"pid":%d,"boot":%q,"token":"t","expires":%q,"ttl":%q}`,
				key, tt.host, tt.pid, tt.host, tt.pid, tt.boot, expires.UTC().Format(time.RFC3339Nano), ttl)
			if _, err := admin.PutObject(context.Background(), cfg.Bucket, leaseObject("p", key), strings.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
				t.Fatal(err)
			}
			var waited []storage.LockHolder
			var mu sync.Mutex
			trace := &storage.LockTrace{Waiting: func(h storage.LockHolder) { mu.Lock(); waited = append(waited, h); mu.Unlock() }}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			start := time.Now()
			unlock, err := st.Lock(storage.WithLockTrace(ctx, trace), key, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			took := time.Now()
			if err := unlock(); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if tt.takeover {
				if took.Sub(start) > ttl/2 || len(waited) != 0 {
					t.Errorf("took over after %v, waited for %v; want at once", took.Sub(start), waited)
				}
				return
			}
			if took.Before(expires) {
				t.Errorf("took the lease %v before it expired; its holder is not provably gone", expires.Sub(took))
			}
			if len(waited) != 1 || waited[0].PID != tt.pid || waited[0].Host != tt.host {
				t.Errorf("Waiting heard %v; want the holder once", waited)
			}
		})
	}
}

// leaseObject is the object name of key's lease in a store with prefix.
func leaseObject(prefix, key string) string {
	sum := sha256.Sum256([]byte(key))
	if prefix != "" {
		prefix += "/"
	}
	return prefix + ".locks/" + hex.EncodeToString(sum[:])
}

// TestLeaseTakenOverIsLost: a holder whose lease is overwritten behind its
// back hears so at its next renewal, stops renewing, and its unlock reports
// ErrLeaseLost (also storage.ErrLockLost).
func TestLeaseTakenOverIsLost(t *testing.T) {
	st, cfg := openStore(t, "p", nil)
	lost := make(chan error, 1)
	ctx := storage.WithLockTrace(context.Background(), &storage.LockTrace{Lost: func(err error) { lost <- err }})
	unlock, err := st.Lock(ctx, "job", killTTL)
	if err != nil {
		t.Fatal(err)
	}
	admin := s3test.Shared(t).Client(t)
	body := `{"owner":"intruder","token":"t","expires":"2999-01-01T00:00:00Z"}`
	if _, err := admin.PutObject(ctx, cfg.Bucket, leaseObject("p", "job"), strings.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-lost:
		if !errors.Is(err, s3.ErrLeaseLost) || !errors.Is(err, storage.ErrLockLost) || !strings.Contains(err.Error(), "taken over") {
			t.Errorf("Lost(%v); want ErrLeaseLost saying it was taken over", err)
		}
	case <-time.After(3 * killTTL):
		t.Fatal("the holder never heard that its lease was taken over")
	}
	if err := unlock(); !errors.Is(err, s3.ErrLeaseLost) {
		t.Errorf("unlock = %v; want ErrLeaseLost", err)
	}
	// The intruder's lease is left alone.
	rc, err := admin.GetObject(context.Background(), cfg.Bucket, leaseObject("p", "job"), minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, _ := io.ReadAll(rc); string(b) != body {
		t.Errorf("lease after the loser's unlock: %s; want the intruder's", b)
	}
}

// TestLeaseUnrenewableIsLost: when no renewal reaches the server before the
// lease expires (the server is down), the holder declares the lease lost
// at its expiry and never revives it, even once the server is back.
func TestLeaseUnrenewableIsLost(t *testing.T) {
	m := s3test.StartMinIO(t)
	ctx := context.Background()
	if err := m.Server().Client(t).MakeBucket(ctx, "leases", minio.MakeBucketOptions{Region: s3test.Region}); err != nil {
		t.Fatal(err)
	}
	st, err := s3.Open(ctx, s3.Config{Bucket: "leases", Endpoint: m.Endpoint(), Insecure: true, Region: s3test.Region,
		Credentials: m.Server().Creds(), MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	lost := make(chan error, 1)
	unlock, err := st.Lock(storage.WithLockTrace(ctx, &storage.LockTrace{Lost: func(err error) { lost <- err }}), "job", killTTL)
	if err != nil {
		t.Fatal(err)
	}
	m.Kill()
	killed := time.Now()
	select {
	case err := <-lost:
		if !errors.Is(err, s3.ErrLeaseLost) || !strings.Contains(err.Error(), "not renewed before it expired") {
			t.Errorf("Lost(%v); want ErrLeaseLost saying it expired unrenewed", err)
		}
		if d := time.Since(killed); d > 2*killTTL {
			t.Errorf("lease declared lost %v after the server died; want by its expiry (ttl %v)", d, killTTL)
		}
	case <-time.After(4 * killTTL):
		t.Fatal("the holder never declared its unrenewable lease lost")
	}
	m.Start()
	if err := unlock(); !errors.Is(err, s3.ErrLeaseLost) {
		t.Errorf("unlock = %v; want ErrLeaseLost", err)
	}
	// Anyone may take the key now.
	tctx, cancel := context.WithTimeout(ctx, 3*killTTL)
	defer cancel()
	again, err := st.Lock(tctx, "job", killTTL)
	if err != nil {
		t.Fatalf("Lock after the loss: %v", err)
	}
	if err := again(); err != nil {
		t.Fatal(err)
	}
}
