package record_test

import (
	"context"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

// peakHeap runs f while sampling the heap every 200µs (runtime/metrics, no
// stop-the-world) and returns the highest heap seen above the heap before f,
// after a collection. The GC target is set to 10% for the run, so garbage
// inflates the figure by at most about a tenth.
func peakHeap(f func()) uint64 {
	old := debug.SetGCPercent(10)
	defer debug.SetGCPercent(old)
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	base := read()
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			if v := read(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	f()
	if v := read(); v > peak.Load() {
		peak.Store(v)
	}
	close(stop)
	<-done
	if peak.Load() < base {
		return 0
	}
	return peak.Load() - base
}

// BenchmarkLarge writes and reads a 256 MiB result ([]byte) on local
// storage and reports the peak heap of each as a ratio to the payload size.
// The write's figure includes the value being written (it is made inside
// the measurement), the read's the decoded value. The budget is 1.1 for
// msgpack (a []byte is decoded in place, the payload read once). json (a JSON-framed record; the value is base64 in it) shows
// encoding/json's own buffers on top: the framing adds none
// (TestJSONWriteStreams).
func BenchmarkLarge(b *testing.B) {
	const size = 256 << 20
	for _, name := range []string{"msgpack", "compressed/msgpack", "json"} {
		b.Run(name, func(b *testing.B) {
			spec, err := serializer.Parse(name, "")
			if err != nil {
				b.Fatal(err)
			}
			ser, err := serializer.New(spec)
			if err != nil {
				b.Fatal(err)
			}
			st, err := storage.NewLocal(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			var writePeak, readPeak uint64
			for b.Loop() {
				writePeak = max(writePeak, peakHeap(func() {
					v := make([]byte, size)
					for i := 0; i < size; i += 4096 {
						v[i] = byte(i >> 12)
					}
					if _, err := record.Write(ctx, st, "large", record.Meta{}, ser, v, storage.PutOptions{}); err != nil {
						b.Fatal(err)
					}
					runtime.KeepAlive(v)
				}))
				readPeak = max(readPeak, peakHeap(func() {
					var got []byte
					if _, err := record.Read(ctx, st, "large", nil, &got); err != nil {
						b.Fatal(err)
					}
					if len(got) != size {
						b.Fatalf("read %d bytes", len(got))
					}
				}))
			}
			b.SetBytes(2 * size)
			b.ReportMetric(float64(writePeak)/size, "write-peak/payload")
			b.ReportMetric(float64(readPeak)/size, "read-peak/payload")
		})
	}
}
