package s3_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// Environment of the helper process of TestLockExclusiveAcrossProcesses.
const (
	envLeaseChild  = "RESULTGEN_TEST_LEASE_CHILD"
	envLeaseBucket = "RESULTGEN_TEST_LEASE_BUCKET"
)

const (
	leaseKey   = "shared/result.json"
	leaseRound = 3 // critical sections per worker
)

// critical runs one critical section under the lease on leaseKey: it
// claims an "inside" marker that must be free (a second holder would find
// it taken), bumps a counter object, and leaves.
func critical(ctx context.Context, st *s3.Storage) error {
	unlock, err := st.Lock(ctx, leaseKey, 10*time.Second)
	if err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	if err := st.Put(ctx, "inside", strings.NewReader("x"), storage.PutOptions{IfAbsent: true}); err != nil {
		unlock()
		if errors.Is(err, storage.ErrExists) {
			return errors.New("two holders inside the critical section at once")
		}
		return err
	}
	n := 0
	rc, err := st.Get(ctx, "counter")
	switch {
	case err == nil:
		b, _ := io.ReadAll(rc)
		rc.Close()
		n, _ = strconv.Atoi(string(b))
	case !errors.Is(err, storage.ErrNotFound):
		unlock()
		return err
	}
	time.Sleep(5 * time.Millisecond) // widen the window a second holder would use
	if err := st.Put(ctx, "counter", strings.NewReader(strconv.Itoa(n+1)), storage.PutOptions{}); err != nil {
		unlock()
		return err
	}
	if err := st.Delete(ctx, "inside"); err != nil {
		unlock()
		return err
	}
	return unlock()
}

