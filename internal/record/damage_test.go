package record_test

import (
	"bytes"
	"context"
	"errors"
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
// by the readers that can read the object's end (a RangeGetter store);
// a bare stream cannot tell it from a foreign file.
func TestDamagedStartIntactTrailer(t *testing.T) {
	bin, _ := small(t)
	for name, full := range map[string][]byte{"binary": bin, "json": smallJSON(t)} {
		b := bytes.Clone(full)
		copy(b, bytes.Repeat([]byte{0}, 60))
		for what, err := range newReaders(t).readAll(t, b) {
			ranged := strings.HasSuffix(what, "/local") || strings.HasSuffix(what, "/memory")
			switch {
			case ranged && !damaged(err):
				t.Errorf("%s %s with its first 60 bytes zeroed: %v, want a damaged record", name, what, err)
			case !ranged && !errors.Is(err, record.ErrNotRecord):
				t.Errorf("%s %s with its first 60 bytes zeroed: %v, want ErrNotRecord", name, what, err)
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
