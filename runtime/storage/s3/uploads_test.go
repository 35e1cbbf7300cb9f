package s3_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// startUpload starts a multipart upload of object with one part of body and
// leaves it incomplete, as a writer killed mid-upload does.
func startUpload(t *testing.T, bucket, object, body string) string {
	t.Helper()
	core := minio.Core{Client: s3test.Shared(t).Client(t)}
	ctx := context.Background()
	id, err := core.NewMultipartUpload(ctx, bucket, object, minio.PutObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := core.PutObjectPart(ctx, bucket, object, id, 1, strings.NewReader(body), int64(len(body)), minio.PutObjectPartOptions{}); err != nil {
		t.Fatal(err)
	}
	return id
}

func uploads(t *testing.T, st *s3.Storage, prefix string) []storage.Upload {
	t.Helper()
	var out []storage.Upload
	for u, err := range st.Uploads(context.Background(), prefix) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, u)
	}
	return out
}

// TestUploadsListAndAbort: the incomplete uploads under the store's prefix
// are listed with key, id, start time and size; others are not; an abort
// drops one.
func TestUploadsListAndAbort(t *testing.T) {
	st, cfg := openStore(t, "team", nil)
	before := time.Now().Add(-time.Minute)
	id := startUpload(t, cfg.Bucket, "team/big/one.bin", "hello")
	startUpload(t, cfg.Bucket, "other/two.bin", "elsewhere")
	startUpload(t, cfg.Bucket, "team/small.bin", "x")

	got := uploads(t, st, "")
	if len(got) != 2 || got[0].Key != "big/one.bin" || got[1].Key != "small.bin" {
		t.Fatalf("Uploads = %+v; want big/one.bin and small.bin", got)
	}
	u := got[0]
	if u.ID != id || u.Size != 5 || u.Initiated.Before(before) || u.Initiated.After(time.Now().Add(time.Minute)) {
		t.Errorf("upload %+v; want id %s, size 5, started just now", u, id)
	}
	if got := uploads(t, st, "big/"); len(got) != 1 || got[0].Key != "big/one.bin" {
		t.Errorf("Uploads(big/) = %+v; want big/one.bin", got)
	}
	if err := st.AbortUpload(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	if got := uploads(t, st, ""); len(got) != 1 || got[0].Key != "small.bin" {
		t.Errorf("after the abort Uploads = %+v; want small.bin only", got)
	}
	// AWS answers NoSuchUpload; MinIO accepts the abort again.
	if err := st.AbortUpload(context.Background(), u); err != nil && !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("second abort = %v; want nil or ErrNotFound", err)
	}
}

// failingReader fails after n bytes.
type failingReader struct {
	r io.Reader
	n int64
}

func (f *failingReader) Read(b []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("source broke")
	}
	if int64(len(b)) > f.n {
		b = b[:f.n]
	}
	n, err := f.r.Read(b)
	f.n -= int64(n)
	return n, err
}

// TestFailedPutAbortsUpload: a body that fails after two parts leaves no
// object and no incomplete upload.
func TestFailedPutAbortsUpload(t *testing.T) {
	st, cfg := openStore(t, "", func(c *s3.Config) { c.PartSize = s3.MinPartSize })
	body := &failingReader{r: &pattern{n: 4 * s3.MinPartSize}, n: 2*s3.MinPartSize + 1}
	if err := st.Put(context.Background(), "broken.bin", body, storage.PutOptions{Size: -1}); err == nil || !strings.Contains(err.Error(), "source broke") {
		t.Fatalf("Put = %v; want the body's error", err)
	}
	for u := range s3test.Shared(t).Client(t).ListIncompleteUploads(context.Background(), cfg.Bucket, "", true) {
		if u.Err != nil {
			t.Fatal(u.Err)
		}
		t.Errorf("a failed Put left an incomplete upload: %s", u.Key)
	}
	noMarkers(t, cfg.Bucket)
}

// partTransport watches the part uploads of multipart uploads of records: it counts how
// many are in flight at once and fails the part numbered failPart (0: none).
type partTransport struct {
	next     http.RoundTripper
	failPart string
	mu       sync.Mutex
	inFlight int
	most     int
	parts    int
}

func (p *partTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	num := r.URL.Query().Get("partNumber")
	// (the conditional-write probe's one part, under .locks/, is not counted)
	if num == "" || r.Method != http.MethodPut || strings.Contains(r.URL.Path, "/.locks/") {
		return p.next.RoundTrip(r)
	}
	if num == p.failPart {
		return nil, errors.New("link dropped")
	}
	p.mu.Lock()
	p.parts++
	p.inFlight++
	p.most = max(p.most, p.inFlight)
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.inFlight--
		p.mu.Unlock()
	}()
	return p.next.RoundTrip(r)
}

// TestParallelPartsRoundTrip: a body of seven and a half parts goes up in
// parts sent side by side, never more than four at once, and reads back
// byte for byte.
func TestParallelPartsRoundTrip(t *testing.T) {
	pt := &partTransport{next: http.DefaultTransport.(*http.Transport).Clone()}
	st, cfg := openStore(t, "", func(c *s3.Config) { c.PartSize = s3.MinPartSize; c.Transport = pt })
	size := 7*s3.MinPartSize + s3.MinPartSize/2
	h := sha256.New()
	body := io.TeeReader(onlyReader{&pattern{n: size}}, h)
	if err := st.Put(context.Background(), "parallel.bin", body, storage.PutOptions{Size: -1, IfAbsent: true}); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d parts, at most %d in flight", pt.parts, pt.most)
	if pt.parts != 8 || pt.most > 4 {
		t.Errorf("sent %d parts, at most %d at once; want 8 parts, at most 4 at once", pt.parts, pt.most)
	}
	got := readAll(t, st, "parallel.bin")
	if sum := sha256.Sum256(got); int64(len(got)) != size || !bytes.Equal(sum[:], h.Sum(nil)) {
		t.Fatalf("read back %d bytes that differ from the %d sent", len(got), size)
	}
	noMarkers(t, cfg.Bucket)
}

// TestFailedPartAbortsUpload: when the server cannot be reached for one part
// of a parallel upload, Put fails, and neither an object nor an incomplete
// upload is left.
func TestFailedPartAbortsUpload(t *testing.T) {
	pt := &partTransport{next: http.DefaultTransport.(*http.Transport).Clone(), failPart: "3"}
	st, cfg := openStore(t, "", func(c *s3.Config) { c.PartSize = s3.MinPartSize; c.Transport = pt; c.MaxRetries = 1 })
	ctx := context.Background()
	err := st.Put(ctx, "dropped.bin", onlyReader{&pattern{n: 6 * s3.MinPartSize}}, storage.PutOptions{Size: -1})
	if err == nil || !strings.Contains(err.Error(), "link dropped") {
		t.Fatalf("Put = %v; want the failed part's error", err)
	}
	nothingLeft(t, st, cfg.Bucket, "dropped.bin")
}

// nothingLeft checks that a failed write left nothing behind: no object
// at key, no incomplete upload and no upload marker in bucket.
func nothingLeft(t *testing.T, st *s3.Storage, bucket, key string) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.Stat(ctx, key); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Stat after a failed write = %v; want ErrNotFound", err)
	}
	for u := range s3test.Shared(t).Client(t).ListIncompleteUploads(ctx, bucket, "", true) {
		if u.Err != nil {
			t.Fatal(u.Err)
		}
		t.Errorf("a failed write left an incomplete upload: %s", u.Key)
	}
	noMarkers(t, bucket)
}
