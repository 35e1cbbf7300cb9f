// Package errunhashable has parameters the inputs policy cannot hash.
package errunhashable

import (
	"context"
	"net"
	"os"
	"sync"
	"unsafe"
)

type Hooks struct {
	Name  string
	After func()
}

// Unhashable hashes a func, a chan, an unsafe pointer and a struct with a func.
//
//result:task
func Unhashable(ctx context.Context, fn func() error, ch chan int, p unsafe.Pointer, h Hooks) error {
	return nil
}

// Dropped drops its func parameter: fine.
//
//result:task cache_policy=inputs-fn+task_source
func Dropped(fn func() error, n int) error { return nil }

// NoInputs does not hash inputs: fine.
//
//result:task cache_policy=task_source
func NoInputs(fn func() error) error { return nil }

// AFlow takes a func: flows do not hash for their own cache, fine.
//
//result:flow
func AFlow(ctx context.Context, fn func()) error { return nil }

// Counter guards its count with a mutex: not a value to hash.
type Counter struct {
	mu sync.Mutex
	N  int
}

// NotValues takes a lock, a struct holding one, a file and a connection:
// their hash would be their state (two unlocked mutexes one key, a locked
// one another), so the inputs policy refuses them.
//
//result:task cache_policy=inputs+task_source
func NotValues(mu *sync.Mutex, c *Counter, f *os.File, conn net.Conn, n int) (int, error) {
	return n, nil
}

// KeyedByFn keys itself with a cache_key_fn: its lock is fine.
//
//result:task cache_key_fn=keyOf
func KeyedByFn(mu *sync.Mutex, n int) (int, error) { return n, nil }

func keyOf(mu *sync.Mutex, n int) string { return "n" }
