package s3_test

import (
	"context"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// metaHeaders records how many x-amz-meta-* headers each request sent
// and each response brought, by method.
type metaHeaders struct {
	next http.RoundTripper
	mu   sync.Mutex
	sent map[string]int
	got  map[string]int
}

func count(h http.Header) int {
	n := 0
	for k := range h {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-meta-") {
			n++
		}
	}
	return n
}

func (m *metaHeaders) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := m.next.RoundTrip(r)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent[r.Method] = max(m.sent[r.Method], count(r.Header))
	if resp != nil {
		m.got[r.Method] = max(m.got[r.Method], count(resp.Header))
	}
	return resp, err
}

// Put's metadata, however many names, goes in one x-amz-meta header, and
// a GET or HEAD brings back one; Stat returns every name as given.
func TestMetadataOneHeader(t *testing.T) {
	mh := &metaHeaders{next: http.DefaultTransport.(*http.Transport).Clone(), sent: map[string]int{}, got: map[string]int{}}
	st, _ := openStore(t, "", func(c *s3.Config) { c.Transport = mh })
	ctx := context.Background()
	meta := map[string]string{
		"resultgen-version": "3", "resultgen-task": "S3Put", "resultgen-type": "[]byte",
		"resultgen-labels": `{"run":"a \"quoted\" name"}`, "Mixed.Case_Name": "x <y> & z", "empty": "",
	}
	if err := st.Put(ctx, "m.bin", strings.NewReader("body"), storage.PutOptions{Metadata: meta, Size: 4, IfAbsent: true}); err != nil {
		t.Fatal(err)
	}
	info, err := st.Stat(ctx, "m.bin")
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(info.Metadata, meta) {
		t.Errorf("Stat metadata = %v; want %v", info.Metadata, meta)
	}
	if b := readAll(t, st, "m.bin"); string(b) != "body" {
		t.Fatalf("read %q", b)
	}
	if mh.sent[http.MethodPut] != 1 || mh.got[http.MethodHead] != 1 || mh.got[http.MethodGet] != 1 {
		t.Errorf("x-amz-meta headers: PUT sent %d, HEAD got %d, GET got %d; want 1 each", mh.sent[http.MethodPut], mh.got[http.MethodHead], mh.got[http.MethodGet])
	}
}

// An object written before the metadata was packed (an entry per name,
// and Resultgen-Meta-Names with their spelling) reads as it did.
func TestMetadataWrittenUnpacked(t *testing.T) {
	st, cfg := openStore(t, "p", nil)
	ctx := context.Background()
	_, err := s3test.Shared(t).Client(t).PutObject(ctx, cfg.Bucket, "p/old.bin", strings.NewReader("x"), 1, minio.PutObjectOptions{
		UserMetadata: map[string]string{"resultgen-version": "2", "goType": "[]int", "Resultgen-Meta-Names": "goType,resultgen-version"},
	})
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Stat(ctx, "old.bin")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"resultgen-version": "2", "goType": "[]int"}; !maps.Equal(info.Metadata, want) {
		t.Errorf("Stat metadata = %v; want %v", info.Metadata, want)
	}
}
