// Package tasks holds the tasks and flows that benchtable's rows run, through
// the wrappers resultgen generates for them (result_gen.go), as a user's code
// calls them: XTask.Call and XTask.State, with the directives' settings and
// the inputs hashed into the cache key (no cache_key_fn).
//
// Regenerate result_gen.go after editing this file:
//
//	go run ./cmd/resultgen ./internal/benchtable/tasks
//
// Each function names the row it serves. The payloads are deterministic
// functions of their size (Payload), computed once per process, so that a
// row's timing holds the task's overhead and not the making of its value.
package tasks

import (
	"context"
	"strings"
	"sync"
	"time"
)

// Empty is P1's task of an empty body.
//
//result:task
func Empty() int { return 1 }

// Ten is P1's task of a 10 µs body.
//
//result:task
func Ten() int {
	Spin(10 * time.Microsecond)
	return 1
}

// Spin busy-waits for d (a body that takes d of CPU, as P1's baseline too).
func Spin(d time.Duration) {
	for t := time.Now(); time.Since(t) < d; {
	}
}

// Thousand is P1's flow: 1,000 calls of the task Empty.
//
//result:flow
func Thousand(ctx context.Context) (int, error) {
	n := 0
	for range 1000 {
		v, err := EmptyTask.Call(ctx)
		if err != nil {
			return 0, err
		}
		n += v
	}
	return n, nil
}

// Persist is P2's task: persisted on the local default storage, with the
// default cache policy (inputs+task_source+run_id: outside a flow every
// call is a new run); each call also passes a new i. It writes the record
// without a lookup: its key holds the new run's id.
//
//result:task persist=true
func Persist(i int) string {
	_ = i
	return OneKiB
}

// OneKiB is the 1 KiB value of P2 and P3.
var OneKiB = strings.Repeat("x", 1024)

// HitLocal is P3's local task: persisted on the local default storage and
// called again with the same name, a cache hit. Its cache key is its inputs
// and code version: the default policy's run_id part would make every call
// outside a flow a new key (the hit a user's re-run gets).
//
//result:task persist=true cache_policy=inputs+task_source
func HitLocal(name string) string {
	_ = name
	return OneKiB
}

// HitMemory is P3's memory task: persisted in the engine's memory storage,
// under the cache key of HitLocal.
//
//result:task storage=memory cache_policy=inputs+task_source
func HitMemory(name string) string {
	_ = name
	return OneKiB
}

// Big is P4's task: a []byte of size bytes (Payload) on the local default
// storage, under the cache key of HitLocal; seed only makes the key new, so
// a write finds no record first and a read with the same seed hits.
//
//result:task persist=true cache_policy=inputs+task_source
func Big(size, seed int) []byte {
	_ = seed
	return Payload(size)
}

// S3Put is P5's put: a []byte of size bytes on the storage block s3/bench
// (which benchtable registers), with the default cache policy: outside a
// flow every call is a new run, whose key no earlier run had, so it writes
// the record (a PUT) without looking the key up; each call also passes a
// new i.
//
//result:task storage=s3/bench
func S3Put(size, i int) []byte {
	_ = i
	return Payload(size)
}

// S3Hit is P5's hit: called again with the same size, a cache hit read
// from the storage block s3/bench, under the cache key of HitLocal.
//
//result:task storage=s3/bench cache_policy=inputs+task_source
func S3Hit(size int) []byte { return Payload(size) }

var payloads sync.Map // size -> func() []byte (sync.OnceValue)

// Payload is size bytes that do not compress to nothing (xorshift), the
// same for every call with that size, made once per process; callers must
// not change it.
func Payload(size int) []byte {
	f, _ := payloads.LoadOrStore(size, sync.OnceValue(func() []byte {
		b := make([]byte, size)
		x := uint64(0x9e3779b97f4a7c15)
		for i := 0; i < len(b); i += 8 {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			for k := 0; k < 8 && i+k < len(b); k++ {
				b[i+k] = byte(x >> (8 * k))
			}
		}
		return b
	}))
	return f.(func() []byte)()
}
