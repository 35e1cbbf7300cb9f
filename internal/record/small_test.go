package record_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

// sizeStore records the Size of each Put.
type sizeStore struct {
	storage.Storage
	sizes []int64
}

func (s *sizeStore) Put(ctx context.Context, key string, body io.Reader, opts storage.PutOptions) error {
	s.sizes = append(s.sizes, opts.Size)
	return s.Storage.Put(ctx, key, body, opts)
}

// careless writes v (a []byte) in 1 KiB pieces and ignores write errors;
// it counts its encodings.
type careless struct{ n *int }

func (careless) Spec() serializer.Spec { return serializer.Spec{Type: "careless"} }
func (c careless) Encode(w io.Writer, v any) error {
	*c.n++
	b := v.([]byte)
	for len(b) > 0 {
		n := min(len(b), 1024)
		_, _ = w.Write(b[:n])
		b = b[n:]
	}
	return nil
}
func (careless) Decode(r io.Reader, v any) error {
	b, err := io.ReadAll(r)
	*v.(*[]byte) = b
	return err
}

// A small record goes to the store whole with its size; a larger one
// spills into a streamed Put, the value encoded once (a careless
// serializer's bytes all arrive).
func TestWriteSmallWhole(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{0, 1000, 64 << 10, 64<<10 + 1, 300 << 10} {
		st := &sizeStore{Storage: storage.NewMemory()}
		want := bytes.Repeat([]byte{'z'}, n)
		encodings := 0
		for _, ser := range []serializer.Serializer{serializer.Msgpack(), careless{&encodings}} {
			m, err := record.Write(ctx, st, "k", record.Meta{}, ser, want, storage.PutOptions{})
			if err != nil {
				t.Fatal(err)
			}
			rc, err := st.Get(ctx, "k")
			if err != nil {
				t.Fatal(err)
			}
			meta, payload, err := record.Decode(rc)
			rc.Close()
			if err != nil {
				t.Fatalf("%d bytes by %s: %v", n, ser.Spec(), err)
			}
			if meta.Checksum != m.Checksum || meta.Size != m.Size || int64(len(payload)) != m.Size {
				t.Fatalf("%d bytes by %s: Write said %s/%d, the record %s/%d", n, ser.Spec(), m.Checksum, m.Size, meta.Checksum, meta.Size)
			}
			if _, ok := ser.(careless); ok && !bytes.Equal(payload, want) {
				t.Fatalf("%d bytes by a careless serializer: stored %d bytes", n, len(payload))
			}
			if _, ok := ser.(careless); ok && encodings != 1 {
				t.Fatalf("%d bytes: encoded %d times", n, encodings)
			}
			size := st.sizes[len(st.sizes)-1]
			if small := m.Size <= 64<<10; small != (size > 0) {
				t.Errorf("%d bytes by %s (payload %d): Put with size %d", n, ser.Spec(), m.Size, size)
			}
		}
	}
}

// staleStat is a store whose readers cannot tell their size and whose Stat
// reports another size than the object Get opens (the object changed in
// between): a fake, as no real server can be made to show the race.
type staleStat struct {
	storage.Storage
	delta int64
}

func (s staleStat) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	rc, err := s.Storage.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{rc, rc}, nil
}

func (s staleStat) Stat(ctx context.Context, key string) (storage.Info, error) {
	info, err := s.Storage.Stat(ctx, key)
	info.Size += s.delta
	return info, err
}

// A size from Stat that differs from the opened object's does not make an
// intact record look damaged.
func TestReadStaleStatSize(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{0, 100, 1000, 30 << 10} {
		want := bytes.Repeat([]byte{'q'}, n)
		mem := storage.NewMemory()
		if _, err := record.Write(ctx, mem, "k", record.Meta{}, serializer.Msgpack(), want, storage.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		for _, delta := range []int64{-10, -1, 0, 1, 10} {
			var got []byte
			if _, err := record.Read(ctx, staleStat{mem, delta}, "k", serializer.Msgpack(), &got); err != nil {
				t.Fatalf("%d bytes, Stat off by %d: %v", n, delta, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%d bytes, Stat off by %d: read back %d bytes", n, delta, len(got))
			}
		}
	}
}

// ReadMetaSized reads what ReadMeta reads with the listed size, and a
// listed size that no longer fits the object gives no false damage.
func TestReadMetaSized(t *testing.T) {
	ctx := context.Background()
	st := storage.NewMemory()
	if _, err := record.Write(ctx, st, "k", record.Meta{}, serializer.Msgpack(), bytes.Repeat([]byte{'s'}, 5000), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	want, err := record.ReadMeta(ctx, st, "k")
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Stat(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int64{info.Size, info.Size - 7, info.Size + 7, 3} {
		got, err := record.ReadMetaSized(ctx, st, "k", size)
		if err != nil || got.Checksum != want.Checksum || got.Size != want.Size {
			t.Errorf("size %d: %+v, %v; want %+v", size, got, err, want)
		}
	}
}
