package runtime_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// objectShape is an object put at a task's key by someone else, or a
// record of ours damaged: foreign ones must be kept and fail the run,
// damaged ones are replaced.
type objectShape struct {
	name    string
	data    []byte
	foreign bool // else damaged: replaced by the run
	zero    bool // all zero bytes: the error says so
}

// headerEnd is where the payload of the record b starts: everything
// before it is covered by the header CRC, the proof that resultgen wrote b.
func headerEnd(t *testing.T, b []byte) int {
	t.Helper()
	if bytes.HasPrefix(b, []byte("RGRESULT")) {
		return 14 + int(binary.BigEndian.Uint32(b[10:14])) + 4
	}
	const prefix = 42 // {"resultgen":3,"meta_size":<7>,"meta":
	h, err := strconv.Atoi(strings.TrimSpace(string(b[27:34])))
	if !bytes.HasPrefix(b, []byte(`{"resultgen":3,"meta_size":`)) || err != nil {
		t.Fatalf("not a record of ours: %.60q", b)
	}
	return prefix + h + len(`,"meta_crc32c":"12345678","value":`)
}

// objectShapes are the shapes of the issue (short files that start like a
// record but prove nothing) and records of ours, bin (binary framing) and
// doc (JSON framing), cut short or damaged.
func objectShapes(t *testing.T, bin, doc []byte) []objectShape {
	t.Helper()
	shapes := []objectShape{
		{name: "empty", data: []byte{}, foreign: true},
		{name: "R", data: []byte("R"), foreign: true},
		{name: "magic only", data: []byte("RGRESULT"), foreign: true},
		{name: "magic and garbage", data: []byte("RGRESULT\x00\x01garbage"), foreign: true},
		{name: "json magic", data: []byte(`{"resultgen":`), foreign: true},
		{name: "json prefix", data: []byte(`{"resultgen":1,"meta_size":`), foreign: true},
		{name: "json lookalike", data: []byte(`{"resultgen":1,"meta_size":      2,"meta":{},"meta_crc32c":"00000000","value":1}`), foreign: true},
		{name: "binary lookalike", data: []byte("RGRESULT\x00\x01\x00\x00\x00\x02{}\x00\x00\x00\x00"), foreign: true},
		{name: "zero filled", data: make([]byte, 4096), foreign: true, zero: true},
		{name: "one zero byte", data: []byte{0}, foreign: true, zero: true},
		{name: "text", data: []byte("my own notes\n"), foreign: true},
	}
	for _, rec := range []struct {
		framing string
		b       []byte
	}{{"binary", bin}, {"json", doc}} {
		end := headerEnd(t, rec.b)
		// Cut before the header's CRC is whole: nothing proves it ours.
		for _, n := range []int{1, 8, 13, 14, 27, 42, end - 1} {
			shapes = append(shapes, objectShape{name: fmt.Sprintf("%s record cut to %d bytes", rec.framing, n), data: rec.b[:n], foreign: true})
		}
		// Cut after it: ours, truncated.
		for _, n := range []int{end, end + 1, len(rec.b) - 1} {
			shapes = append(shapes, objectShape{name: fmt.Sprintf("%s record cut to %d of %d bytes", rec.framing, n, len(rec.b)), data: rec.b[:n]})
		}
		flip := func(at int, bit byte) []byte {
			b := bytes.Clone(rec.b)
			b[at] ^= bit
			return b
		}
		// The header's CRC fails, but the trailer's CRC proves it ours.
		shapes = append(shapes,
			objectShape{name: rec.framing + " record with a flipped header bit", data: flip(end-40, 0x04)},
			objectShape{name: rec.framing + " record with a flipped payload bit", data: flip(len(rec.b)-150, 0x01)},
		)
		// Neither CRC checks: a damaged header without its trailer.
		shapes = append(shapes, objectShape{name: rec.framing + " record with a flipped header bit, cut", data: flip(end-40, 0x04)[:end+2], foreign: true})
	}
	b := bytes.Clone(bin)
	b[8] ^= 0x04 // the version reads 1024+record.Version: the header CRC fails, the trailer's holds
	shapes = append(shapes, objectShape{name: "binary record with a flipped version bit", data: b})
	return shapes
}

