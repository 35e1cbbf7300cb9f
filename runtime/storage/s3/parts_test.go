package s3_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// A body that ends less than 64 KiB past a part's end goes in that part:
// a record (its payload and about a kilobyte of header and trailer) of
// two parts' payload goes up in two parts, not three; one of a part's
// payload in one request. Both read back byte for byte.
func TestLastPartFolds(t *testing.T) {
	for _, tc := range []struct {
		name  string
		size  int64
		parts int // 0: one PUT, no multipart upload
	}{
		{"one part and a header", s3.MinPartSize + 1130, 0},
		{"two parts and a header", 2*s3.MinPartSize + 1130, 2},
		{"two parts and 64 KiB", 2*s3.MinPartSize + 64<<10, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pt := &partTransport{next: http.DefaultTransport.(*http.Transport).Clone()}
			st, cfg := openStore(t, "", func(c *s3.Config) { c.PartSize = s3.MinPartSize; c.Transport = pt })
			h := sha256.New()
			body := io.TeeReader(onlyReader{&pattern{n: tc.size}}, h)
			if err := st.Put(context.Background(), "folded.bin", body, storage.PutOptions{Size: -1, IfAbsent: true}); err != nil {
				t.Fatal(err)
			}
			if pt.parts != tc.parts {
				t.Errorf("a body of %d bytes went up in %d parts; want %d", tc.size, pt.parts, tc.parts)
			}
			got := readAll(t, st, "folded.bin")
			if sum := sha256.Sum256(got); int64(len(got)) != tc.size || !bytes.Equal(sum[:], h.Sum(nil)) {
				t.Fatalf("read back %d bytes that differ from the %d sent", len(got), tc.size)
			}
			noMarkers(t, cfg.Bucket)
		})
	}
}

// A large record goes up from the writer's own memory: its parts are the
// value's bytes, not copies in part buffers, so writing it allocates less
// than the part buffers a copy needs; at most four parts are in flight; it
// reads back equal.
func TestRecordPartsFromWriterMemory(t *testing.T) {
	pt := &partTransport{next: http.DefaultTransport.(*http.Transport).Clone()}
	st, cfg := openStore(t, "", func(c *s3.Config) { c.PartSize = s3.MinPartSize; c.Transport = pt })
	ctx := context.Background()
	value := make([]byte, 6*s3.MinPartSize+12345)
	for i := range value {
		value[i] = byte(i ^ i>>9)
	}
	record.Write(ctx, st, "warm", record.Meta{Task: "t"}, nil, []byte("x"), storage.PutOptions{}) // the client's first-use allocations
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := record.Write(ctx, st, "big", record.Meta{Task: "t"}, nil, value, storage.PutOptions{IfAbsent: true}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("a record of %d MiB in %d parts (at most %d at once); the write allocated %.1f MiB", len(value)>>20, pt.parts, pt.most, float64(alloc)/(1<<20))
	// Copied, its parts would take four part buffers (20 MiB); the
	// client's own buffers and signing take about 7 MiB (10 with -race).
	if alloc > uint64(3*s3.MinPartSize) {
		t.Errorf("writing the record allocated %d bytes; want less than the 4 part buffers (%d bytes) of a copy: parts sent from the value", alloc, 4*s3.MinPartSize)
	}
	if pt.most > 4 || pt.parts < 7 {
		t.Errorf("%d parts, at most %d at once; want the value's 7 parts or more, at most 4 at once", pt.parts, pt.most)
	}
	var got []byte
	if _, err := record.Read(ctx, st, "big", nil, &got); err != nil || !bytes.Equal(got, value) {
		t.Fatalf("read back %d bytes, %v; want the %d written", len(got), err, len(value))
	}
	noMarkers(t, cfg.Bucket)
}

// When a part sent from the writer's memory fails, the write fails (it
// does not hang: every part lent is given back), and neither a record nor
// an incomplete upload is left.
func TestRecordLentPartFails(t *testing.T) {
	pt := &partTransport{next: http.DefaultTransport.(*http.Transport).Clone(), failPart: "2"}
	st, cfg := openStore(t, "", func(c *s3.Config) { c.PartSize = s3.MinPartSize; c.Transport = pt; c.MaxRetries = 1 })
	ctx := context.Background()
	value := make([]byte, 4*s3.MinPartSize)
	_, err := record.Write(ctx, st, "dropped", record.Meta{Task: "t"}, nil, value, storage.PutOptions{})
	if err == nil || !strings.Contains(err.Error(), "link dropped") {
		t.Fatalf("Write = %v; want the failed part's error", err)
	}
	nothingLeft(t, st, cfg.Bucket, "dropped")
}
