package s3_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// openBehind opens a Storage on a fresh bucket of the test MinIO, reached
// through a proxy that mishandles conditional writes as c says.
func openBehind(t *testing.T, c s3test.Conditions) (*s3.Storage, *s3test.Proxy, string) {
	t.Helper()
	srv := s3test.Shared(t)
	bucket := srv.NewBucket(t, s3test.BucketOptions{})
	p := s3test.NewProxy(t, srv, c)
	st, err := s3.Open(context.Background(), s3.Config{
		Bucket: bucket, Prefix: "p", Endpoint: p.Endpoint, Region: s3test.Region, Insecure: true,
		Credentials: p.Creds(), PartSize: s3.MinPartSize,
	})
	if err != nil {
		t.Fatalf("open through the proxy: %v", err)
	}
	return st, p, bucket
}

// noProbeLeftovers fails the test when the probe left an object or an
// incomplete upload in bucket.
func noProbeLeftovers(t *testing.T, bucket string) {
	t.Helper()
	ctx := context.Background()
	c := s3test.Shared(t).Client(t)
	for oi := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
		if oi.Err != nil {
			t.Fatalf("list: %v", oi.Err)
		}
		if strings.Contains(oi.Key, "probe") {
			t.Errorf("the probe left object %q", oi.Key)
		}
	}
	for u := range c.ListIncompleteUploads(ctx, bucket, "", true) {
		if u.Err != nil {
			t.Fatalf("list uploads: %v", u.Err)
		}
		t.Errorf("the probe left an incomplete upload of %q", u.Key)
	}
}

// wantRefused checks err is the refusal a user sees: it matches
// ErrNoConditionalWrites, names the server (never its credentials) and
// the missing feature, and says what to do.
func wantRefused(t *testing.T, err error, p *s3test.Proxy, f s3.Feature, found string) {
	t.Helper()
	if !errors.Is(err, s3.ErrNoConditionalWrites) {
		t.Fatalf("err = %v, want one matching s3.ErrNoConditionalWrites", err)
	}
	var ce *s3.ConditionalWriteError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a *s3.ConditionalWriteError", err)
	}
	if ce.Endpoint != p.Endpoint || ce.Feature != f {
		t.Errorf("endpoint %q feature %v, want %q %v", ce.Endpoint, ce.Feature, p.Endpoint, f)
	}
	msg := err.Error()
	for _, want := range []string{"the server at " + p.Endpoint, "does not honour " + f.String(), found, "use a server that honours conditional writes"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, p.Password) || strings.Contains(msg, p.User) {
		t.Errorf("error %q shows the credentials", msg)
	}
}

// plainUseWorks checks that what needs no condition still works: a plain
// Put, a Get and a Stat.
func plainUseWorks(t *testing.T, st *s3.Storage) {
	t.Helper()
	ctx := context.Background()
	if err := st.Put(ctx, "plain", strings.NewReader("v"), storage.PutOptions{Size: 1}); err != nil {
		t.Fatalf("plain put: %v", err)
	}
	rc, err := st.Get(ctx, "plain")
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "v" {
		t.Errorf("get = %q, want v", b)
	}
}

func TestConditionalWritesIgnored(t *testing.T) {
	st, p, bucket := openBehind(t, s3test.IgnoreConditions)
	ctx := context.Background()
	ignored := "the condition was ignored"

	err := st.Put(ctx, "small", strings.NewReader("x"), storage.PutOptions{IfAbsent: true, Size: 1})
	wantRefused(t, err, p, s3.PutIfNoneMatch, ignored)
	if _, err := st.Stat(ctx, "small"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a refused put wrote its key: stat = %v", err)
	}
	big := bytes.Repeat([]byte("b"), int(s3.MinPartSize)+64<<10) // past a part and the 64 KiB the last part may add: multipart
	err = st.Put(ctx, "big", bytes.NewReader(big), storage.PutOptions{IfAbsent: true, Size: -1})
	wantRefused(t, err, p, s3.CompleteIfNoneMatch, ignored)
	_, err = st.Lock(ctx, "k", time.Minute)
	wantRefused(t, err, p, s3.PutIfNoneMatch, ignored)
	plainUseWorks(t, st)
	if ps := st.ProbeStats(); ps.Probes != 1 {
		t.Errorf("probes = %d, want 1 per store", ps.Probes)
	}
	if p.Conditional.Load() == 0 {
		t.Error("the proxy saw no conditional request: nothing was probed")
	}
	noProbeLeftovers(t, bucket)
}

