// Command bigdata returns a large result from a task with
// cache_in_memory=false: the value is persisted, dropped from memory once
// committed, and read back from storage each time it is asked for. A second
// task turns in-memory caching off without persistence: its value cannot be
// read at all, so resultgen generates no Call for it and its State says why.
package main

//go:generate go tool resultgen

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/resultgen/resultgen/runtime"
)

// Samples returns n pseudo-random samples (about 8*n bytes).
//
//result:task cache_in_memory=false cache_policy=inputs serializer=compressed/msgpack
func Samples(n int) []float64 {
	out := make([]float64, n)
	x := uint64(88172645463325252)
	for i := range out {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		out[i] = float64(x%1_000_000) / 1_000_000
	}
	return out
}

// Scratch computes something nobody can read back.
//
//result:task persist=false cache_in_memory=false
func Scratch() []byte { return make([]byte, 1<<20) }

// Analyze computes the mean of a large sample.
//
//result:flow
func Analyze(ctx context.Context) (float64, error) {
	st := SamplesTask.State(ctx, 2_000_000)
	fmt.Printf("Samples: %s, kept only in storage: %s\n", st.Name(), st.Location())
	xs, err := st.Result() // read back from storage here
	if err != nil {
		return 0, err
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	_, err = ScratchTask.State(ctx).Result()
	fmt.Printf("Scratch: unavailable=%t (%v)\n", errors.Is(err, runtime.ErrResultUnavailable), err)
	return sum / float64(len(xs)), nil
}

func main() {
	mean, err := AnalyzeFlow.Call(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "bigdata:", err)
		os.Exit(1)
	}
	fmt.Printf("mean of 2000000 samples: %.3f\n", mean)
}
