// Package hits holds the tasks of the runtime's cache-hit benchmarks
// (runtime/hit_bench_test.go), so that they measure a hit as a user's code
// makes one: through the generated wrapper, the key a hash of the inputs
// and the code version (the default policy without run_id, which outside a
// flow makes every run's key new). result_gen.go is generated from it:
//
//	go run ./cmd/resultgen ./runtime/testdata/hits
package hits

//go:generate go tool resultgen

import (
	"bytes"
	"strings"
)

// Payload returns n bytes of text: benchtable's P3 value at n = 1024. Its
// result is persisted on memory storage.
//
//result:task persist=true storage=memory cache_policy=inputs+task_source
func Payload(n int) string { return strings.Repeat("x", n) }

// LocalPayload is Payload persisted on local storage.
//
//result:task persist=true storage=local cache_policy=inputs+task_source
func LocalPayload(n int) string { return strings.Repeat("x", n) }

// Blob returns n bytes of Refill, for hits whose caller may change the
// value: each hit must hand out a slice of its own.
//
//result:task persist=true storage=memory cache_policy=inputs+task_source
func Blob(n int) []byte { return bytes.Repeat([]byte{Refill}, n) }

// Refill is the byte Blob repeats (a test changes it to tell a new record
// from the old one).
var Refill byte = 'b'