func TestConditionalWritesRejected(t *testing.T) {
	st, p, bucket := openBehind(t, s3test.RejectConditions)
	ctx := context.Background()
	rejected := "rejected: 501 NotImplemented"

	err := st.Put(ctx, "small", strings.NewReader("x"), storage.PutOptions{IfAbsent: true, Size: 1})
	wantRefused(t, err, p, s3.PutIfNoneMatch, rejected)
	big := bytes.Repeat([]byte("b"), int(s3.MinPartSize)+64<<10) // past a part and the 64 KiB the last part may add: multipart
	err = st.Put(ctx, "big", bytes.NewReader(big), storage.PutOptions{IfAbsent: true, Size: -1})
	wantRefused(t, err, p, s3.CompleteIfNoneMatch, rejected)
	_, err = st.Lock(ctx, "k", time.Minute)
	wantRefused(t, err, p, s3.PutIfNoneMatch, rejected)
	plainUseWorks(t, st)
	noProbeLeftovers(t, bucket)
}

// TestConditionalCompleteIgnored: a server that honours conditional PUTs
// but ignores the condition on CompleteMultipartUpload (gofakes3 v1.2.0)
// keeps small write-if-absent commits and leases, and refuses large ones.
func TestConditionalCompleteIgnored(t *testing.T) {
	st, p, bucket := openBehind(t, s3test.IgnoreCompleteConditions)
	ctx := context.Background()
	if err := st.Put(ctx, "small", strings.NewReader("x"), storage.PutOptions{IfAbsent: true, Size: 1}); err != nil {
		t.Fatalf("small if-absent put: %v", err)
	}
	if err := st.Put(ctx, "small", strings.NewReader("y"), storage.PutOptions{IfAbsent: true, Size: 1}); !errors.Is(err, storage.ErrExists) {
		t.Fatalf("second small if-absent put = %v, want ErrExists", err)
	}
	unlock, err := st.Lock(ctx, "k", time.Minute)
	if err != nil {
		t.Fatalf("lock: %v", err)
	}
	if err := unlock(); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	big := bytes.Repeat([]byte("b"), int(s3.MinPartSize)+64<<10) // past a part and the 64 KiB the last part may add: multipart
	err = st.Put(ctx, "big", bytes.NewReader(big), storage.PutOptions{IfAbsent: true, Size: -1})
	wantRefused(t, err, p, s3.CompleteIfNoneMatch, "the condition was ignored")
	// without the condition a large put works
	if err := st.Put(ctx, "big", bytes.NewReader(big), storage.PutOptions{Size: -1}); err != nil {
		t.Fatalf("large plain put: %v", err)
	}
	noProbeLeftovers(t, bucket)
}

// TestConditionalProbeOnce: MinIO passes the probe, which a store makes
// once, on its first conditional write, whatever follows.
func TestConditionalProbeOnce(t *testing.T) {
	st, cfg := openStore(t, "p", nil)
	ctx := context.Background()
	if ps := st.ProbeStats(); ps.Probes != 0 || ps.Requests != 0 {
		t.Fatalf("opening probed: %+v", ps)
	}
	if err := st.Put(ctx, "a", strings.NewReader("x"), storage.PutOptions{IfAbsent: true, Size: 1}); err != nil {
		t.Fatalf("if-absent put on MinIO: %v", err)
	}
	first := st.ProbeStats()
	if first.Probes != 1 {
		t.Fatalf("probes after the first conditional write = %d, want 1", first.Probes)
	}
	t.Logf("probe of %s: %d requests, %v", cfg.Endpoint, first.Requests, first.Took)
	big := bytes.Repeat([]byte("b"), int(s3.DefaultPartSize)+1)
	if err := st.Put(ctx, "big", bytes.NewReader(big), storage.PutOptions{IfAbsent: true, Size: -1}); err != nil {
		t.Fatalf("large if-absent put on MinIO: %v", err)
	}
	for range 3 {
		unlock, err := st.Lock(ctx, "k", time.Minute)
		if err != nil {
			t.Fatalf("lock on MinIO: %v", err)
		}
		if err := unlock(); err != nil {
			t.Fatalf("unlock: %v", err)
		}
	}
	if err := st.Put(ctx, "a", strings.NewReader("y"), storage.PutOptions{IfAbsent: true, Size: 1}); !errors.Is(err, storage.ErrExists) {
		t.Fatalf("second if-absent put = %v, want ErrExists", err)
	}
	if got := st.ProbeStats(); got != first {
		t.Errorf("probe stats changed after later conditional writes: %+v, then %+v", first, got)
	}
	noProbeLeftovers(t, cfg.Bucket)
}
