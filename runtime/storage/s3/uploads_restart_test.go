package s3_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// stallReader yields n bytes of pattern, then closes reached and waits for
// release before failing: a writer stopped mid-body.
type stallReader struct {
	r       io.Reader
	n       int64
	reached chan struct{}
	release <-chan struct{}
}

func (s *stallReader) Read(b []byte) (int, error) {
	if s.n <= 0 {
		close(s.reached)
		<-s.release
		return 0, errors.New("writer stopped")
	}
	if int64(len(b)) > s.n {
		b = b[:s.n]
	}
	n, err := s.r.Read(b)
	s.n -= int64(n)
	return n, err
}

// exactUploads lists the incomplete uploads of one object name with the
// admin client, as MinIO answers after a restart.
func exactUploads(t *testing.T, c *minio.Client, bucket, name string) []string {
	t.Helper()
	var ids []string
	for u := range c.ListIncompleteUploads(context.Background(), bucket, name, true) {
		if u.Err != nil {
			t.Fatalf("list uploads of %s: %v", name, u.Err)
		}
		if u.Key == name {
			ids = append(ids, u.UploadID)
		}
	}
	return ids
}

// TestUploadsFoundAfterRestart: MinIO forgets, when it restarts, which
// uploads a bucket-wide listing shows (it answers a prefix only when it is
// a whole object name). Uploads cut short by the server's death, and an
// upload another client abandoned at an existing record key, are still
// listed after a restart, and aborting them leaves none at their names; an
// upload outside the store's prefix is neither listed nor touched, and the
// markers are gone once their uploads are.
func TestUploadsFoundAfterRestart(t *testing.T) {
	m := s3test.StartMinIO(t)
	srv := m.Server()
	bucket := srv.NewBucket(t, s3test.BucketOptions{Keep: true})
	ctx := context.Background()
	st, err := s3.Open(ctx, s3.Config{Bucket: bucket, Prefix: "team", Endpoint: srv.Endpoint, Region: s3test.Region,
		Insecure: true, Credentials: srv.Creds(), PartSize: s3.MinPartSize, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	admin := srv.Client(t, func(o *minio.Options) { o.MaxRetries = 1 })

	// An existing record, with an upload another client abandoned at its key.
	if err := st.Put(ctx, "existing.bin", strings.NewReader("committed"), storage.PutOptions{Size: 9}); err != nil {
		t.Fatal(err)
	}
	core := minio.Core{Client: admin}
	for _, name := range []string{"team/existing.bin", "other/x.bin"} {
		id, err := core.NewMultipartUpload(ctx, bucket, name, minio.PutObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := core.PutObjectPart(ctx, bucket, name, id, 1, strings.NewReader("part"), 4, minio.PutObjectPartOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	// Three writers stop mid-body, past their first part; the server dies
	// under them, so neither their aborts nor anything else reaches it.
	cut := []string{"big/a.bin", "big/b.bin", "c.bin"}
	release := make(chan struct{})
	var wg sync.WaitGroup
	errs := make([]error, len(cut))
	for i, key := range cut {
		body := &stallReader{r: &pattern{n: 4 * s3.MinPartSize}, n: 2*s3.MinPartSize + 1, reached: make(chan struct{}), release: release}
		wg.Go(func() { errs[i] = st.Put(ctx, key, onlyReader{body}, storage.PutOptions{Size: -1}) })
		<-body.reached
	}
	m.Kill()
	close(release)
	wg.Wait()
	for i, err := range errs {
		if err == nil {
			t.Fatalf("Put %s succeeded with the server killed", cut[i])
		}
	}
	m.Start()

	want := []string{"big/a.bin", "big/b.bin", "c.bin", "existing.bin"}
	got := uploads(t, st, "")
	var keys []string
	for _, u := range got {
		keys = append(keys, u.Key)
	}
	if !slices.Equal(keys, want) {
		t.Fatalf("after a restart Uploads = %q; want %q", keys, want)
	}
	if sub := uploads(t, st, "big/"); len(sub) != 2 {
		t.Errorf("after a restart Uploads(big/) = %+v; want the two under big/", sub)
	}
	for info, err := range st.List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		if info.Key != "existing.bin" {
			t.Errorf("List shows %q; want only existing.bin (markers are not records)", info.Key)
		}
	}
	for _, u := range got {
		if u.Initiated.IsZero() || time.Since(u.Initiated) > time.Hour {
			t.Errorf("upload %+v: want a start time of just now", u)
		}
		if err := st.AbortUpload(ctx, u); err != nil {
			t.Errorf("abort %s: %v", u.Key, err)
		}
	}
	for _, key := range want {
		if ids := exactUploads(t, admin, bucket, "team/"+key); len(ids) != 0 {
			t.Errorf("after the aborts %d uploads of team/%s remain", len(ids), key)
		}
	}
	if ids := exactUploads(t, admin, bucket, "other/x.bin"); len(ids) != 1 {
		t.Errorf("the upload outside the store's prefix: %d left; want it untouched", len(ids))
	}
	if left := uploads(t, st, ""); len(left) != 0 {
		t.Errorf("after the aborts Uploads = %+v; want none", left)
	}
	for oi := range admin.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: "team/" + storage.UploadsDir + "/", Recursive: true}) {
		if oi.Err != nil {
			t.Fatal(oi.Err)
		}
		t.Errorf("marker %s left after its upload was aborted", oi.Key)
	}
}

// noMarkers fails t when upload markers are left in bucket.
func noMarkers(t *testing.T, bucket string) {
	t.Helper()
	for oi := range s3test.Shared(t).Client(t).ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Prefix: storage.UploadsDir + "/", Recursive: true}) {
		if oi.Err != nil {
			t.Fatal(oi.Err)
		}
		t.Errorf("upload marker %s left after its upload ended", oi.Key)
	}
}