// Objects at a key that resultgen cannot prove it wrote are foreign: kept,
// byte for byte, and the run fails with ErrForeignObject and the fix (a
// zero-filled one says it fails every run until removed). A record of ours
// whose header CRC (or trailer CRC) still checks is damaged: replaced.
func TestForeignOrDamagedLocal(t *testing.T) {
	st, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	testForeignOrDamaged(t, st, func(key string, b []byte) {
		if err := st.Put(context.Background(), key, bytes.NewReader(b), storage.PutOptions{Size: int64(len(b))}); err != nil {
			t.Fatal(err)
		}
	})
}

// The same on S3, the foreign objects put by another client (no resultgen
// metadata), an empty object among them.
func TestForeignOrDamagedS3(t *testing.T) {
	srv := s3test.Shared(t)
	bucket := srv.NewBucket(t, s3test.BucketOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := s3.Open(ctx, s3.Config{Bucket: bucket, Prefix: "p", Endpoint: srv.Endpoint, Region: s3test.Region,
		Insecure: true, Credentials: srv.Creds(), MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	admin := srv.Client(t)
	testForeignOrDamaged(t, st, func(key string, b []byte) {
		if _, err := admin.PutObject(ctx, bucket, "p/"+key, bytes.NewReader(b), int64(len(b)), minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	})
}

func testForeignOrDamaged(t *testing.T, st storage.Storage, put func(key string, b []byte)) {
	ctx, _, _ := newEngine(t, nil)
	get := func(key string) []byte {
		rc, err := st.Get(ctx, key)
		if err != nil {
			t.Fatalf("get %s: %v", key, err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	newRep := func(key, ser string) task[string] {
		def := keyedDef("Report", "string", key)
		def.Config.Serializer = ser
		return keyed(def, "computed").WithOptions(runtime.StorageBackend(st))
	}
	// Records of ours, in both framings, to cut and damage.
	for _, k := range []string{"ours.bin", "ours.json"} {
		ser := map[string]string{"ours.bin": "msgpack", "ours.json": "json"}[k]
		if _, err := newRep(k, ser).Call(ctx); err != nil {
			t.Fatal(err)
		}
	}
	bin, doc := get("ours.bin"), get("ours.json")
	for i, sh := range objectShapes(t, bin, doc) {
		key := fmt.Sprintf("shape-%d", i)
		put(key, sh.data)
		rep := newRep(key, "msgpack")
		for _, refresh := range []bool{false, true} {
			r := rep.WithOptions(runtime.RefreshCache(refresh))
			state := r.State(ctx)
			v, err := state.Result()
			got := get(key)
			if !sh.foreign {
				if refresh {
					continue // refresh overwrites a record of ours anyway
				}
				if err != nil || v != "computed" || state.CacheReason() != "a damaged record was replaced" {
					t.Errorf("%s: %q, %v, reason %q; want it replaced as a damaged record", sh.name, v, err, state.CacheReason())
				}
				if bytes.Equal(got, sh.data) {
					t.Errorf("%s: the damaged record is still there", sh.name)
				}
				continue
			}
			if !errors.Is(err, runtime.ErrForeignObject) || v != "" {
				t.Errorf("%s (refresh %v): %q, %v; want ErrForeignObject", sh.name, refresh, v, err)
				continue
			}
			if !bytes.Equal(got, sh.data) {
				t.Errorf("%s (refresh %v): the foreign object changed to %.80q", sh.name, refresh, got)
			}
			msg := err.Error()
			if !strings.Contains(msg, "resultgen results rm -force "+key) {
				t.Errorf("%s: the error does not give the fix: %v", sh.name, err)
			}
			if sh.zero != strings.Contains(msg, "zero") {
				t.Errorf("%s: the error says zero-filled %v, want %v: %v", sh.name, !sh.zero, sh.zero, err)
			}
			if sh.zero && !strings.Contains(msg, "every run") {
				t.Errorf("%s: the error does not say that every run fails until it is removed: %v", sh.name, err)
			}
		}
	}
}
