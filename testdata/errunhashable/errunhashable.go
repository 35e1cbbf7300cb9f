// Package errunhashable has parameters the inputs policy cannot hash.
package errunhashable

import (
	"context"
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
