package serializer_test

import (
	"bytes"
	"runtime"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/serializer/serializertest"
)

// sample is the conformance suite's nested struct value.
func sample() serializertest.Sample {
	vs := serializertest.General()
	return vs[len(vs)-1].(serializertest.Sample)
}

// BenchmarkZstdPool measures what pooling zstd encoders and decoders saves:
// it round-trips one small value b.N times through compressed/msgpack
// (pooled), then b.N times through a zstd encoder and decoder made for that value
// (unpooled, the baseline). It reports time and bytes allocated as
// unpooled/pooled ratios.
func BenchmarkZstdPool(b *testing.B) {
	c := serializer.NewCodec[serializertest.Sample](must(serializer.Compressed(serializer.Msgpack(), "zstd")))
	m := serializer.Msgpack()
	v := sample()

	pooled := func() {
		var buf bytes.Buffer
		if err := c.Encode(&buf, v); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Decode(&buf); err != nil {
			b.Fatal(err)
		}
	}
	unpooled := func() {
		var buf bytes.Buffer
		enc, err := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1))
		if err != nil {
			b.Fatal(err)
		}
		if err := m.Encode(enc, v); err != nil {
			b.Fatal(err)
		}
		if err := enc.Close(); err != nil {
			b.Fatal(err)
		}
		dec, err := zstd.NewReader(&buf, zstd.WithDecoderConcurrency(1))
		if err != nil {
			b.Fatal(err)
		}
		var got serializertest.Sample
		if err := m.Decode(dec, &got); err != nil {
			b.Fatal(err)
		}
		dec.Close()
	}
	// The two are timed in separate loops: interleaving them would let the
	// unpooled garbage trigger collections that empty the pool.
	measure := func(f func()) (time.Duration, uint64) {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		for range b.N {
			f()
		}
		d := time.Since(start)
		runtime.ReadMemStats(&after)
		return d, after.TotalAlloc - before.TotalAlloc
	}
	pooled() // warm the pool
	b.ResetTimer()
	pt, pa := measure(pooled)
	ut, ua := measure(unpooled)
	b.ReportMetric(float64(ut)/float64(pt), "unpooled/pooled-time")
	b.ReportMetric(float64(ua)/float64(pa), "unpooled/pooled-alloc")
	b.ReportMetric(float64(pa)/float64(b.N), "pooled-B/op")
	b.ReportMetric(float64(ua)/float64(b.N), "unpooled-B/op")
}

func must(s serializer.Serializer, err error) serializer.Serializer {
	if err != nil {
		panic(err)
	}
	return s
}
