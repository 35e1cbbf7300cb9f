package runtime_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/testdata/hits"
)

// BenchmarkHit1KiB measures a cache hit of a 1 KiB string, as benchtable's
// P3 rows do, on memory and local storage.
func BenchmarkHit1KiB(b *testing.B) {
	payload := strings.Repeat("x", 1024)
	for _, store := range []string{"memory", "local"} {
		b.Run(store, func(b *testing.B) {
			ctx, _, _ := newEngine(b, nil)
			def := taskDef("hit", true, runtime.Config{Storage: store, CacheKeyFn: true})
			def.GoType = "string"
			inv := runtime.Invocation[string]{Def: def,
				Body:     func(context.Context) (string, error) { return payload, nil },
				CacheKey: func(context.Context) (string, error) { return "hit-" + store, nil }}
			if _, err := runtime.Call(ctx, inv); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if st := runtime.Run(ctx, inv); !st.IsCached() {
					b.Fatal("not a hit: " + st.CacheReason())
				}
			}
		})
	}
}

// A cache hit on memory storage reads the store's bytes in place and
// builds no key manifest: a handful of allocations.
func TestMemoryHitAllocations(t *testing.T) {
	payload := strings.Repeat("x", 1024)
	ctx, _, _ := newEngine(t, nil)
	def := taskDef("hit", true, runtime.Config{Storage: "memory", CacheKeyFn: true})
	def.GoType = "string"
	key := "hit-memory"
	inv := runtime.Invocation[string]{Def: def,
		Body:     func(context.Context) (string, error) { return payload, nil },
		CacheKey: func(context.Context) (string, error) { return key, nil }}
	if _, err := runtime.Call(ctx, inv); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(50, func() {
		st := runtime.Run(ctx, inv)
		if !st.IsCached() {
			t.Fatal("not a hit: " + st.CacheReason())
		}
		if v, err := st.Result(); err != nil || v != payload {
			t.Fatalf("hit returned %d bytes, %v", len(v), err)
		}
	})
	// the frame, the value, its decoding, the header's fields, the checksum
	if allocs > 12 {
		t.Errorf("a 1 KiB hit on memory storage makes %v allocations, want at most 12", allocs)
	}
}

// A hit on memory storage through the generated wrapper, as P3's row
// makes it, allocates the run's frame (its State) and the call's
// arguments (runtime.Args), and nothing else: the key from the key memo,
// the record judged once per plan and its value kept (record.Kept).
func TestWrapperMemoryHitAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	ctx, _, _ := newEngine(t, nil)
	for range 3 { // a miss, then hits that check the record whole and keep its value and verdict
		if st := hits.PayloadTask.State(ctx, 1024); st.Err() != nil {
			t.Fatal(st.Err())
		}
	}
	allocs := testing.AllocsPerRun(100, func() {
		st := hits.PayloadTask.State(ctx, 1024)
		if v, err := st.Result(); err != nil || !st.IsCached() || len(v) != 1024 {
			t.Fatalf("not a hit: %s, %d bytes, %v", st.CacheReason(), len(v), err)
		}
	})
	if allocs > 2 {
		t.Errorf("a memory hit through the wrapper makes %v allocations, want at most 2 (the frame, the arguments)", allocs)
	}
}

// BenchmarkVerifiedHit1KiB is BenchmarkHit1KiB with every hit verified
// (runtime.VerifyHits(1)): the body runs too, and both values are encoded
// and compared.
func BenchmarkVerifiedHit1KiB(b *testing.B) {
	payload := strings.Repeat("x", 1024)
	for _, store := range []string{"memory", "local"} {
		b.Run(store, func(b *testing.B) {
			ctx, _, _ := newEngine(b, nil)
			def := taskDef("hit", true, runtime.Config{Storage: store, CacheKeyFn: true})
			def.GoType = "string"
			inv := runtime.Invocation[string]{Def: def,
				Options:  []runtime.Option{runtime.VerifyHits(1)},
				Body:     func(context.Context) (string, error) { return payload, nil },
				CacheKey: func(context.Context) (string, error) { return "hit-" + store, nil }}
			if _, err := runtime.Call(ctx, inv); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if st := runtime.Run(ctx, inv); !st.IsCached() {
					b.Fatal("not a hit: " + st.CacheReason())
				}
			}
		})
	}
}

// BenchmarkWrapperHit1KiB is P3 as a user's code makes it: a cache hit of a
// 1 KiB string through the generated wrapper (runtime/testdata/hits), under
// the default cache policy (its input hashed into the key), next to P3's
// baselines: a map lookup and msgpack.Unmarshal (memory), os.ReadFile and
// msgpack.Unmarshal (local). Compare each hit with its baseline's line.
func BenchmarkWrapperHit1KiB(b *testing.B) {
	ctx, _, _ := newEngine(b, nil)
	data, _ := msgpack.Marshal(strings.Repeat("x", 1024))
	for _, store := range []string{"memory", "local"} {
		call := hits.PayloadTask.State
		if store == "local" {
			call = hits.LocalPayloadTask.State
		}
		if st := call(ctx, 1024); st.Err() != nil {
			b.Fatal(st.Err())
		}
		b.Run(store, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				st := call(ctx, 1024)
				if !st.IsCached() {
					b.Fatal("not a hit: " + st.CacheReason())
				}
				if v, err := st.Result(); err != nil || len(v) != 1024 {
					b.Fatal(len(v), err)
				}
			}
		})
		b.Run(store+"-baseline", func(b *testing.B) {
			m := map[string][]byte{"k": data}
			file := filepath.Join(b.TempDir(), "hit")
			if err := os.WriteFile(file, data, 0o644); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				raw := m["k"]
				if store == "local" {
					var err error
					if raw, err = os.ReadFile(file); err != nil {
						b.Fatal(err)
					}
				}
				var v string
				if err := msgpack.Unmarshal(raw, &v); err != nil || len(v) != 1024 {
					b.Fatal(len(v), err)
				}
			}
		})
	}
}

// A cache hit of 1 KiB through the generated wrapper (P3 as a user's code
// makes it) allocates what issue 21's floor work left: on memory the
// wrapper's two closures, the run's frame, the key, the decoded value and
// its decoding (7); on local storage also the file's bytes and the name
// handed to openat2, less the shared header's Meta (9).
func TestWrapperHitAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	ctx, _, _ := newEngine(t, nil)
	for _, c := range []struct {
		store string
		call  func(context.Context, int) *runtime.State[string]
		max   float64
	}{{"memory", hits.PayloadTask.State, 7}, {"local", hits.LocalPayloadTask.State, 9}} {
		if st := c.call(ctx, 1024); st.Err() != nil {
			t.Fatal(st.Err())
		}
		allocs := testing.AllocsPerRun(50, func() {
			st := c.call(ctx, 1024)
			if v, err := st.Result(); err != nil || !st.IsCached() || len(v) != 1024 {
				t.Fatalf("%s: not a hit of 1 KiB: %s, %d bytes, %v", c.store, st.CacheReason(), len(v), err)
			}
		})
		if allocs > c.max {
			t.Errorf("a 1 KiB hit on %s storage through the wrapper makes %v allocations, want at most %v", c.store, allocs, c.max)
		}
	}
}
