package runtime_test

import (
	"context"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/runtime"
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
