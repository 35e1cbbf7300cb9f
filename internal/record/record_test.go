package record_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

type Row struct {
	ID    int
	Name  string
	When  time.Time
	Tags  []string
	Attrs map[string]float64
	Next  *Row
}

func rows() []Row {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	return []Row{
		{ID: 1, Name: "ünïcode", When: at, Tags: []string{"a"}, Attrs: map[string]float64{"x": 1.5}},
		{ID: 2, Name: "two", When: at.Add(time.Hour), Next: &Row{ID: 3, Name: "three", When: at}},
	}
}

func sameRows(a, b []Row) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if !x.When.Equal(y.When) {
			return false
		}
		x.When, y.When = time.Time{}, time.Time{}
		if (x.Next == nil) != (y.Next == nil) {
			return false
		}
		if x.Next != nil && !sameRows([]Row{*x.Next}, []Row{*y.Next}) {
			return false
		}
		x.Next, y.Next = nil, nil
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

type storeCase struct {
	name string
	new  func(t testing.TB) storage.Storage
}

func stores() []storeCase {
	return []storeCase{
		{"local", func(t testing.TB) storage.Storage {
			st, err := storage.NewLocal(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return st
		}},
		{"memory", func(testing.TB) storage.Storage { return storage.NewMemory() }},
		// A store that is neither a RangeGetter nor keeps metadata.
		{"plain", func(testing.TB) storage.Storage { return plainStore{storage.NewMemory()} }},
	}
}

type plainStore struct{ storage.Storage }

func (p plainStore) Stat(ctx context.Context, key string) (storage.Info, error) {
	info, err := p.Storage.Stat(ctx, key)
	info.Metadata = nil
	return info, err
}

func serializers(t testing.TB) []serializer.Serializer {
	var out []serializer.Serializer
	for _, name := range []string{"msgpack", "json", "gob"} {
		for _, comp := range []string{"", "zstd", "gzip", "zlib"} {
			n := name
			if comp != "" {
				n = "compressed/" + name
			}
			spec, err := serializer.Parse(n, comp)
			if err != nil {
				t.Fatal(err)
			}
			s, err := serializer.New(spec)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, sc := range stores() {
		st := sc.new(t)
		for _, ser := range serializers(t) {
			t.Run(sc.name+"/"+ser.Spec().String(), func(t *testing.T) {
				key := "rt/" + strings.ReplaceAll(ser.Spec().String(), "/", "-")
				created := time.Date(2026, 5, 6, 7, 8, 9, 10, time.FixedZone("X", 3600))
				in := record.Meta{Task: "load-rows", Created: created, Expires: created.Add(time.Hour), Labels: map[string]string{"flow_run": "ünï"}}
				wm, err := record.Write(ctx, st, key, in, ser, rows(), storage.PutOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if wm.Version != record.Version || wm.Key != key || wm.GoType != "[]github.com/resultgen/resultgen/internal/record_test.Row" ||
					!wm.Created.Equal(created) || wm.Created.Location() != time.UTC || wm.Size <= 0 || !strings.HasPrefix(wm.Checksum, "xxh3-128-1mib:") ||
					!wm.Serializer.Equal(ser.Spec()) {
					t.Errorf("Write returned %+v", wm)
				}
				var got []Row
				rm, err := record.Read(ctx, st, key, ser, &got)
				if err != nil {
					t.Fatal(err)
				}
				if !sameRows(got, rows()) {
					t.Errorf("Read decoded %+v", got)
				}
				checkMeta(t, "Read", rm, wm, true)
				mm, err := record.ReadMeta(ctx, st, key)
				if err != nil {
					t.Fatal(err)
				}
				checkMeta(t, "ReadMeta", mm, wm, true)
				hm, err := record.Head(ctx, st, key)
				if err != nil {
					t.Fatal(err)
				}
				checkMeta(t, "Head", hm, wm, false)
			})
		}
	}
}

func checkMeta(t *testing.T, what string, got, want record.Meta, sized bool) {
	t.Helper()
	if !sized {
		want.Size, want.Checksum = 0, ""
	}
	if !got.Created.Equal(want.Created) || !got.Expires.Equal(want.Expires) {
		t.Errorf("%s: times %v %v, want %v %v", what, got.Created, got.Expires, want.Created, want.Expires)
	}
	got.Created, got.Expires, want.Created, want.Expires = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: meta\n got %+v\nwant %+v", what, got, want)
	}
}

func TestStoredSpecWins(t *testing.T) {
	ctx := context.Background()
	st := storage.NewMemory()
	gz, err := serializer.Compressed(serializer.JSON(), "gzip")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := record.Write(ctx, st, "k", record.Meta{}, gz, rows(), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	// The reader's defaults changed to msgpack; the record still decodes.
	for _, reader := range []serializer.Serializer{serializer.Msgpack(), nil} {
		var got []Row
		m, err := record.Read(ctx, st, "k", reader, &got)
		if err != nil {
			t.Fatal(err)
		}
		if !sameRows(got, rows()) || m.Serializer.String() != "compressed/json+gzip" {
			t.Errorf("read %v with spec %v", got, m.Serializer)
		}
	}
}

func TestLiterals(t *testing.T) {
	ctx := context.Background()
	for _, sc := range stores() {
		st := sc.new(t)
		t.Run(sc.name, func(t *testing.T) {
			for _, lit := range []string{"true", "false", "null"} {
				key := "lit/" + lit
				wm, err := record.WriteLiteral(ctx, st, key, record.Meta{Task: "t"}, lit, storage.PutOptions{})
				if err != nil {
					t.Fatal(err)
				}
				info, err := st.Stat(ctx, key)
				if err != nil {
					t.Fatal(err)
				}
				if info.Size > 200 {
					t.Errorf("literal record is %d bytes", info.Size)
				}
				var a any = "sentinel"
				m, err := record.Read(ctx, st, key, nil, &a)
				if err != nil {
					t.Fatal(err)
				}
				if m.Literal == nil || *m.Literal != lit || m.Serializer != nil || m.Size != 0 {
					t.Errorf("meta %+v", m)
				}
				want := map[string]any{"true": true, "false": false, "null": nil}[lit]
				if a != want {
					t.Errorf("Read into *any: %v, want %v", a, want)
				}
				mm, err := record.ReadMeta(ctx, st, key)
				if err != nil {
					t.Fatal(err)
				}
				checkMeta(t, "ReadMeta", mm, wm, true)
				hm, err := record.Head(ctx, st, key)
				if err != nil {
					t.Fatal(err)
				}
				checkMeta(t, "Head", hm, wm, false)
				if lit != "null" {
					b := lit == "false" // opposite
					if _, err := record.Read(ctx, st, key, nil, &b); err != nil || b != (lit == "true") {
						t.Errorf("Read into *bool: %v, %v", b, err)
					}
					var n int
					if _, err := record.Read(ctx, st, key, nil, &n); !errors.Is(err, record.ErrDecode) {
						t.Errorf("literal into *int: %v, want ErrDecode", err)
					}
				} else {
					p := &Row{}
					if _, err := record.Read(ctx, st, key, nil, &p); err != nil || p != nil {
						t.Errorf("null into *Row: %v, %v", p, err)
					}
				}
			}
		})
	}
	if _, err := record.WriteLiteral(ctx, storage.NewMemory(), "k", record.Meta{}, "maybe", storage.PutOptions{}); err == nil {
		t.Error("WriteLiteral accepted \"maybe\"")
	}
}

func TestLiteralOf(t *testing.T) {
	var nilPtr *Row
	var nilSlice []int
	for _, tc := range []struct {
		v    any
		want string
		ok   bool
	}{
		{true, "true", true}, {false, "false", true}, {nil, "null", true}, {nilPtr, "null", true},
		{nilSlice, "null", true}, {0, "", false}, {"", "", false}, {[]int{}, "", false}, {&Row{}, "", false},
	} {
		got, ok := record.LiteralOf(tc.v)
		if got != tc.want || ok != tc.ok {
			t.Errorf("LiteralOf(%#v) = %q, %v", tc.v, got, ok)
		}
	}
}

// small returns the bytes of a small valid record and the value it holds.
func small(t testing.TB) ([]byte, []Row) {
	st := storage.NewMemory()
	v := rows()
	if _, err := record.Write(context.Background(), st, "small", record.Meta{Task: "t"}, serializer.Msgpack(), v, storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	rc, err := st.Get(context.Background(), "small")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	if bytes.Contains(b[:len(b)-4], []byte("RGND")) {
		t.Fatal("test record contains the end magic before its end")
	}
	return b, v
}

// readers holds one store of each kind for readAll; made once per test
// because local stores fsync.
type readers []struct {
	name string
	st   storage.Storage
}

func newReaders(t *testing.T) readers {
	var rs readers
	for _, sc := range stores() {
		rs = append(rs, struct {
			name string
			st   storage.Storage
		}{sc.name, sc.new(t)})
	}
	return rs
}

// readAll runs every reader of the package over b and returns their errors.
func (rs readers) readAll(t *testing.T, b []byte) map[string]error {
	t.Helper()
	ctx := context.Background()
	errs := map[string]error{}
	_, payload, err := record.Decode(bytes.NewReader(b))
	if err == nil && payload == nil {
		t.Errorf("Decode returned no payload and no error")
	}
	errs["Decode"] = err
	for _, sc := range rs {
		st := sc.st
		if err := st.Put(ctx, "bad/key", bytes.NewReader(b), storage.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		sentinel := []Row{{ID: -1}}
		got := sentinel
		_, err := record.Read(ctx, st, "bad/key", nil, &got)
		if err != nil && !reflect.DeepEqual(got, sentinel) {
			t.Errorf("%s: failed Read changed the value to %+v", sc.name, got)
		}
		errs["Read/"+sc.name] = err
		_, err = record.ReadMeta(ctx, st, "bad/key")
		errs["ReadMeta/"+sc.name] = err
	}
	return errs
}

// A record cut short before its header CRC is whole proves nothing: it is
// foreign (ErrNotRecord). Cut after it, it is ours, truncated.
func TestTruncated(t *testing.T) {
	full, _ := small(t)
	rs := newReaders(t)
	headerEnd := 18 + int(binary.BigEndian.Uint32(full[10:14]))
	for n := range len(full) {
		for what, err := range rs.readAll(t, full[:n]) {
			if n < headerEnd {
				if !errors.Is(err, record.ErrNotRecord) {
					t.Fatalf("%s of the first %d of %d bytes: %v, want ErrNotRecord", what, n, len(full), err)
				}
			} else if !errors.Is(err, record.ErrCorrupt) || !errors.Is(err, record.ErrTruncated) || errors.Is(err, record.ErrNotRecord) {
				t.Fatalf("%s of the first %d of %d bytes: %v, want ErrCorrupt and ErrTruncated", what, n, len(full), err)
			}
			if strings.HasPrefix(what, "Read") && !strings.Contains(err.Error(), `"bad/key"`) {
				t.Errorf("%s error does not name the key: %v", what, err)
			}
		}
	}
}

func TestBitFlips(t *testing.T) {
	full, _ := small(t)
	rs := newReaders(t)
	hlen := int(binary.BigEndian.Uint32(full[10:14]))
	payloadStart, payloadEnd := 18+hlen, len(full)-48
	for i := range full {
		b := bytes.Clone(full)
		bit := i % 8
		b[i] ^= 1 << bit
		for what, err := range rs.readAll(t, b) {
			ranged := what == "ReadMeta/local" || what == "ReadMeta/memory"
			if ranged && i >= payloadStart && i < payloadEnd {
				// A ranged ReadMeta reads the header and the trailer only.
				if err != nil {
					t.Errorf("%s with payload byte %d flipped: %v", what, i, err)
				}
				continue
			}
			if !errors.Is(err, record.ErrCorrupt) {
				t.Fatalf("%s with byte %d bit %d flipped: %v, want ErrCorrupt", what, i, bit, err)
			}
		}
	}
}

func TestFlipKinds(t *testing.T) {
	full, _ := small(t)
	rs := newReaders(t)
	hlen := int(binary.BigEndian.Uint32(full[10:14]))
	for _, tc := range []struct {
		name string
		at   int
		want error
	}{
		{"header", 20, record.ErrChecksum},
		{"header crc", 14 + hlen, record.ErrChecksum},
		{"payload", 18 + hlen + 1, record.ErrChecksum},
		{"stored digest", len(full) - 30, record.ErrChecksum},
		{"digest padding", len(full) - 10, record.ErrChecksum},
		{"trailer crc", len(full) - 6, record.ErrChecksum},
		{"end magic", len(full) - 1, record.ErrTruncated},
		// version 3 reads 19: the header CRC, which covers it, fails; the
		// intact trailer proves the record ours, so it is damage, not a
		// version this reader does not know
		{"version", 9, record.ErrChecksum},
	} {
		b := bytes.Clone(full)
		b[tc.at] ^= 0x10
		for what, err := range rs.readAll(t, b) {
			if tc.name == "payload" && (what == "ReadMeta/local" || what == "ReadMeta/memory") {
				if err != nil { // a ranged ReadMeta does not read the payload
					t.Errorf("%s of a record with a damaged payload: %v", what, err)
				}
				continue
			}
			if !errors.Is(err, tc.want) || !errors.Is(err, record.ErrCorrupt) || errors.Is(err, record.ErrNotRecord) {
				t.Errorf("%s with a flipped %s: %v, want %v", what, tc.name, err, tc.want)
			}
			if errors.Is(err, record.ErrVersion) || strings.Contains(fmt.Sprint(err), "unsupported") {
				t.Errorf("%s with a flipped %s: %v, want no word of an unsupported version", what, tc.name, err)
			}
		}
	}
}

func TestWrongVersion(t *testing.T) {
	full, _ := small(t)
	rs := newReaders(t)
	b := bytes.Clone(full)
	binary.BigEndian.PutUint16(b[8:10], record.VersionSealed+1)
	// Recompute the header CRC, as a real version-5 writer would.
	hlen := int(binary.BigEndian.Uint32(b[10:14]))
	binary.BigEndian.PutUint32(b[14+hlen:], crc32.Checksum(b[8:14+hlen], crc32.MakeTable(crc32.Castagnoli)))
	for what, err := range rs.readAll(t, b) {
		if !errors.Is(err, record.ErrVersion) || !errors.Is(err, record.ErrCorrupt) {
			t.Errorf("%s of a version-5 record: %v, want ErrVersion", what, err)
		}
		if !strings.Contains(fmt.Sprint(err), "version 5") {
			t.Errorf("%s: error does not name the version: %v", what, err)
		}
	}
	var ce *record.CorruptError
	_, _, err := record.Decode(bytes.NewReader(b))
	if !errors.As(err, &ce) || ce.Offset != 8 {
		t.Errorf("Decode: %v, want a *CorruptError at byte 8", err)
	}
}

func TestNotARecord(t *testing.T) {
	rs := newReaders(t)
	for what, err := range rs.readAll(t, []byte("just some text that is long enough to have a trailer-sized tail............")) {
		if !errors.Is(err, record.ErrCorrupt) || !strings.Contains(err.Error(), "not a resultgen record") {
			t.Errorf("%s: %v", what, err)
		}
	}
}

func TestReadWrongTypeIsDecodeError(t *testing.T) {
	ctx := context.Background()
	st := storage.NewMemory()
	if _, err := record.Write(ctx, st, "k", record.Meta{}, nil, rows(), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	n := 42
	_, err := record.Read(ctx, st, "k", nil, &n)
	if !errors.Is(err, record.ErrDecode) || errors.Is(err, record.ErrCorrupt) {
		t.Errorf("Read into *int: %v, want ErrDecode only", err)
	}
	if n != 42 {
		t.Errorf("failed Read changed the value to %d", n)
	}
	if _, err := record.Read(ctx, st, "k", nil, n); err == nil {
		t.Error("Read into a non-pointer succeeded")
	}
	if _, err := record.Read(ctx, st, "missing", nil, &n); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Read of a missing key: %v, want ErrNotFound", err)
	}
	if _, err := record.Head(ctx, st, "missing"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Head of a missing key: %v, want ErrNotFound", err)
	}
}

func TestWriteFailuresLeaveOldRecord(t *testing.T) {
	ctx := context.Background()
	for _, sc := range stores() {
		t.Run(sc.name, func(t *testing.T) {
			st := sc.new(t)
			if _, err := record.Write(ctx, st, "k", record.Meta{}, nil, rows(), storage.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			// The serializer fails half-way (a channel cannot be encoded).
			bad := map[string]any{"a": strings.Repeat("x", 100_000), "z": make(chan int)}
			_, err := record.Write(ctx, st, "k", record.Meta{}, serializer.JSON(), bad, storage.PutOptions{})
			if err == nil || !strings.Contains(err.Error(), "encode with json") {
				t.Fatalf("Write of an unencodable value: %v", err)
			}
			// The serializer panics.
			_, err = record.Write(ctx, st, "k", record.Meta{}, panicky{}, 1, storage.PutOptions{})
			if err == nil || !strings.Contains(err.Error(), "panicked") {
				t.Fatalf("Write with a panicking serializer: %v", err)
			}
			// The context is cancelled.
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			if _, err := record.Write(cctx, st, "k", record.Meta{}, nil, []int{1}, storage.PutOptions{}); !errors.Is(err, context.Canceled) {
				t.Fatalf("Write with a cancelled context: %v", err)
			}
			// IfAbsent over an existing record.
			if _, err := record.Write(ctx, st, "k", record.Meta{}, nil, []int{1}, storage.PutOptions{IfAbsent: true}); !errors.Is(err, storage.ErrExists) {
				t.Fatalf("IfAbsent Write over a record: %v", err)
			}
			var got []Row
			if _, err := record.Read(ctx, st, "k", nil, &got); err != nil || !sameRows(got, rows()) {
				t.Fatalf("old record damaged: %v, %v", got, err)
			}
			var keys []string
			for info, err := range st.List(ctx, "") {
				if err != nil {
					t.Fatal(err)
				}
				keys = append(keys, info.Key)
			}
			if len(keys) != 1 {
				t.Errorf("store holds %q", keys)
			}
		})
	}
}

type panicky struct{}

func (panicky) Spec() serializer.Spec       { return serializer.Spec{Type: "panicky"} }
func (panicky) Encode(io.Writer, any) error { panic("boom") }
func (panicky) Decode(io.Reader, any) error { panic("boom") }

func TestHostileKeys(t *testing.T) {
	ctx := context.Background()
	st := storage.NewMemory()
	for _, key := range []string{"../x", "/etc/passwd", "a/../../b", "a\x00b", "a//b", ".", `a\b`} {
		if _, err := record.Write(ctx, st, key, record.Meta{}, nil, 1, storage.PutOptions{}); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Write(%q): %v", key, err)
		}
		if _, err := record.WriteLiteral(ctx, st, key, record.Meta{}, "true", storage.PutOptions{}); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("WriteLiteral(%q): %v", key, err)
		}
		var v int
		if _, err := record.Read(ctx, st, key, nil, &v); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Read(%q): %v", key, err)
		}
		if _, err := record.ReadMeta(ctx, st, key); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("ReadMeta(%q): %v", key, err)
		}
		if _, err := record.Head(ctx, st, key); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Head(%q): %v", key, err)
		}
	}
	for range st.List(ctx, "") {
		t.Error("hostile keys wrote something")
	}
}

func TestObjectMetadataIsASCII(t *testing.T) {
	ctx := context.Background()
	st := storage.NewMemory()
	meta := record.Meta{Task: "tâche\n%41", GoType: "map[string]ü.T", Labels: map[string]string{"ключ": "значение"}}
	wm, err := record.Write(ctx, st, "unicode/ключ", meta, nil, "v", storage.PutOptions{Metadata: map[string]string{"x-user": "kept"}})
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Stat(ctx, "unicode/ключ")
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range info.Metadata {
		for i := range len(v) {
			if v[i] < 0x20 || v[i] > 0x7e {
				t.Errorf("metadata %s = %q is not printable ASCII", k, v)
				break
			}
		}
	}
	if info.Metadata["x-user"] != "kept" || info.Metadata[record.MetaVersion] != "3" || info.Metadata[record.MetaSerializer] != "msgpack" {
		t.Errorf("metadata %v", info.Metadata)
	}
	hm, err := record.Head(ctx, st, "unicode/ключ")
	if err != nil {
		t.Fatal(err)
	}
	checkMeta(t, "Head", hm, wm, false)
}

func TestExpired(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		exp  time.Time
		want bool
	}{{time.Time{}, false}, {now.Add(time.Second), false}, {now, true}, {now.Add(-time.Second), true}} {
		if got := (record.Meta{Expires: tc.exp}).Expired(now); got != tc.want {
			t.Errorf("Expired with %v = %v", tc.exp, got)
		}
	}
}

// Concurrent writers of one key on local storage leave one intact record.
func TestConcurrentWritersLocal(t *testing.T) {
	base := t.TempDir()
	st, err := storage.NewLocal(base)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const writers = 8
	values := make([][]int, writers)
	var wg sync.WaitGroup
	for i := range writers {
		values[i] = make([]int, 5_000+i)
		for j := range values[i] {
			values[i][j] = i
		}
		wg.Go(func() {
			for range 2 {
				if _, err := record.Write(ctx, st, "shared/key", record.Meta{}, nil, values[i], storage.PutOptions{}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	var got []int
	if _, err := record.Read(ctx, st, "shared/key", nil, &got); err != nil {
		t.Fatal(err)
	}
	if len(got) < 5_000 || !reflect.DeepEqual(got, values[got[0]]) {
		t.Errorf("record holds a mix of writers (%d values)", len(got))
	}
	entries, err := os.ReadDir(filepath.Join(base, "shared"))
	if err != nil || len(entries) != 1 || entries[0].Name() != "key" {
		t.Errorf("folder holds %v, %v; want only key", entries, err)
	}
}

func TestReaderStreams(t *testing.T) {
	full, v := small(t)
	r, err := record.NewReader(bytes.NewReader(full))
	if err != nil {
		t.Fatal(err)
	}
	if m := r.Meta(); m.Task != "t" || m.Size != 0 {
		t.Errorf("Meta before the payload: %+v", m)
	}
	var got []Row
	if err := serializer.Msgpack().Decode(r, &got); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		t.Fatal(err)
	}
	if !sameRows(got, v) || r.Meta().Size == 0 {
		t.Errorf("streamed %+v, meta %+v", got, r.Meta())
	}
}

// A foreign object is not a record: ErrNotRecord, and still ErrCorrupt for
// callers that only ask whether it can be read. An empty object, or a
// record cut short after its magic, proves nothing either: foreign too.
func TestNotRecord(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		not  bool
	}{
		{"empty", nil, true},
		{"text", []byte("hello, world: not a record at all"), true},
		{"short text", []byte("hi"), true},
		{"magic only", []byte("RGRESULT"), true},
	} {
		_, _, err := record.Decode(bytes.NewReader(tc.data))
		if got := errors.Is(err, record.ErrNotRecord); got != tc.not || !errors.Is(err, record.ErrCorrupt) {
			t.Errorf("%s: %v; ErrNotRecord=%v, want %v (and ErrCorrupt)", tc.name, err, got, tc.not)
		}
	}
}

// A []byte result read back is the reader's own: changing it changes
// neither the stored record nor another read of it, and a damaged payload
// is still refused.
func TestReadBytesIsTheReadersOwn(t *testing.T) {
	ctx := context.Background()
	// small records are read whole, large ones streamed
	for i, st := range []storage.Storage{storage.NewMemory(), mustLocal(t), storage.NewMemory(), mustLocal(t)} {
		want := bytes.Repeat([]byte("0123456789"), []int{100, 100, 10_000, 10_000}[i])
		if _, err := record.Write(ctx, st, "b", record.Meta{}, nil, want, storage.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		var a, b []byte
		if _, err := record.Read(ctx, st, "b", nil, &a); err != nil {
			t.Fatal(err)
		}
		a[0] = 'X'
		if _, err := record.Read(ctx, st, "b", nil, &b); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, want) {
			t.Fatalf("%s: a second read sees the first read's change", st)
		}
		rc, err := st.Get(ctx, "b")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(rc)
		rc.Close()
		raw[len(raw)-100] ^= 1 // inside the payload
		if err := st.Put(ctx, "b", bytes.NewReader(raw), storage.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		var c []byte
		if _, err := record.Read(ctx, st, "b", nil, &c); !errors.Is(err, record.ErrChecksum) {
			t.Fatalf("%s: damaged payload: err %v, %d bytes", st, err, len(c))
		}
	}
}

func mustLocal(t *testing.T) storage.Storage {
	st, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// A large payload, hashed while it is read: read back whole, and refused
// when a byte of it changed, early or late.
func TestReadLargeHashedWhileRead(t *testing.T) {
	ctx := context.Background()
	st := mustLocal(t)
	want := make([]byte, 40<<20)
	for i := range want {
		want[i] = byte(i * 7)
	}
	if _, err := record.Write(ctx, st, "big", record.Meta{}, nil, want, storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	var got []byte
	if _, err := record.Read(ctx, st, "big", nil, &got); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read back: err %v, equal %v", err, bytes.Equal(got, want))
	}
	file := filepath.Join(st.(*storage.Local).Base(), "big")
	good, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []int{1 << 20, len(good) - 49 - 1000, len(good) - 49} {
		bad := bytes.Clone(good)
		bad[at] ^= 0x40
		if err := os.WriteFile(file, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := record.Read(ctx, st, "big", nil, &got); !errors.Is(err, record.ErrChecksum) {
			t.Errorf("byte %d of %d changed: err %v", at, len(bad), err)
		}
	}
}
