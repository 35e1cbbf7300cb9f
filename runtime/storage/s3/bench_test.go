package s3_test

import (
	"context"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// BenchmarkPutStream measures Put of a 32 MiB body of unknown size (the
// multipart path with one part buffer) against a baseline measured in the
// same run: minio-go's PutObject of the same body with its size known. It
// reports put/baseline, the time ratio (1.0: no overhead).
func BenchmarkPutStream(b *testing.B) {
	st, cfg := openStore(b, "", func(c *s3.Config) { c.PartSize = s3.MinPartSize })
	client := s3test.Shared(b).Client(b)
	ctx := context.Background()
	const size = 32 << 20
	b.SetBytes(size)
	var base, put time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := client.PutObject(ctx, cfg.Bucket, "baseline.bin", &pattern{n: size}, size,
			minio.PutObjectOptions{PartSize: uint64(s3.MinPartSize)}); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := st.Put(ctx, "put.bin", onlyReader{&pattern{n: size}}, storage.PutOptions{Size: -1}); err != nil {
			b.Fatal(err)
		}
		base += t1.Sub(t0)
		put += time.Since(t1)
	}
	if base > 0 {
		b.ReportMetric(float64(put)/float64(base), "put/baseline")
	}
}
