package record_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

// jsonValues are values of several shapes, each with a pointer to a fresh
// zero value of its type to read it back into.
func jsonValues() []struct {
	name string
	v    any
	into func() any
} {
	type odd struct {
		Text  string            `json:"text"`
		Bytes []byte            `json:"bytes"`
		M     map[string]string `json:"m"`
		F     float64
	}
	return []struct {
		name string
		v    any
		into func() any
	}{
		{"string", "hello world", func() any { return new(string) }},
		{"int", 42, func() any { return new(int) }},
		{"float", 2.5, func() any { return new(float64) }},
		{"rows", rows(), func() any { return new([]Row) }},
		{"map", map[string][]int{"a": {1, 2}, "b": nil}, func() any { return new(map[string][]int) }},
		{"empty slice", []string{}, func() any { return new([]string) }},
		{"awkward", odd{Text: "quote \" newline \n tab \t <html> & ünï \u2028", Bytes: []byte{0, 1, 255}, M: map[string]string{"}": "{"}, F: -0.5}, func() any { return new(odd) }},
	}
}

// objectBytes returns the stored object at key.
func objectBytes(t testing.TB, st storage.Storage, key string) []byte {
	t.Helper()
	rc, err := st.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jsonDoc is the document a JSON-framed record is, as standard tools see it.
type jsonDoc struct {
	Resultgen int `json:"resultgen"`
	MetaSize  int `json:"meta_size"`
	Meta      struct {
		Serializer *serializer.Spec  `json:"serializer"`
		GoType     string            `json:"go_type"`
		Task       string            `json:"task"`
		Func       string            `json:"func"`
		TypeHash   string            `json:"type_hash"`
		Type       string            `json:"type"`
		Key        string            `json:"key"`
		Created    time.Time         `json:"created"`
		Expires    *time.Time        `json:"expires"`
		Literal    *string           `json:"literal"`
		Labels     map[string]string `json:"labels"`
		Writer     string            `json:"writer"`
	} `json:"meta"`
	MetaCRC32C    string          `json:"meta_crc32c"`
	Value         json.RawMessage `json:"value"`
	Size          int64           `json:"size"`
	XXH3128       string          `json:"xxh3_128_1mib"`
	TrailerCRC32C string          `json:"trailer_crc32c"`
}

func TestJSONRecordIsJSON(t *testing.T) {
	ctx := context.Background()
	for _, sc := range stores() {
		st := sc.new(t)
		for _, tc := range jsonValues() {
			t.Run(sc.name+"/"+tc.name, func(t *testing.T) {
				key := "json/" + strings.ReplaceAll(tc.name, " ", "-") + ".json"
				created := time.Date(2026, 5, 6, 7, 8, 9, 10, time.UTC)
				in := record.Meta{
					Task: "load", Func: "example.com/app.Load", TypeHash: "sha256:abc", TypeDesc: "struct{...}",
					Created: created, Expires: created.Add(time.Hour), Labels: map[string]string{"flow_run": "ünï"},
				}
				wm, err := record.Write(ctx, st, key, in, serializer.JSON(), tc.v, storage.PutOptions{})
				if err != nil {
					t.Fatal(err)
				}
				var enc bytes.Buffer
				if err := serializer.JSON().Encode(&enc, tc.v); err != nil {
					t.Fatal(err)
				}
				b := objectBytes(t, st, key)
				if !bytes.HasPrefix(b, []byte(`{"resultgen":3,"meta_size":`)) || !bytes.HasSuffix(b, []byte("}\n")) {
					t.Errorf("not a JSON record:\n%s", b)
				}
				// The value is the serializer's output, byte for byte.
				if !bytes.Contains(b, append(append([]byte(`"value":`), enc.Bytes()...), `,"size":`...)) {
					t.Errorf("value not stored verbatim:\n%s\nwant %s", b, enc.Bytes())
				}
				// jq .value, in Go: the file is one JSON document.
				dec := json.NewDecoder(bytes.NewReader(b))
				dec.DisallowUnknownFields()
				var doc jsonDoc
				if err := dec.Decode(&doc); err != nil {
					t.Fatalf("the record does not parse as JSON: %v\n%s", err, b)
				}
				if dec.More() || int(dec.InputOffset()) != len(b)-1 {
					t.Errorf("data after the document (offset %d of %d)", dec.InputOffset(), len(b))
				}
				var compact bytes.Buffer
				if err := json.Compact(&compact, enc.Bytes()); err != nil {
					t.Fatal(err)
				}
				if string(bytes.TrimSpace(doc.Value)) != compact.String() {
					t.Errorf(".value = %s, want %s", doc.Value, compact.String())
				}
				if doc.Resultgen != 3 || doc.Size != int64(enc.Len()) || doc.XXH3128 != chunkedXXH3(enc.Bytes()) || len(doc.MetaCRC32C) != 8 || len(doc.TrailerCRC32C) != 8 {
					t.Errorf("document fields %+v", doc)
				}
				m := doc.Meta
				if m.Serializer == nil || m.Serializer.String() != "json" || m.GoType != wm.GoType || m.Task != "load" || m.Func != in.Func ||
					m.TypeHash != in.TypeHash || m.Type != in.TypeDesc || m.Key != key || !m.Created.Equal(created) ||
					m.Expires == nil || !m.Expires.Equal(in.Expires) || m.Literal != nil || m.Labels["flow_run"] != "ünï" {
					t.Errorf(".meta = %+v", m)
				}
				if wm.Size != doc.Size || wm.Checksum != "xxh3-128-1mib:"+doc.XXH3128 {
					t.Errorf("Write returned %+v", wm)
				}

				got := tc.into()
				rm, err := record.Read(ctx, st, key, serializer.JSON(), got)
				if err != nil {
					t.Fatal(err)
				}
				if want := reflect.ValueOf(tc.v); !reflect.DeepEqual(reflect.ValueOf(got).Elem().Interface(), want.Interface()) {
					if tc.name != "rows" || !sameRows(*got.(*[]Row), rows()) {
						t.Errorf("Read %#v, want %#v", reflect.ValueOf(got).Elem().Interface(), tc.v)
					}
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
				want := wm
				if info, err := st.Stat(ctx, key); err == nil && info.Metadata[record.MetaVersion] != "" {
					want.TypeDesc = "" // from object metadata, which omits it
				}
				checkMeta(t, "Head", hm, want, false)
				dm, payload, err := record.Decode(bytes.NewReader(b))
				if err != nil || !bytes.Equal(payload, enc.Bytes()) {
					t.Errorf("Decode: %q, %v", payload, err)
				}
				checkMeta(t, "Decode", dm, wm, true)
			})
		}
	}
}

// Other serializers, compressed json and literals keep the binary framing.
func TestBinaryFramingKept(t *testing.T) {
	ctx := context.Background()
	st := storage.NewMemory()
	for _, ser := range serializers(t) {
		if _, err := record.Write(ctx, st, "k", record.Meta{}, ser, rows(), storage.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		b := objectBytes(t, st, "k")
		if isJSON := ser.Spec().String() == "json"; isJSON != bytes.HasPrefix(b, []byte(`{"resultgen":3,`)) || !isJSON && !bytes.HasPrefix(b, []byte("RGRESULT")) {
			t.Errorf("%s: record starts %q", ser.Spec(), b[:16])
		}
	}
	if _, err := record.WriteLiteral(ctx, st, "lit", record.Meta{}, "true", storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if b := objectBytes(t, st, "lit"); !bytes.HasPrefix(b, []byte("RGRESULT")) {
		t.Errorf("literal record starts %q", b[:16])
	}
	// Object metadata is the same for both framings.
	if _, err := record.Write(ctx, st, "j", record.Meta{Task: "t"}, serializer.JSON(), 1, storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	info, err := st.Stat(ctx, "j")
	if err != nil {
		t.Fatal(err)
	}
	if info.Metadata[record.MetaVersion] != "3" || info.Metadata[record.MetaSerializer] != "json" || info.Metadata[record.MetaTask] != "t" {
		t.Errorf("object metadata %v", info.Metadata)
	}
}

// bareJSON is a serializer that calls itself json and writes no newline.
type bareJSON struct{}

func (bareJSON) Spec() serializer.Spec { return serializer.Spec{Type: serializer.JSONName} }
func (bareJSON) Encode(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err == nil {
		_, err = w.Write(b)
	}
	return err
}
func (bareJSON) Decode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

func TestJSONValueWithoutNewline(t *testing.T) {
	ctx := context.Background()
	st := storage.NewMemory()
	if _, err := record.Write(ctx, st, "k", record.Meta{}, bareJSON{}, []int{1, 2}, storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	b := objectBytes(t, st, "k")
	if !bytes.Contains(b, []byte(`"value":[1,2],"size":`)) || !json.Valid(bytes.TrimSuffix(b, []byte("\n"))) {
		t.Errorf("record:\n%s", b)
	}
	var got []int
	if _, err := record.Read(ctx, st, "k", nil, &got); err != nil || !reflect.DeepEqual(got, []int{1, 2}) {
		t.Errorf("Read %v, %v", got, err)
	}
}

// TestJQ runs the real jq on a record, when jq is installed.
func TestJQ(t *testing.T) {
	jq, err := exec.LookPath("jq")
	if err != nil {
		t.Skip("jq is not installed")
	}
	dir := t.TempDir()
	st, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	v := map[string]any{"greeting": "hello world", "n": []int{1, 2, 3}}
	if _, err := record.Write(context.Background(), st, "hello-world.json", record.Meta{Task: "Hello"}, serializer.JSON(), v, storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "hello-world.json")
	for _, tc := range []struct{ filter, want string }{
		{".value", `{"greeting":"hello world","n":[1,2,3]}`},
		{".value.greeting", `"hello world"`},
		{".meta.task", `"Hello"`},
		{".meta.serializer.type", `"json"`},
		{".size", fmt.Sprint(len(`{"greeting":"hello world","n":[1,2,3]}` + "\n"))},
	} {
		out, err := exec.Command(jq, "-c", tc.filter, path).Output()
		if err != nil {
			t.Fatalf("jq -c %s: %v", tc.filter, err)
		}
		if got := strings.TrimSpace(string(out)); got != tc.want {
			t.Errorf("jq -c %s = %s, want %s", tc.filter, got, tc.want)
		}
	}
}

// smallJSON returns the bytes of a small valid JSON-framed record.
func smallJSON(t testing.TB) []byte {
	st := storage.NewMemory()
	meta := record.Meta{Task: "t", Func: "example.com/app.F", TypeHash: "sha256:00", TypeDesc: "[]Row", Labels: map[string]string{"l": "v"}}
	if _, err := record.Write(context.Background(), st, "small", meta, serializer.JSON(), rows(), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	return objectBytes(t, st, "small")
}

// jsonParts returns where a JSON record's header, value and trailer start.
func jsonParts(t testing.TB, b []byte) (header, value, trailer int) {
	t.Helper()
	i := bytes.Index(b, []byte(`,"meta":`))
	j := bytes.Index(b, []byte(`","value":`))
	k := bytes.LastIndex(b, []byte(`,"size":`))
	if i < 0 || j < 0 || k < 0 {
		t.Fatalf("not a JSON record:\n%s", b)
	}
	return i + len(`,"meta":`), j + len(`","value":`), k
}

// A JSON record cut short before its header's meta_crc32c is whole proves
// nothing: foreign (ErrNotRecord). Cut after it, it is ours, truncated.
func TestJSONTruncated(t *testing.T) {
	full := smallJSON(t)
	rs := newReaders(t)
	_, value, _ := jsonParts(t, full)
	for n := range len(full) {
		for what, err := range rs.readAll(t, full[:n]) {
			want, not := record.ErrTruncated, false
			if n < value {
				want, not = record.ErrNotRecord, true
			}
			if !errors.Is(err, record.ErrCorrupt) || !errors.Is(err, want) || errors.Is(err, record.ErrNotRecord) != not {
				t.Fatalf("%s of the first %d of %d bytes: %v, want %v", what, n, len(full), err, want)
			}
			var ce *record.CorruptError
			if !errors.As(err, &ce) || (strings.HasPrefix(what, "Read") && ce.Key != "bad/key") {
				t.Errorf("%s: %v is not a *CorruptError naming the key", what, err)
			}
		}
	}
}

func TestJSONBitFlips(t *testing.T) {
	full := smallJSON(t)
	rs := newReaders(t)
	_, valueStart, valueEnd := jsonParts(t, full)
	for i := range full {
		b := bytes.Clone(full)
		bit := i % 8
		b[i] ^= 1 << bit
		for what, err := range rs.readAll(t, b) {
			ranged := what == "ReadMeta/local" || what == "ReadMeta/memory"
			if ranged && i >= valueStart && i < valueEnd {
				if err != nil { // a ranged ReadMeta does not read the value
					t.Errorf("%s with value byte %d flipped: %v", what, i, err)
				}
				continue
			}
			if !errors.Is(err, record.ErrCorrupt) {
				t.Fatalf("%s with byte %d bit %d flipped: %v, want ErrCorrupt", what, i, bit, err)
			}
		}
	}
}

func TestJSONFlipKinds(t *testing.T) {
	full := smallJSON(t)
	rs := newReaders(t)
	header, value, trailer := jsonParts(t, full)
	crcAt := header + bytes.Index(full[header:], []byte(`"meta_crc32c":"`)) + len(`"meta_crc32c":"`)
	// a hex letter of the CRC in the other case; a CRC written in digits
	// alone (one record in 40) has none, and the case is skipped
	caseAt := bytes.IndexAny(full[crcAt:crcAt+8], "abcdef")
	if caseAt >= 0 {
		caseAt += crcAt
	}
	for _, tc := range []struct {
		name string
		at   int
		flip byte
		want error
	}{
		{"meta", header + 5, 0x01, record.ErrChecksum},
		{"meta_size", 33, 0x01, record.ErrCorrupt},
		{"meta_crc32c", crcAt + 1, 0x01, record.ErrChecksum},
		{"meta_crc32c case", caseAt, 0x20, record.ErrChecksum},
		{"value", value + 3, 0x01, record.ErrChecksum},
		{"size", trailer + len(`,"size":`) + 19, 0x01, record.ErrChecksum},
		{"xxh3_128_1mib", trailer + 50, 0x01, record.ErrChecksum},
		{"digest padding", trailer + 90, 0x01, record.ErrTruncated},
		{"trailer_crc32c", len(full) - 6, 0x01, record.ErrChecksum},
		{"closing brace", len(full) - 2, 0x01, record.ErrTruncated},
		{"final newline", len(full) - 1, 0x01, record.ErrTruncated},
		{"value key", value - 3, 0x01, record.ErrCorrupt},
		// "3" becomes "2", and the header CRC, which covers it, fails:
		// damage, not a version this reader does not know
		{"version", len(`{"resultgen":`), 0x01, record.ErrChecksum},
	} {
		if tc.at < 0 && tc.name == "meta_crc32c case" {
			continue
		}
		if tc.at < 0 {
			t.Fatalf("%s: no byte to flip", tc.name)
		}
		b := bytes.Clone(full)
		b[tc.at] ^= tc.flip
		for what, err := range rs.readAll(t, b) {
			if tc.name == "value" && (what == "ReadMeta/local" || what == "ReadMeta/memory") {
				if err != nil {
					t.Errorf("%s of a record with a damaged value: %v", what, err)
				}
				continue
			}
			if !errors.Is(err, tc.want) || !errors.Is(err, record.ErrCorrupt) || errors.Is(err, record.ErrNotRecord) {
				t.Errorf("%s with a flipped %s: %v, want %v", what, tc.name, err, tc.want)
			}
			if tc.want != record.ErrVersion && (errors.Is(err, record.ErrVersion) || strings.Contains(fmt.Sprint(err), "unsupported")) {
				t.Errorf("%s with a flipped %s: %v, want no word of an unsupported version", what, tc.name, err)
			}
		}
	}
}

// A version-12 record with its meta_crc32c (as a writer of version 12
// with this layout computes it) is ErrVersion; the same bytes without it
// are a damaged record of version 3.
func TestJSONWrongVersion(t *testing.T) {
	full := smallJSON(t)
	b := append([]byte(`{"resultgen":12,`), full[len(`{"resultgen":1,`):]...)
	for what, err := range newReaders(t).readAll(t, b) {
		if !errors.Is(err, record.ErrChecksum) || errors.Is(err, record.ErrVersion) || errors.Is(err, record.ErrNotRecord) {
			t.Errorf("%s of a version-12 record without its CRC: %v, want a checksum mismatch", what, err)
		}
	}
	crcAt := bytes.Index(b, []byte(`,"meta_crc32c":"`))
	crc := crc32.Checksum(b[:crcAt], crc32.MakeTable(crc32.Castagnoli))
	copy(b[crcAt+len(`,"meta_crc32c":"`):], fmt.Sprintf("%08x", crc))
	for what, err := range newReaders(t).readAll(t, b) {
		if !errors.Is(err, record.ErrVersion) || !strings.Contains(err.Error(), "version 12") {
			t.Errorf("%s of a version-12 record: %v, want ErrVersion", what, err)
		}
	}
}

// A JSON file that is not a record is ErrNotRecord, never a damaged record
// (which the runtime would replace).
func TestJSONForeignFiles(t *testing.T) {
	rs := newReaders(t)
	for _, doc := range []string{
		`{"resultgen": "x"}`,
		`{"resultgen":"1","meta_size":1}`,
		`{"a":1}`,
		`{}`,
		`[1,2,3]`,
		`{"resultgen":1}`,
		`{"resultgen":1,"meta":{"key":"k"},"value":1}`,
		`{"resultgen":01,"meta_size":1,"meta":{}}`,
		`{"resultgen":123456,"meta_size":1,"meta":{}}`,
		`{"resultgen":1, "meta_size":      2,"meta":{}}`,
		` {"resultgen":1,"meta_size":      2,"meta":{}}`,
		`{"resultgen"`,
		`{"result`,
		"{",
	} {
		for what, err := range rs.readAll(t, []byte(doc)) {
			if !errors.Is(err, record.ErrNotRecord) || !errors.Is(err, record.ErrCorrupt) {
				t.Errorf("%s of %s: %v, want ErrNotRecord", what, doc, err)
			}
		}
		st := plainStore{storage.NewMemory()}
		if err := st.Put(context.Background(), "f.json", strings.NewReader(doc), storage.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := record.Head(context.Background(), st, "f.json"); !errors.Is(err, record.ErrNotRecord) {
			t.Errorf("Head of %s: %v, want ErrNotRecord", doc, err)
		}
	}
	// Our prefix, cut short before the header's CRC: nothing proves a
	// record of ours, so it is foreign too, and the error says how it
	// looks.
	for _, doc := range []string{`{"resultgen":`, `{"resultgen":1`, `{"resultgen":1,"meta_size":`, `{"resultgen":1,"meta_size":    123,"meta":{"key"`} {
		for what, err := range rs.readAll(t, []byte(doc)) {
			if !errors.Is(err, record.ErrNotRecord) || !strings.Contains(fmt.Sprint(err), "starts like a record, but it ends") {
				t.Errorf("%s of %s: %v, want ErrNotRecord saying it is cut short", what, doc, err)
			}
		}
	}
}

// countingStore counts the bytes read through Get and GetRange.
type countingStore struct {
	storage.Storage
	rg   storage.RangeGetter // nil: not a RangeGetter
	read *atomic.Int64
}

type countingReader struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c countingStore) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	rc, err := c.Storage.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	return countingReader{rc, c.read}, nil
}

type rangedCountingStore struct{ countingStore }

func (c rangedCountingStore) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	rc, err := c.rg.GetRange(ctx, key, off, n)
	if err != nil {
		return nil, err
	}
	return countingReader{rc, c.read}, nil
}

// Head, ReadMeta and a refused ReadChecked read a large JSON record's ends,
// not its value.
func TestJSONReadsOnlyTheEnds(t *testing.T) {
	ctx := context.Background()
	mem := storage.NewMemory()
	big := strings.Repeat("x", 4<<20)
	meta := record.Meta{Task: "t", TypeHash: "sha256:ff", Labels: map[string]string{"big": strings.Repeat("y", 10_000)}}
	wm, err := record.Write(ctx, mem, "big.json", meta, serializer.JSON(), big, storage.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	plain := countingStore{Storage: plainStore{mem}, read: &n}
	ranged := rangedCountingStore{countingStore{Storage: plainStore{mem}, rg: mem, read: &n}}
	const budget = 32 << 10 // the header (with its 10 KB label), the trailer, read-ahead

	n.Store(0)
	m, err := record.ReadMeta(ctx, ranged, "big.json")
	if err != nil || m.Size != wm.Size || m.Checksum != wm.Checksum {
		t.Fatalf("ReadMeta: %+v, %v", m, err)
	}
	if n.Load() > budget {
		t.Errorf("ranged ReadMeta read %d bytes", n.Load())
	}
	n.Store(0)
	if m, err := record.Head(ctx, plain, "big.json"); err != nil || m.TypeHash != "sha256:ff" {
		t.Fatalf("Head: %+v, %v", m, err)
	}
	if n.Load() > budget {
		t.Errorf("Head read %d bytes", n.Load())
	}
	for _, st := range []storage.Storage{plain, ranged} {
		n.Store(0)
		var got string
		refuse := errors.New("not this type")
		var seen record.Meta
		_, err = record.ReadChecked(ctx, st, "big.json", nil, &got, func(m *record.Meta) error { seen = *m; return refuse })
		if !errors.Is(err, refuse) || got != "" || seen.TypeHash != "sha256:ff" || seen.Labels["big"] == "" {
			t.Errorf("ReadChecked: %v, accept saw %+v", err, seen.Task)
		}
		if n.Load() > budget {
			t.Errorf("refused ReadChecked read %d bytes", n.Load())
		}
	}
}

// streamJSON is a json serializer that writes a large array in small
// pieces, like a streaming encoder: it never holds its output whole.
type streamJSON struct{ n int }

func (streamJSON) Spec() serializer.Spec { return serializer.Spec{Type: serializer.JSONName} }
func (s streamJSON) Encode(w io.Writer, _ any) error {
	chunk := []byte(strings.Repeat("0,", 2048))
	if _, err := w.Write([]byte("[")); err != nil {
		return err
	}
	for range s.n / len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			return err
		}
	}
	_, err := w.Write([]byte("0]\n"))
	return err
}
func (streamJSON) Decode(io.Reader, any) error { return errors.New("not used") }

// Writing a JSON record streams the value into storage: the write holds
// nothing near the value's size.
func TestJSONWriteStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 16 MiB")
	}
	const size = 16 << 20
	dir := t.TempDir()
	st, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wm record.Meta
	peak := peakHeap(func() {
		if wm, err = record.Write(ctx, st, "stream.json", record.Meta{}, streamJSON{size}, 0, storage.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	if wm.Size < size || peak > size/8 {
		t.Errorf("wrote %d bytes with a peak heap of %d", wm.Size, peak)
	}
	// The file is the record, the value in it verbatim.
	b, err := os.ReadFile(filepath.Join(dir, "stream.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, v, tr := jsonParts(t, b); string(b[v:v+5]) != "[0,0," || string(b[tr-3:tr]) != "0]\n" || int64(tr-v) != wm.Size {
		t.Errorf("value from %d to %d, size %d", v, tr, wm.Size)
	}
	t.Logf("peak heap while writing %d bytes: %d", wm.Size, peak)
	if m, err := record.ReadMeta(ctx, st, "stream.json"); err != nil || m.Checksum != wm.Checksum {
		t.Errorf("ReadMeta %+v, %v", m, err)
	}
}
