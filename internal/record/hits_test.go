package record_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/storage"
)

// A HeaderCache spares re-parsing a header read again, and nothing else:
// a record rewritten is read as it is now, and damage to a payload read
// again is still found on every read.
func TestHeaderCacheChecksEveryRead(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	var hc record.HeaderCache
	write := func(label string, v []byte) {
		t.Helper()
		opts := storage.PutOptions{}
		if _, err := record.Write(ctx, st, "k", record.Meta{Task: "t", Labels: map[string]string{"l": label}}, nil, v, opts); err != nil {
			t.Fatal(err)
		}
	}
	read := func() ([]byte, record.Meta, error) {
		var v []byte
		m, _, err := record.ReadCheckedInfo(ctx, st, "k", nil, &v, nil, &hc)
		return v, m, err
	}
	write("one", []byte("first value"))
	for range 2 {
		if v, m, err := read(); err != nil || string(v) != "first value" || m.Labels["l"] != "one" {
			t.Fatalf("read: %q, %v, %v", v, m.Labels, err)
		}
	}
	write("two", []byte("second value"))
	if v, m, err := read(); err != nil || string(v) != "second value" || m.Labels["l"] != "two" {
		t.Fatalf("read after a rewrite: %q, %v, %v", v, m.Labels, err)
	}
	// Flip a payload byte in place, the header untouched.
	file := filepath.Join(dir, "k")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte("second value"))
	b[i] ^= 0x01
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := read(); !errors.Is(err, record.ErrChecksum) {
		t.Fatalf("read of a damaged payload behind a kept header: %v, want ErrChecksum", err)
	}
}

// A record read again and again is served by the HeaderCache's whole-record
// entry (its head and trailer byte for byte the same) with the Meta of a
// full read, and its payload is still checked on every read: a flipped
// byte or a byte cut out of it, behind the same head and trailer, is found.
func TestHeaderCacheWholeRecordChecksPayload(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	var hc record.HeaderCache
	value := []byte("a value read again and again")
	if _, err := record.Write(ctx, st, "k", record.Meta{Task: "t"}, nil, value, storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	var first record.Meta
	for i := range 4 { // the third and fourth reads take the whole-record entry
		var v []byte
		m, _, err := record.ReadCheckedInfo(ctx, st, "k", nil, &v, nil, &hc)
		if err != nil || !bytes.Equal(v, value) {
			t.Fatalf("read %d: %q, %v", i+1, v, err)
		}
		if i == 0 {
			first = m
		} else if m.Checksum != first.Checksum || m.Size != first.Size || m.Task != "t" || m.Checksum == "" {
			t.Fatalf("read %d: Meta %+v, the first read's %+v", i+1, m, first)
		}
	}
	file := filepath.Join(dir, "k")
	good, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(good, value)
	flipped := bytes.Clone(good)
	flipped[i+3] ^= 0x01
	cut := append(bytes.Clone(good[:i+3]), good[i+4:]...)
	for name, b := range map[string][]byte{"a flipped payload byte": flipped, "a payload byte cut out": cut} {
		if err := os.WriteFile(file, b, 0o644); err != nil {
			t.Fatal(err)
		}
		var v []byte
		if _, _, err := record.ReadCheckedInfo(ctx, st, "k", nil, &v, nil, &hc); !errors.Is(err, record.ErrCorrupt) || v != nil {
			t.Errorf("%s behind a kept head and trailer: %q, %v, want ErrCorrupt and nothing decoded", name, v, err)
		}
	}
}

// A record that does not decode as the reader's type leaves the value
// read into as it was: zero when it was zero (decoded in place), and an
// earlier value untouched, on memory and local storage.
func TestFailedDecodeLeavesValue(t *testing.T) {
	ctx := context.Background()
	local, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []storage.Storage{storage.NewMemory(), local} {
		t.Run(st.String(), func(t *testing.T) {
			// [1, "two"]: a []int decodes the 1, then fails on "two"
			if _, err := record.Write(ctx, st, "k", record.Meta{Task: "t"}, nil, []any{1, "two"}, storage.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			for range 2 { // memory: the first read checks the record, the second uses what it kept
				var zero []int
				if _, _, err := record.ReadCheckedInfo(ctx, st, "k", nil, &zero, nil, nil); !errors.Is(err, record.ErrDecode) || zero != nil {
					t.Fatalf("decode into a zero []int: %v, %v; want ErrDecode and nil", zero, err)
				}
				kept := []int{7}
				if _, _, err := record.ReadCheckedInfo(ctx, st, "k", nil, &kept, nil, nil); !errors.Is(err, record.ErrDecode) || len(kept) != 1 || kept[0] != 7 {
					t.Fatalf("decode into []int{7}: %v, %v; want ErrDecode and [7]", kept, err)
				}
			}
		})
	}
}
