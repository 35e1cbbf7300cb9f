package main

//go:generate go tool resultgen

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"
	"sync/atomic"
)

// bodies counts step bodies that actually ran, in either system, so a
// re-run that recomputed anything is caught instead of timed.
var bodies atomic.Int64

// Payload is the output of step i: size bytes of printable ASCII that start
// with the step number, so every step's output differs.
func Payload(i, size int) string {
	b := make([]byte, size)
	head := strconv.Itoa(i) + ":"
	n := copy(b, head)
	for j := n; j < size; j++ {
		b[j] = 'a' + byte((i+j)%26)
	}
	return string(b)
}

// Step is one step of the workload: it returns its 1 KiB output.
// cache_policy leaves out the flow run id (the default policy has it), so
// the same flow run again finds every output in storage: the resultgen
// side of "re-run" and of "finished run by id".
//
//result:task cache_policy=inputs+task_source
func Step(i, size int) string {
	bodies.Add(1)
	return Payload(i, size)
}

// Chain runs n steps one after the other and returns a digest of their
// outputs, so both systems are checked to have returned the same values.
//
//result:flow
func Chain(ctx context.Context, n, size int) (string, error) {
	d := newDigest()
	for i := range n {
		v, err := StepTask.Call(ctx, i, size)
		if err != nil {
			return "", err
		}
		d.add(v)
	}
	return d.String(), nil
}

// digest summarizes a run's outputs: their count, total size and FNV-1a.
type digest struct {
	n, bytes int
	h        uint64
}

func newDigest() *digest { return &digest{h: fnv.New64a().Sum64()} }

func (d *digest) add(v string) {
	h := fnv.New64a()
	var b [8]byte
	for k := range b {
		b[k] = byte(d.h >> (8 * k))
	}
	h.Write(b[:])
	h.Write([]byte(v))
	d.h = h.Sum64()
	d.n++
	d.bytes += len(v)
}

func (d *digest) String() string {
	return fmt.Sprintf("%d outputs, %d bytes, fnv %016x", d.n, d.bytes, d.h)
}