// TestLeaseChild is the helper process; it does nothing in a normal run.
func TestLeaseChild(t *testing.T) {
	if os.Getenv(envLeaseChild) != "1" {
		t.Skip("helper process for TestLockExclusiveAcrossProcesses")
	}
	srv := s3test.Shared(t)
	st, err := s3.Open(context.Background(), s3.Config{
		Bucket: os.Getenv(envLeaseBucket), Endpoint: srv.Endpoint, Insecure: true,
		Region: "us-east-1", Credentials: srv.Creds(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for range leaseRound {
				if err := critical(ctx, st); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestLockExclusiveAcrossProcesses: 8 goroutines here and 2 other processes
// (2 workers each) contend for one lease; never two inside at once, and no
// increment of the shared counter is lost.
func TestLockExclusiveAcrossProcesses(t *testing.T) {
	st, cfg := openStore(t, "", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	var children []*exec.Cmd
	var outputs []*bytes.Buffer
	for range 2 {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestLeaseChild$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), envLeaseChild+"=1", envLeaseBucket+"="+cfg.Bucket)
		out := new(bytes.Buffer)
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		children = append(children, cmd)
		outputs = append(outputs, out)
	}

	var inside, maxInside atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range leaseRound {
				unlockErr := func() error {
					unlock, err := st.Lock(ctx, leaseKey+".local", time.Minute)
					if err != nil {
						return err
					}
					n := inside.Add(1)
					for m := maxInside.Load(); n > m && !maxInside.CompareAndSwap(m, n); m = maxInside.Load() {
					}
					time.Sleep(2 * time.Millisecond)
					inside.Add(-1)
					return unlock()
				}()
				if unlockErr != nil {
					t.Error(unlockErr)
					return
				}
				if err := critical(ctx, st); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	for i, cmd := range children {
		if err := cmd.Wait(); err != nil {
			t.Errorf("child process %d: %v\n%s", i, err, outputs[i])
		}
	}
	if m := maxInside.Load(); m != 1 {
		t.Errorf("at most %d goroutines held the local lease at once; want 1", m)
	}
	want := 8*leaseRound + 2*2*leaseRound
	if got := string(readAll(t, st, "counter")); got != strconv.Itoa(want) {
		t.Errorf("counter = %s; want %d (an increment was lost to a concurrent holder)", got, want)
	}
}

// TestLockBlocksWhileLive: a live lease keeps others out until ctx ends.
func TestLockBlocksWhileLive(t *testing.T) {
	st, _ := openStore(t, "", nil)
	unlock, err := st.Lock(context.Background(), "k", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	if _, err := st.Lock(ctx, "k", time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock on a held key = %v; want context.DeadlineExceeded", err)
	}
	// Another key is independent.
	other, err := st.Lock(context.Background(), "k2", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := other(); err != nil {
		t.Fatal(err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	// Released: the next taker gets it at once.
	again, err := st.Lock(context.Background(), "k", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := again(); err != nil {
		t.Fatal(err)
	}
}

// TestLockExpiredTakeover: a holder that stops renewing (as a crashed
// process does) loses its lease after ttl; exactly one of several waiters
// takes it over, and the old holder's unlock reports ErrLeaseLost.
func TestLockExpiredTakeover(t *testing.T) {
	crashed, cfg := openStore(t, "", func(c *s3.Config) { c.DisableLeaseRenew = true })
	cfg.DisableLeaseRenew = false
	other, err := s3.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	staleUnlock, err := crashed.Lock(context.Background(), "job", 1500*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var holders atomic.Int32
	var tookOver atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 4 {
		wg.Go(func() {
			unlock, err := other.Lock(ctx, "job", time.Minute)
			if err != nil {
				errs <- err
				return
			}
			if n := holders.Add(1); n != 1 {
				errs <- fmt.Errorf("%d holders at once", n)
			}
			if !tookOver.Swap(true) {
				// The first taker took over the expired lease.
				if err := staleUnlock(); !errors.Is(err, s3.ErrLeaseLost) {
					errs <- fmt.Errorf("stale holder's unlock = %v; want ErrLeaseLost", err)
				}
			}
			time.Sleep(5 * time.Millisecond)
			holders.Add(-1)
			if err := unlock(); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestLockRenewKeepsLease: while held, a short lease is renewed, so a
// contender cannot take it even well past its ttl.
func TestLockRenewKeepsLease(t *testing.T) {
	st, _ := openStore(t, "", nil)
	unlock, err := st.Lock(context.Background(), "long", 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := st.Lock(ctx, "long", 2*time.Second); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("contender on a renewed lease = %v; want context.DeadlineExceeded", err)
	}
	if err := unlock(); err != nil {
		t.Fatalf("unlock after renewals: %v", err)
	}
}

func TestLockRejectsBadInput(t *testing.T) {
	st, _ := openStore(t, "", nil)
	if _, err := st.Lock(context.Background(), "../x", time.Minute); !errors.Is(err, storage.ErrInvalidKey) {
		t.Fatalf("Lock with a bad key = %v; want ErrInvalidKey", err)
	}
	if _, err := st.Lock(context.Background(), "x", 0); err == nil {
		t.Fatal("Lock with ttl 0 succeeded")
	}
}

// TestLockHolderSeesLiveAndExpiredLeases: LockHolder reports a live lease
// and its holder, without taking it; a lease its holder stopped renewing
// (a crashed process on another machine) stops being held once it expires;
// a released one is not held.
func TestLockHolderSeesLiveAndExpiredLeases(t *testing.T) {
	crashed, cfg := openStore(t, "", func(c *s3.Config) { c.DisableLeaseRenew = true })
	cfg.DisableLeaseRenew = false
	other, err := s3.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, held, err := other.LockHolder(ctx, ".runs/f/live"); err != nil || held {
		t.Fatalf("LockHolder before any lease = %v, %v; want not held", held, err)
	}
	unlock, err := crashed.Lock(ctx, ".runs/f/live", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	h, held, err := other.LockHolder(ctx, ".runs/f/live")
	if err != nil || !held || h.PID != os.Getpid() || h.Expires.IsZero() {
		t.Fatalf("LockHolder of a live lease = %+v, %v, %v; want held by pid %d until its expiry", h, held, err, os.Getpid())
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if _, held, err := other.LockHolder(ctx, ".runs/f/live"); err != nil || held {
		t.Fatalf("LockHolder after release = %v, %v; want not held", held, err)
	}

	// A lease left unrenewed runs out: looked at until it does.
	if _, err := crashed.Lock(ctx, ".runs/f/dead", time.Second); err != nil {
		t.Fatal(err)
	}
	wait, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		_, held, err := other.LockHolder(wait, ".runs/f/dead")
		if err != nil {
			t.Fatalf("LockHolder of an unrenewed lease: %v (it should expire after 1s)", err)
		}
		if !held {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
}
