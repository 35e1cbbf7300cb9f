package s3_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// pattern is an endless, cheap, non-repeating-per-block byte stream; it
// lets a test send a large body without holding it.
type pattern struct {
	n     int64 // bytes left
	pos   int64
	onPos func(pos int64) // called after each read
}

func (p *pattern) Read(b []byte) (int, error) {
	if p.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.n {
		b = b[:p.n]
	}
	for i := range b {
		x := uint64(p.pos + int64(i))
		b[i] = byte(x ^ x>>8 ^ x>>16 ^ x>>24)
	}
	p.pos += int64(len(b))
	p.n -= int64(len(b))
	if p.onPos != nil {
		p.onPos(p.pos)
	}
	return len(b), nil
}

// onlyReader hides every method but Read (no WriterTo, no Seeker, no size).
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(b []byte) (int, error) { return o.r.Read(b) }

func readAll(t testing.TB, st storage.Storage, key string) []byte {
	t.Helper()
	rc, err := st.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("get %q: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return b
}

func TestStringNamesStore(t *testing.T) {
	st, cfg := openStore(t, "team/prod", nil)
	if got, want := st.String(), "s3://"+cfg.Bucket+"/team/prod"; got != want {
		t.Fatalf("String() = %q; want %q", got, want)
	}
	bare, cfg := openStore(t, "", nil)
	if got, want := bare.String(), "s3://"+cfg.Bucket; got != want {
		t.Fatalf("String() = %q; want %q", got, want)
	}
}

func TestOpenMissingBucket(t *testing.T) {
	srv := s3test.Shared(t)
	ep := srv.Endpoint
	_, err := s3.Open(context.Background(), s3.Config{
		Bucket: "rg-missing-" + s3test.RandomHex(6), Endpoint: ep, Insecure: true, Region: "us-east-1", Credentials: srv.Creds(),
	})
	if err == nil || !strings.Contains(err.Error(), "does not exist") || !strings.Contains(err.Error(), ep) {
		t.Fatalf("Open on a missing bucket = %v; want an error saying it does not exist at %s", err, ep)
	}
}

func TestKeysUnderPrefix(t *testing.T) {
	st, cfg := openStore(t, "team/prod", nil)
	ctx := context.Background()
	if err := st.Put(ctx, "a/b.json", strings.NewReader("x"), storage.PutOptions{Size: 1}); err != nil {
		t.Fatal(err)
	}
	// The object sits at PREFIX/KEY, so other tools see the key users chose.
	c := s3test.Shared(t).Client(t)
	if _, err := c.StatObject(ctx, cfg.Bucket, "team/prod/a/b.json", minio.StatObjectOptions{}); err != nil {
		t.Fatalf("object not at team/prod/a/b.json: %v", err)
	}
}

func TestMetadataRoundTrip(t *testing.T) {
	st, _ := openStore(t, "", nil)
	ctx := context.Background()
	meta := map[string]string{
		"Record-Version": "1",
		"task":           "hello_world",
		"goType":         "[]example.com/app.Row",
		"expires":        "2026-03-01T10:00:00Z",
		"empty":          "",
	}
	if err := st.Put(ctx, "m.json", strings.NewReader("{}"), storage.PutOptions{Metadata: meta, Size: -1}); err != nil {
		t.Fatal(err)
	}
	info, err := st.Stat(ctx, "m.json")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for k, v := range meta {
		if v != "" {
			want[k] = v
		}
	}
	// An empty value may or may not survive a server; all others must,
	// under the names given.
	delete(info.Metadata, "empty")
	if fmt.Sprint(info.Metadata) != fmt.Sprint(want) {
		t.Fatalf("Stat metadata = %v; want %v", info.Metadata, want)
	}
	if info.Key != "m.json" || info.Size != 2 || info.Modified.IsZero() {
		t.Fatalf("Stat = %+v", info)
	}
}

func TestMetadataRejected(t *testing.T) {
	st, _ := openStore(t, "", nil)
	tests := []struct {
		name string
		meta map[string]string
	}{
		{"space in name", map[string]string{"a b": "x"}},
		{"non-ascii value", map[string]string{"k": "héllo"}},
		{"newline value", map[string]string{"k": "a\nb"}},
		{"padded value", map[string]string{"k": " a"}},
		{"case duplicates", map[string]string{"Task": "a", "task": "b"}},
		{"reserved", map[string]string{"resultgen-meta-names": "a"}},
		{"reserved packed", map[string]string{"Resultgen-Meta": "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := st.Put(context.Background(), "k", strings.NewReader("x"), storage.PutOptions{Metadata: tt.meta})
			if err == nil {
				t.Fatal("Put accepted bad metadata")
			}
			if _, err := st.Stat(context.Background(), "k"); !errors.Is(err, storage.ErrNotFound) {
				t.Fatalf("a refused Put left an object (Stat err %v)", err)
			}
		})
	}
}

func TestLeaseFolderReserved(t *testing.T) {
	st, _ := openStore(t, "p", nil)
	ctx := context.Background()
	err := st.Put(ctx, ".locks/x", strings.NewReader("x"), storage.PutOptions{})
	if !errors.Is(err, storage.ErrInvalidKey) {
		t.Fatalf("Put under .locks = %v; want ErrInvalidKey", err)
	}
	unlock, err := st.Lock(ctx, "held", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if err := st.Put(ctx, "visible", strings.NewReader("x"), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for info, err := range st.List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, info.Key)
	}
	if fmt.Sprint(keys) != "[visible]" {
		t.Fatalf("List = %v; want only [visible] (no lease objects)", keys)
	}
}

func TestGetRangeEdges(t *testing.T) {
	st, _ := openStore(t, "", nil)
	ctx := context.Background()
	if err := st.Put(ctx, "r", strings.NewReader("0123456789"), storage.PutOptions{Size: 10}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		off, n int64
		want   string
	}{
		{0, -1, "0123456789"},
		{0, 3, "012"},
		{7, -1, "789"},
		{7, 100, "789"},
		{4, 0, ""},
		{10, -1, ""},
		{12, 5, ""},
	}
	for _, tt := range tests {
		rc, err := st.GetRange(ctx, "r", tt.off, tt.n)
		if err != nil {
			t.Fatalf("GetRange(%d, %d): %v", tt.off, tt.n, err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(b) != tt.want {
			t.Fatalf("GetRange(%d, %d) = %q, %v; want %q", tt.off, tt.n, b, err, tt.want)
		}
	}
	if _, err := st.GetRange(ctx, "absent", 2, 3); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("GetRange on a missing key = %v; want ErrNotFound", err)
	}
	if _, err := st.GetRange(ctx, "absent", 20, 3); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("GetRange past the end of a missing key = %v; want ErrNotFound", err)
	}
}

// TestPutIfAbsentConcurrent: of 16 concurrent conditional writers exactly
// one wins, the others see ErrExists, and the stored object is the winner's.
func TestPutIfAbsentConcurrent(t *testing.T) {
	st, _ := openStore(t, "", nil)
	const writers = 16
	var wg sync.WaitGroup
	errs := make([]error, writers)
	start := make(chan struct{})
	for i := range writers {
		wg.Go(func() {
			<-start
			body := fmt.Sprintf("writer %d", i)
			errs[i] = st.Put(context.Background(), "race.json", strings.NewReader(body), storage.PutOptions{IfAbsent: true, Size: -1})
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Fatalf("writers %d and %d both won", winner, i)
			}
			winner = i
		case errors.Is(err, storage.ErrExists):
		default:
			t.Fatalf("writer %d: %v; want nil or ErrExists", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no writer won")
	}
	if got, want := string(readAll(t, st, "race.json")), fmt.Sprintf("writer %d", winner); got != want {
		t.Fatalf("stored %q; want the winner's %q", got, want)
	}
}

// TestPutIfAbsentMultipart checks If-None-Match on multipart uploads: the
// server evaluates it at CompleteMultipartUpload.
func TestPutIfAbsentMultipart(t *testing.T) {
	st, cfg := openStore(t, "", func(c *s3.Config) { c.PartSize = s3.MinPartSize })
	ctx := context.Background()
	size := 2*s3.MinPartSize + 1234 // three parts, size unknown to Put
	var wg sync.WaitGroup
	errs := make([]error, 3)
	sums := make([][32]byte, 3)
	for i := range 3 {
		wg.Go(func() {
			h := sha256.New()
			body := io.TeeReader(onlyReader{&pattern{n: size, pos: int64(i) * 7}}, h)
			errs[i] = st.Put(ctx, "big.bin", body, storage.PutOptions{IfAbsent: true, Size: -1})
			copy(sums[i][:], h.Sum(nil))
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Fatalf("multipart writers %d and %d both won", winner, i)
			}
			winner = i
		case errors.Is(err, storage.ErrExists):
		default:
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no multipart writer won")
	}
	if got := sha256.Sum256(readAll(t, st, "big.bin")); got != sums[winner] {
		t.Fatal("stored object is not the winner's body")
	}
	// A later multipart write is refused too, and nothing is left over.
	err := st.Put(ctx, "big.bin", onlyReader{&pattern{n: size}}, storage.PutOptions{IfAbsent: true, Size: -1})
	if !errors.Is(err, storage.ErrExists) {
		t.Fatalf("multipart IfAbsent over an object = %v; want ErrExists", err)
	}
	for u := range s3test.Shared(t).Client(t).ListIncompleteUploads(ctx, cfg.Bucket, "", true) {
		if u.Err != nil {
			t.Fatal(u.Err)
		}
		t.Errorf("incomplete upload left behind: %s %s", u.Key, u.UploadID)
	}
}

// TestLargePutBoundedMemory streams a 96 MiB body of unknown size and checks
// that Put allocates a bounded amount (a few part buffers), far less than
// the body, and that the object reads back intact.
func TestLargePutBoundedMemory(t *testing.T) {
	st, _ := openStore(t, "", func(c *s3.Config) { c.PartSize = s3.MinPartSize })
	ctx := context.Background()
	const size = 96 << 20
	h := sha256.New()
	body := io.TeeReader(onlyReader{&pattern{n: size}}, h)

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := st.Put(ctx, "large.bin", body, storage.PutOptions{Size: -1}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("Put of %d MiB allocated %.1f MiB (part size %d MiB)", size>>20, float64(alloc)/(1<<20), s3.MinPartSize>>20)
	if alloc > size/2 {
		t.Errorf("Put allocated %d bytes for a %d-byte body; want it bounded by a few parts", alloc, size)
	}

	info, err := st.Stat(ctx, "large.bin")
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != size {
		t.Fatalf("stored size %d; want %d", info.Size, size)
	}
	rc, err := st.Get(ctx, "large.bin")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got := sha256.New()
	if _, err := io.Copy(got, rc); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Sum(nil), h.Sum(nil)) {
		t.Fatal("object read back differs from the body sent")
	}
}

// TestCancelledPutLeavesNothing cancels a streamed Put half-way.
func TestCancelledPutLeavesNothing(t *testing.T) {
	st, cfg := openStore(t, "", func(c *s3.Config) { c.PartSize = s3.MinPartSize })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	body := &pattern{n: 4 * s3.MinPartSize, onPos: func(pos int64) {
		if pos > 2*s3.MinPartSize+s3.MinPartSize/2 {
			cancel()
		}
	}}
	err := st.Put(ctx, "cancelled.bin", onlyReader{body}, storage.PutOptions{Size: -1})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Put = %v; want context.Canceled", err)
	}
	bg := context.Background()
	if _, err := st.Stat(bg, "cancelled.bin"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Stat after a cancelled Put = %v; want ErrNotFound", err)
	}
	for u := range s3test.Shared(t).Client(t).ListIncompleteUploads(bg, cfg.Bucket, "", true) {
		if u.Err != nil {
			t.Fatal(u.Err)
		}
		t.Errorf("cancelled Put left an incomplete upload: %s", u.Key)
	}
}

// TestServerKilledMidPut kills a private MinIO in the middle of a streamed
// Put: the Put fails naming the endpoint, and after a restart nothing is at
// the key.
func TestServerKilledMidPut(t *testing.T) {
	p := s3test.StartMinIO(t)
	ctx := context.Background()
	admin := p.Server().Client(t)
	if err := admin.MakeBucket(ctx, "killed", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := s3.Open(ctx, s3.Config{
		Bucket: "killed", Endpoint: p.Endpoint(), Insecure: true, Region: "us-east-1",
		Credentials: p.Server().Creds(), PartSize: s3.MinPartSize, MaxRetries: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	var killed atomic.Bool
	body := &pattern{n: 6 * s3.MinPartSize, onPos: func(pos int64) {
		if pos > 2*s3.MinPartSize+s3.MinPartSize/2 && !killed.Swap(true) {
			p.Kill()
		}
	}}
	err = st.Put(ctx, "half.bin", onlyReader{body}, storage.PutOptions{Size: -1})
	if !killed.Load() {
		t.Fatal("the server was never killed")
	}
	if err == nil {
		t.Fatal("Put succeeded although the server died mid-upload")
	}
	if !strings.Contains(err.Error(), p.Endpoint()) || !strings.Contains(err.Error(), `s3 put "half.bin"`) {
		t.Fatalf("err = %v; want it to name the operation, key and endpoint %s", err, p.Endpoint())
	}
	t.Logf("Put error: %v", err)

	p.Start()
	if _, err := st.Stat(ctx, "half.bin"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("after restart Stat = %v; want ErrNotFound (nothing half-written visible)", err)
	}
	for info, err := range st.List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		t.Errorf("after restart List shows %q", info.Key)
	}
	// The store works again once the server is back.
	if err := st.Put(ctx, "half.bin", strings.NewReader("ok"), storage.PutOptions{IfAbsent: true}); err != nil {
		t.Fatalf("Put after restart: %v", err)
	}
}
