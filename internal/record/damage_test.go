package record_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/storage"
)

// damaged reports whether err says "a damaged record": ErrCorrupt, and not
// ErrNotRecord.
func damaged(err error) bool {
	return errors.Is(err, record.ErrCorrupt) && !errors.Is(err, record.ErrNotRecord)
}

// One flipped bit in a binary record's magic is damage, not a foreign
// object, for every reader: the header CRC behind it is intact.
func TestFlippedMagicIsDamage(t *testing.T) {
	full, _ := small(t)
	rs := newReaders(t)
	for i := range 8 {
		for bit := range 8 {
			b := bytes.Clone(full)
			b[i] ^= 1 << bit
			for what, err := range rs.readAll(t, b) {
				if !damaged(err) {
					t.Errorf("%s with magic byte %d bit %d flipped: %v, want a damaged record", what, i, bit, err)
				}
			}
		}
	}
}

// One flipped bit anywhere in a JSON record's 42-byte prefix is damage.
func TestFlippedJSONPrefixIsDamage(t *testing.T) {
	full := smallJSON(t)
	rs := newReaders(t)
	for i := range 42 {
		for bit := range 8 {
			b := bytes.Clone(full)
			b[i] ^= 1 << bit
			for what, err := range rs.readAll(t, b) {
				if !damaged(err) {
					t.Errorf("%s with prefix byte %d bit %d flipped (%q): %v, want a damaged record", what, i, bit, b[:42], err)
				}
			}
		}
	}
}

// A start damaged past its header CRC is still told by an intact trailer,
// by every reader: those of a store read the object's end (ranged or
// whole), Decode reads its stream to the end.
func TestDamagedStartIntactTrailer(t *testing.T) {
	bin, _ := small(t)
	for name, full := range map[string][]byte{"binary": bin, "json": smallJSON(t)} {
		b := bytes.Clone(full)
		copy(b, bytes.Repeat([]byte{0}, 60))
		for what, err := range newReaders(t).readAll(t, b) {
			if !damaged(err) {
				t.Errorf("%s %s with its first 60 bytes zeroed: %v, want a damaged record", name, what, err)
			}
		}
		st := storage.NewMemory()
		if err := st.Put(context.Background(), "k", bytes.NewReader(b), storage.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := record.Head(context.Background(), st, "k"); !damaged(err) {
			t.Errorf("Head of a %s record with a zeroed start: %v, want a damaged record", name, err)
		}
		_, err := record.NewReader(bytes.NewReader(b))
		if !errors.Is(err, record.ErrNotRecord) {
			t.Errorf("NewReader of a %s record with a zeroed start: %v, want ErrNotRecord (it reads no further)", name, err)
		}
		if err = record.Classify(context.Background(), st, "k", err); !damaged(err) {
			t.Errorf("Classify of a %s record with a zeroed start: %v, want a damaged record", name, err)
		}
	}
}

// Foreign files that look a little like records stay foreign.
func TestForeignStaysForeign(t *testing.T) {
	full, _ := small(t)
	jfull := smallJSON(t)
	bad := bytes.Clone(full[:60])
	bad[20] ^= 1 // header damaged too: its CRC fails, and the end is no trailer
	copy(bad, "NOTARECD")
	for name, data := range map[string][]byte{
		"text":                       []byte("hello, world: not a record at all, just text\n"),
		"version and brace":          []byte("ABCDEFGH\x00\x01\x00\x00\x00\x05{\"a\":1}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
		"bad header CRC":             bad,
		"end magic only":             append([]byte(strings.Repeat("x", 100)), "RGND"...),
		"json prefix, no crc":        append(append([]byte(`{"resultgen":2 ,"meta_size":      2,"meta":{}`), strings.Repeat(" ", 40)...), '}'),
		"json without our structure": []byte(`{"resultgen":"1","meta_size":1,"meta":{},"meta_crc32c":"00000000","value":1}`),
		"record prefix in a text":    append([]byte("see: "), jfull[:200]...),
	} {
		for what, err := range newReaders(t).readAll(t, data) {
			if !errors.Is(err, record.ErrNotRecord) {
				t.Errorf("%s: %s: %v, want ErrNotRecord", name, what, err)
			}
		}
	}
}

// Short objects that start like a record but prove nothing (issue 20: the
// runtime replaced them as truncated records) are foreign for every
// reader; zero-filled ones say so (ErrZeroFilled, which is ErrNotRecord
// too).
func TestShortLookalikesAreForeign(t *testing.T) {
	rs := newReaders(t)
	for _, tc := range []struct {
		name string
		data []byte
		zero bool
	}{
		{"empty", []byte{}, false},
		{"R", []byte("R"), false},
		{"magic", []byte("RGRESULT"), false},
		{"magic and garbage", []byte("RGRESULT\x00\x01garbage"), false},
		{"binary prefix and a header with a wrong CRC", []byte("RGRESULT\x00\x01\x00\x00\x00\x02{}\x00\x00\x00\x00"), false},
		{"json magic", []byte(`{"resultgen":`), false},
		{"json prefix", []byte(`{"resultgen":1,"meta_size":`), false},
		{"json prefix and a header with a wrong CRC", []byte(`{"resultgen":1,"meta_size":      2,"meta":{},"meta_crc32c":"00000000","value":1}`), false},
		{"one zero byte", []byte{0}, true},
		{"zero filled", make([]byte, 100_000), true},
	} {
		for what, err := range rs.readAll(t, tc.data) {
			if !errors.Is(err, record.ErrNotRecord) || errors.Is(err, record.ErrZeroFilled) != tc.zero {
				t.Errorf("%s: %s: %v, want ErrNotRecord (zero-filled: %v)", tc.name, what, err, tc.zero)
			}
			if tc.zero && !strings.Contains(fmt.Sprint(err), "all zero") && !strings.Contains(fmt.Sprint(err), "byte is zero") {
				t.Errorf("%s: %s: %v does not say the object is all zero", tc.name, what, err)
			}
		}
	}
}

// Every single-bit flip of the version field, binary or JSON, is damage
// (the header CRC covers the version; the trailer proves the record ours),
// never "unsupported format version".
func TestFlippedVersionIsDamage(t *testing.T) {
	bin, _ := small(t)
	rs := newReaders(t)
	for name, tc := range map[string]struct {
		full  []byte
		bytes []int
	}{"binary": {bin, []int{8, 9}}, "json": {smallJSON(t), []int{len(`{"resultgen":`)}}} {
		for _, i := range tc.bytes {
			for bit := range 8 {
				b := bytes.Clone(tc.full)
				b[i] ^= 1 << bit
				for what, err := range rs.readAll(t, b) {
					if !damaged(err) || errors.Is(err, record.ErrVersion) || strings.Contains(err.Error(), "unsupported") {
						t.Errorf("%s %s with byte %d bit %d flipped: %v, want a damaged record, no unsupported version", name, what, i, bit, err)
					}
				}
			}
		}
	}
}
