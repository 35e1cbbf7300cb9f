package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/resultgen/resultgen/internal/benchtable/tasks"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// counting is an http.RoundTripper that counts the requests it sends, by
// method.
type counting struct {
	next http.RoundTripper
	mu   sync.Mutex
	n    map[string]int
}

func (c *counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n[r.Method]++
	c.mu.Unlock()
	return c.next.RoundTrip(r)
}

// take returns the counts since the last take and resets them.
func (c *counting) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	c.n = map[string]int{}
	return n
}

func newCounting() *counting {
	return &counting{next: http.DefaultTransport.(*http.Transport).Clone(), n: map[string]int{}}
}

// perOp formats counts divided by ops, by method: "1 GET + 1 PUT".
func perOp(n map[string]int, ops int) string {
	var parts []string
	for _, m := range slices.Sorted(func(yield func(string) bool) {
		for k := range n {
			if !yield(k) {
				return
			}
		}
	}) {
		parts = append(parts, fmt.Sprintf("%.3g %s", float64(n[m])/float64(ops), m))
	}
	if parts == nil {
		return "0"
	}
	return strings.Join(parts, "+")
}

// s3Rows is P5: putting and hitting 1 KiB and 64 MiB results on S3 (the
// MinIO that scripts/with-minio.sh started) through the generated tasks of
// storage block s3/bench, against minio-go doing the same requests by hand;
// each side on a client of its own whose requests are counted by method.
func s3Rows(dir string) ([]row, []string) {
	endpoint := os.Getenv("RESULTGEN_TEST_S3_ENDPOINT")
	if endpoint == "" {
		return nil, []string{"P5: skipped, no MinIO (RESULTGEN_TEST_S3_ENDPOINT unset; `make bench` starts one with scripts/with-minio.sh)."}
	}
	creds := credentials.NewStaticV4(os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), "")
	baseRT, rgRT := newCounting(), newCounting()
	client, err := minio.New(endpoint, &minio.Options{Creds: creds, Region: "us-east-1", Transport: baseRT})
	if err != nil {
		panic(err)
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	bucket := "benchtable-" + hex.EncodeToString(rnd[:])
	bg := context.Background()
	if err := client.MakeBucket(bg, bucket, minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
		return nil, []string{fmt.Sprintf("P5: skipped, cannot make a bucket at %s: %v", endpoint, err)}
	}
	defer func() {
		for o := range client.ListObjects(bg, bucket, minio.ListObjectsOptions{Recursive: true}) {
			_ = client.RemoveObject(bg, bucket, o.Key, minio.RemoveObjectOptions{})
		}
		_ = client.RemoveBucket(bg, bucket)
	}()
	st, err := s3.Open(bg, s3.Config{Bucket: bucket, Prefix: "rg", Endpoint: endpoint, Region: "us-east-1",
		Insecure: true, Credentials: creds, Transport: rgRT})
	if err != nil {
		panic(err)
	}
	ctx, e := engine(dir)
	defer e.Close()
	e.RegisterStorage("s3/bench", st) // the block the tasks name: storage=s3/bench

	var rows []row
	// measure runs a paired measure, alternating which side goes first, and
	// counts each side's requests per op.
	measure := func(name, note string, n, reps int, base, rg func()) {
		base()
		rg()
		baseRT.take()
		rgRT.take()
		var bs, rs []float64
		for i := range reps {
			var b, r float64
			if i%2 == 0 {
				b, _ = timeit(n, base)
				r, _ = timeit(n, rg)
			} else {
				r, _ = timeit(n, rg)
				b, _ = timeit(n, base)
			}
			bs, rs = append(bs, b), append(rs, r)
		}
		ops := n * reps
		breq, rreq := baseRT.take(), rgRT.take()
		q := pairRatio(bs, rs)
		rows = append(rows, row{name: name, goal: "<=1.10x", base: cell(bs, dur), rg: cell(rs, dur), ratio: q,
			allocs: fmt.Sprintf("%.3g/%.3g req", float64(total(breq))/float64(ops), float64(total(rreq))/float64(ops)), pass: q <= 1.10,
			note: fmt.Sprintf("%s; requests per op (counted): baseline %s, resultgen %s", note, perOp(breq, ops), perOp(rreq, ops))})
	}
	for _, size := range []int{1 << 10, 64 << 20} {
		label, n, reps := "1 KiB", 20, *reps
		if size > 1<<10 {
			label, n, reps = "64 MiB", 1, max(*bigReps, 5)
		}
		payload := tasks.Payload(size)
		bi, ri := 0, 0
		putNote := "a first run (new input each op), default settings: the write alone (its key holds the new run's id: nothing to look up); baseline minio-go PutObject with the size known"
		if size > 1<<10 {
			putNote += "; resultgen's 3 more requests: its upload marker (a PUT before, a DELETE after: results prune -uploads finds a killed writer's parts through it after a MinIO restart) and a 5th part of the record's last ~1 KiB (the header pushes the payload past 4 parts of 16 MiB; the parts go from the value's own memory, so the trailer, written once they are stored, cannot join the 4th)"
		}
		measure("P5 S3 put "+label, putNote,
			n, reps, func() {
				bi++
				key := fmt.Sprintf("base/put-%d-%d", size, bi)
				if _, err := client.PutObject(bg, bucket, key, bytes.NewReader(payload), int64(len(payload)), minio.PutObjectOptions{}); err != nil {
					panic(err)
				}
			}, func() {
				ri++
				if st := tasks.S3PutTask.State(ctx, size, ri); st.Err() != nil || st.IsCached() {
					panic(fmt.Sprint("P5: not a first run: ", st.CacheReason(), st.Err()))
				}
			})
		if _, err := tasks.S3HitTask.Call(ctx, size); err != nil {
			panic(err)
		}
		hitKey := fmt.Sprintf("base/put-%d-1", size)
		measure("P5 S3 hit "+label, "a cache hit, cache_policy=inputs+task_source; baseline minio-go GetObject + io.ReadAll", n, reps, func() {
			o, err := client.GetObject(bg, bucket, hitKey, minio.GetObjectOptions{})
			if err != nil {
				panic(err)
			}
			b, err := io.ReadAll(o)
			if err != nil || len(b) != size {
				panic(fmt.Sprint("get: ", len(b), err))
			}
			_ = o.Close()
		}, func() {
			st := tasks.S3HitTask.State(ctx, size)
			b, err := st.Result()
			if err != nil || len(b) != size || !st.IsCached() {
				panic(fmt.Sprint("not a hit: ", st.CacheReason(), len(b), err))
			}
		})
		// Each size's objects go: the next size starts from an empty bucket.
		for o := range client.ListObjects(bg, bucket, minio.ListObjectsOptions{Recursive: true}) {
			_ = client.RemoveObject(bg, bucket, o.Key, minio.RemoveObjectOptions{})
		}
	}
	return rows, []string{"P5: against the local MinIO of scripts/with-minio.sh, through the storage block s3/bench (registered on the engine); the requests column is HTTP requests per op, baseline/resultgen, counted by a wrapping http.RoundTripper on each side's client. Both clients are minio-go alike: plain HTTP with streaming-signed payloads, no trailing checksums, each on a clone of http.DefaultTransport (the same keep-alive); resultgen's writes also carry If-None-Match: * (no overwrite) and the record's metadata in one x-amz-meta header."}
}

func total(n map[string]int) int {
	t := 0
	for _, v := range n {
		t += v
	}
	return t
}
