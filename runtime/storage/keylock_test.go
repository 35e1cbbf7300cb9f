package storage_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/resultgen/resultgen/runtime/storage"
)

func TestKeyMutex(t *testing.T) {
	var km storage.KeyMutex
	ctx := context.Background()

	// Holders of one key never overlap; other keys are independent.
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		inside  int
		overlap bool
	)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, err := km.Lock(ctx, "k")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			inside++
			overlap = overlap || inside > 1
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			inside--
			mu.Unlock()
			unlock()
		}()
	}
	other, err := km.Lock(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	other()
	wg.Wait()
	if overlap {
		t.Error("two holders of one key at once")
	}

	// A waiter gives up with its context, and the key stays usable.
	unlock, _ := km.Lock(ctx, "k")
	cctx, cancel := context.WithCancelCause(ctx)
	stop := errors.New("gave up")
	cancel(stop)
	if _, err := km.Lock(cctx, "k"); !errors.Is(err, stop) {
		t.Errorf("cancelled waiter: %v, want the context's cause", err)
	}
	unlock()
	again, err := km.Lock(ctx, "k")
	if err != nil {
		t.Fatalf("lock after a cancelled waiter: %v", err)
	}
	again()
}
