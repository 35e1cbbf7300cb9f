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

// killTTL is the lease ttl of the kill test: short, so the test is quick.
const killTTL = 2 * time.Second

// TestLeaseHolderChild is the helper process of TestKilledHolderTakenOver:
// it takes the lease on leaseKey, says so on stdout, and holds it (renewing)
// until it is killed.
func TestLeaseHolderChild(t *testing.T) {
	if os.Getenv(envHolderChild) != "1" {
		t.Skip("helper process for TestKilledHolderTakenOver")
	}
	srv := s3test.Shared(t)
	st, err := s3.Open(context.Background(), s3.Config{
		Bucket: os.Getenv(envLeaseBucket), Endpoint: srv.Endpoint, Insecure: true,
		Region: s3test.Region, Credentials: srv.Creds(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Lock(context.Background(), leaseKey, killTTL); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("HOLDING pid=%d\n", os.Getpid())
	time.Sleep(time.Minute) // killed long before
	t.Fatal("not killed")
}

// TestKilledHolderTakenOver kills a process holding a lease (renewed, ttl
// 2s): a waiter hears once who holds it (host and pid) and until when, and
// takes it over within about one ttl of the kill.
func TestKilledHolderTakenOver(t *testing.T) {
	st, cfg := openStore(t, "", nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
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
	// Held across several renewals, then killed as a crash would.
	time.Sleep(killTTL + killTTL/2)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()

	var mu sync.Mutex
	var waited []storage.LockHolder
	trace := &storage.LockTrace{Waiting: func(h storage.LockHolder) {
		mu.Lock()
		waited = append(waited, h)
		mu.Unlock()
	}}
	unlock, err := st.Lock(storage.WithLockTrace(ctx, trace), leaseKey, killTTL)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(killed)
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	t.Logf("took over %v after the kill", elapsed)
	if elapsed > 3*killTTL {
		t.Errorf("took over %v after the kill; want within about one ttl (%v)", elapsed, killTTL)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(waited) != 1 {
		t.Fatalf("Waiting called %d times (%v); want once, for the killed holder", len(waited), waited)
	}
	host, _ := os.Hostname()
	h := waited[0]
	if h.PID != cmd.Process.Pid || h.Host != host || !strings.Contains(h.Owner, fmt.Sprintf("/%d/", cmd.Process.Pid)) {
		t.Errorf("waited for %+v; want the killed holder, pid %d on %s", h, cmd.Process.Pid, host)
	}
	if h.Expires.Before(killed.Add(-killTTL)) || h.Expires.After(killed.Add(killTTL+time.Second)) {
		t.Errorf("holder's lease expires %v; want within a ttl of the kill at %v", h.Expires, killed)
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
