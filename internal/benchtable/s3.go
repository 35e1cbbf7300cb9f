package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// counting is an http.RoundTripper that counts the requests it sends.
type counting struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (c *counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func newCounting() *counting {
	return &counting{next: http.DefaultTransport.(*http.Transport).Clone()}
}

// s3Rows is P5: putting and hitting 1 KiB and 64 MiB results on S3 (the
// MinIO that scripts/with-minio.sh started) against minio-go's PutObject and
// GetObject with the size known, each side on a client of its own whose
// requests are counted.
func s3Rows(dir string) ([]row, []string) {
	endpoint := os.Getenv("RESULTGEN_TEST_S3_ENDPOINT")
	if endpoint == "" {
		return nil, []string{"P5: skipped, no MinIO (RESULTGEN_TEST_S3_ENDPOINT unset; `make bench` starts one with scripts/with-minio.sh)."}
	}
	ctx := context.Background()
	creds := credentials.NewStaticV4(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), "")
	baseRT, rgRT := newCounting(), newCounting()
	client, err := minio.New(endpoint, &minio.Options{Creds: creds, Region: "us-east-1", Transport: baseRT})
	if err != nil {
		panic(err)
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	bucket := "benchtable-" + hex.EncodeToString(rnd[:])
	if err := client.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
		return nil, []string{fmt.Sprintf("P5: skipped, cannot make a bucket at %s: %v", endpoint, err)}
	}
	defer func() {
		for o := range client.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
			_ = client.RemoveObject(ctx, bucket, o.Key, minio.RemoveObjectOptions{})
		}
		_ = client.RemoveBucket(ctx, bucket)
	}()
	st, err := s3.Open(ctx, s3.Config{Bucket: bucket, Prefix: "rg", Endpoint: endpoint, Region: "us-east-1",
		Insecure: true, Credentials: creds, Transport: rgRT})
	if err != nil {
		panic(err)
	}
	env := map[string]string{settings.Home: filepath.Join(dir, "s3home"), settings.LocalStoragePath: filepath.Join(dir, "s3local")}
	s, err := settings.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		panic(err)
	}
	e := runtime.NewEngine(s, runtime.WithLogger(slog.New(slog.DiscardHandler)))
	defer e.Close()
	ctx = runtime.WithEngine(ctx, e)

	var rows []row
	// measure runs a paired measure and counts each side's requests per op.
	measure := func(name string, n, reps int, base, rg func()) {
		base()
		rg()
		b0, r0 := baseRT.n.Load(), rgRT.n.Load()
		var bs, rs []float64
		for range reps {
			b, _ := timeit(n, base)
			r, _ := timeit(n, rg)
			bs, rs = append(bs, b), append(rs, r)
		}
		ops := float64(n * reps)
		breq, rreq := float64(baseRT.n.Load()-b0)/ops, float64(rgRT.n.Load()-r0)/ops
		b, r := median(bs), median(rs)
		rows = append(rows, row{name: name, goal: "<=1.10x", base: dur(b), rg: dur(r), ratio: r / b,
			allocs: fmt.Sprintf("%.3g/%.3g req", breq, rreq), pass: r/b <= 1.10})
	}
	big := bigPayload()
	for _, size := range []int{1 << 10, 64 << 20} {
		label, n, reps := "1 KiB", 20, *reps
		if size > 1<<10 {
			label, n, reps = "64 MiB", 1, max(*bigReps, 5)
		}
		payload := big[:size]
		i := 0
		put := runtime.Invocation[[]byte]{Def: def("s3put"+label, "[]byte", runtime.Config{StorageBackend: st, CachePolicy: "none"}, runtime.KindTask),
			Body: func(context.Context) ([]byte, error) { return payload, nil }}
		measure("P5 S3 put "+label, n, reps, func() {
			i++
			if _, err := client.PutObject(ctx, bucket, fmt.Sprintf("base/put-%d", i), bytes.NewReader(payload), int64(len(payload)), minio.PutObjectOptions{}); err != nil {
				panic(err)
			}
		}, func() {
			if _, err := runtime.Run(ctx, put).Result(); err != nil {
				panic(err)
			}
		})
		hit := runtime.Invocation[[]byte]{Def: def("s3hit"+label, "[]byte", runtime.Config{StorageBackend: st, CacheKeyFn: true}, runtime.KindTask),
			Body:     func(context.Context) ([]byte, error) { return payload, nil },
			CacheKey: func(context.Context) (string, error) { return fmt.Sprintf("hit-%d", size), nil }}
		if _, err := runtime.Run(ctx, hit).Result(); err != nil {
			panic(err)
		}
		measure("P5 S3 hit "+label, n, reps, func() {
			o, err := client.GetObject(ctx, bucket, "base/put-1", minio.GetObjectOptions{})
			if err != nil {
				panic(err)
			}
			b, err := io.ReadAll(o)
			if err != nil || len(b) != size {
				panic(fmt.Sprint("get: ", len(b), err))
			}
			_ = o.Close()
		}, func() {
			st := runtime.Run(ctx, hit)
			b, err := st.Result()
			if err != nil || len(b) != size || !st.IsCached() {
				panic(fmt.Sprint("not a hit: ", st.CacheReason(), len(b), err))
			}
		})
		// Each size's puts go under a fresh name range.
		for o := range client.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true, Prefix: "base/"}) {
			if o.Key != "base/put-1" {
				_ = client.RemoveObject(ctx, bucket, o.Key, minio.RemoveObjectOptions{})
			}
		}
	}
	return rows, []string{"P5: against the local MinIO of scripts/with-minio.sh; the allocs column holds HTTP requests per op, baseline/resultgen."}
}
