package record

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/resultgen/resultgen/runtime/storage"
)

// Telling a damaged record from a foreign object (see "Damaged or foreign"
// in the package doc). An object is foreign (ErrNotRecord) unless a
// CRC-checked part that only a writer of this package produces proves it a
// record: its header (checked by the readers, and by damagedStart behind a
// damaged start) or its trailer (Classify). Then it is damaged (ErrCorrupt
// without ErrNotRecord), so the runtime replaces it and `results verify`
// reports it, while a user's file is never touched.

// damagedStart is called when got, the first bytes read from an object, are
// not a record's start; rest holds the object's remaining bytes. It looks
// for an intact header behind a damaged start and returns a *CorruptError
// when it finds one, nil otherwise (the object is foreign):
//
//   - binary framing: bytes 8 to 14 hold version 1 and a header length of
//     at most MaxHeaderSize, the header is a JSON object that parses, and
//     the header CRC (which covers everything after the magic) matches;
//   - JSON framing: the fixed text of the 42-byte prefix differs from the
//     record's in at most maxPrefixDamage bytes (so a foreign file is not
//     read further), and for some candidate header end, the meta_crc32c
//     computed over the prefix as a writer spells it plus the header
//     matches the stored one, and the header parses.
//
// A CRC-32C matching by chance has odds of 1 in 2^32, on top of the fixed
// bytes and the header parsing. It reads at most MaxHeaderSize plus a few
// dozen bytes from rest.
func damagedStart(got []byte, rest io.Reader, key string) error {
	r := io.MultiReader(bytes.NewReader(got), rest)
	buf := make([]byte, jsonPrefixSize)
	n, err := io.ReadFull(r, buf)
	if err != nil && !isShort(err) {
		return nil
	}
	buf = buf[:n]
	if n > prefixSize && knownVersion(int(binary.BigEndian.Uint16(buf[8:10]))) && buf[prefixSize] == '{' {
		hlen := int(binary.BigEndian.Uint32(buf[10:14]))
		if hlen > MaxHeaderSize {
			return nil
		}
		b := make([]byte, prefixSize+hlen+crcSize)
		m := copy(b, buf)
		if m < len(b) {
			if _, err := io.ReadFull(r, b[m:]); err != nil {
				return nil
			}
		}
		js := b[prefixSize : prefixSize+hlen]
		crc := crc32.Checksum(b[len(magic):prefixSize+hlen], castagnoli)
		if crc != binary.BigEndian.Uint32(b[prefixSize+hlen:]) {
			return nil
		}
		if _, err := parseHeader(js); err != nil {
			return nil
		}
		return corrupt(key, 0, nil, fmt.Sprintf("damaged record: the magic reads %q, not %q, but the header and its CRC are intact", buf[:len(magic)], magic))
	}
	if n < jsonPrefixSize || jsonPrefixDamage(buf) > maxPrefixDamage {
		return nil
	}
	// One read of the bound, not io.ReadAll: a ranged reader (ReadMeta's
	// headReader) serves one request beyond its first range.
	more := make([]byte, MaxHeaderSize+jsonMidSize)
	m, err := io.ReadFull(r, more)
	if err != nil && !isShort(err) {
		return nil
	}
	more = more[:m]
	for from := 0; ; {
		i := bytes.Index(more[from:], []byte(jsonMetaCRC))
		if i < 0 {
			return nil
		}
		h := from + i
		from = h + 1
		if len(more) < h+jsonMidSize || string(more[h+len(jsonMetaCRC)+8:h+jsonMidSize]) != jsonValueKey {
			continue
		}
		stored, ok := parseHex32(more[h+len(jsonMetaCRC) : h+len(jsonMetaCRC)+8])
		if !ok {
			continue
		}
		matched := false
		for v := 1; v <= Version; v++ { // the prefix as a writer of each version spells it
			canonical := fmt.Appendf([]byte(jsonMagic), "%d%s%*d%s", v, jsonIDTail, jsonHeadWidth, h, jsonMetaKey)
			if crc32.Update(crc32.Checksum(canonical, castagnoli), castagnoli, more[:h]) == stored {
				matched = true
			}
		}
		if !matched {
			continue
		}
		if _, err := parseHeader(more[:h]); err != nil {
			continue
		}
		return corrupt(key, 0, nil, fmt.Sprintf("damaged record: its JSON prefix reads %q, but the header and its CRC are intact", buf))
	}
}

// maxPrefixDamage is how many bytes of a JSON record's fixed prefix text
// may differ for damagedStart to look for the header behind it.
const maxPrefixDamage = 4

// jsonPrefixDamage counts the bytes of b (jsonPrefixSize long) that differ
// from a JSON record's fixed prefix text, the header length aside.
func jsonPrefixDamage(b []byte) int {
	d := 0
	for i := range len(jsonPrefix) {
		if b[i] != jsonPrefix[i] && (i != len(jsonMagic) || !knownVersion(int(b[i])-'0')) {
			d++ // the version digit of any version this package reads is no damage
		}
	}
	for i := range len(jsonMetaKey) {
		if b[jsonPrefixSize-len(jsonMetaKey)+i] != jsonMetaKey[i] {
			d++
		}
	}
	return d
}

// Classify refines err, an error of reading the object at key in st, when
// err says the object is not a record (ErrNotRecord): nothing at its start
// proves that resultgen wrote it. It looks at the object's end:
//
//   - an intact trailer of either framing (its fixed text and its CRC
//     match, and the payload length it states fits in the object) proves
//     it ours: Classify returns a *CorruptError of a damaged record
//     (ErrCorrupt, not ErrNotRecord), of the kind the start showed (a
//     header CRC that fails is ErrChecksum);
//   - an object of zero bytes only gives ErrZeroFilled (which matches
//     ErrNotRecord too): still foreign, and said so, since it fails every
//     run of its key until it is removed;
//
// otherwise it returns err. It reads the object's last bytes with one
// ranged read on a storage.RangeGetter, else the whole object once; the
// zero check reads until the first byte that is not zero (at most
// zeroCheckMax bytes).
//
// Head, ReadMeta, Read and ReadChecked classify their errors so already;
// callers that read through NewReader call Classify themselves.
func Classify(ctx context.Context, st storage.Storage, key string, err error) error {
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.Kind != ErrNotRecord {
		return err
	}
	rg, ok := st.(storage.RangeGetter)
	if !ok {
		// Read it whole, keeping its last bytes.
		rc, gerr := st.Get(ctx, key)
		if gerr != nil {
			return err
		}
		defer rc.Close()
		tk := &tailKeeper{r: rc}
		return tk.classifyAs(err, key)
	}
	info, serr := st.Stat(ctx, key)
	if serr != nil {
		return err
	}
	total := info.Size
	if b, ok := lastBytes(ctx, rg, key, total); ok {
		if what, ok := endsLikeRecord(b, total); ok {
			return ce.asDamaged(key, what)
		}
	}
	if total > 0 && total <= zeroCheckMax && zeroFilled(ctx, rg, key, total) {
		return zeroError(key, total)
	}
	return err
}

// zeroCheckMax is the largest object Classify reads through to tell
// whether it holds zero bytes only.
const zeroCheckMax = 256 << 20

// asDamaged is the error of e's object once its trailer, of framing what,
// proved it ours: a damaged record.
func (e *CorruptError) asDamaged(key, what string) *CorruptError {
	return corrupt(key, e.Offset, e.damage, "damaged record: "+e.what+", but it ends with an intact "+what+" trailer")
}

func zeroError(key string, total int64) *CorruptError {
	what := fmt.Sprintf("its %d bytes are all zero", total)
	if total == 1 {
		what = "its one byte is zero"
	}
	return corrupt(key, 0, ErrZeroFilled, what+", as a crash of the machine can leave a file that was being written")
}

// lastBytes reads the last bytes of the object of total bytes at key:
// enough for a trailer of either framing.
func lastBytes(ctx context.Context, rg storage.RangeGetter, key string, total int64) ([]byte, bool) {
	n := min(int64(tailSize), total)
	if n <= 0 {
		return nil, false
	}
	rc, err := rg.GetRange(ctx, key, total-n, n)
	if err != nil {
		return nil, false
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, n))
	if err != nil || int64(len(b)) != n {
		return nil, false
	}
	return b, true
}

// zeroFilled reports whether the object of total bytes at key holds zero
// bytes only: one read, stopped at the first other byte.
func zeroFilled(ctx context.Context, rg storage.RangeGetter, key string, total int64) bool {
	rc, err := rg.GetRange(ctx, key, 0, total)
	if err != nil {
		return false
	}
	defer rc.Close()
	buf := make([]byte, min(total, 64<<10))
	for read := int64(0); read < total; {
		n, err := rc.Read(buf[:min(int64(len(buf)), total-read)])
		if !allZero(buf[:n]) {
			return false
		}
		read += int64(n)
		if err != nil {
			return err == io.EOF && read == total
		}
	}
	return true
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// tailSize is how many of an object's last bytes hold a trailer of either
// framing.
const tailSize = max(trailerSize, jsonTrailerLen)

// endsLikeRecord reports whether b, the last bytes of an object of total
// bytes, is an intact trailer, and of which framing.
func endsLikeRecord(b []byte, total int64) (string, bool) {
	if total < Overhead {
		return "", false
	}
	if len(b) >= trailerSize {
		if t, err := parseTrailer(b[len(b)-trailerSize:], "", 0); err == nil && t.size <= total-Overhead {
			return "binary", true
		}
	}
	const jsonOverhead = jsonPrefixSize + 2 + jsonMidSize + jsonTrailerLen // "{}" as the smallest header
	if len(b) >= jsonTrailerLen {
		if t, err := parseJSONTrailer(b[len(b)-jsonTrailerLen:], "", 0); err == nil && t.size <= total-int64(jsonOverhead) {
			return "JSON", true
		}
	}
	return "", false
}

// tailKeeper passes reads of r through, counting the bytes and keeping the
// last tailSize of them, and whether any was not zero: what Classify needs
// of a stream it can read only once.
type tailKeeper struct {
	r       io.Reader
	n       int64
	tail    []byte
	nonzero bool
}

func (t *tailKeeper) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	b := p[:n]
	t.n += int64(n)
	if !t.nonzero && !allZero(b) {
		t.nonzero = true
	}
	if len(b) >= tailSize {
		t.tail = append(t.tail[:0], b[len(b)-tailSize:]...)
	} else {
		t.tail = append(t.tail, b...)
		if extra := len(t.tail) - tailSize; extra > 0 {
			t.tail = append(t.tail[:0], t.tail[extra:]...)
		}
	}
	return n, err
}

// classify is Classify for a record read from the stream t: it reads the
// rest of the stream and judges its end. The key is the error's own.
func (t *tailKeeper) classify(err error) error {
	var ce *CorruptError
	if !errors.As(err, &ce) {
		return err
	}
	return t.classifyAs(err, ce.Key)
}

func (t *tailKeeper) classifyAs(err error, key string) error {
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.Kind != ErrNotRecord {
		return err
	}
	if _, cerr := io.Copy(io.Discard, t); cerr != nil {
		return err
	}
	if what, ok := endsLikeRecord(t.tail, t.n); ok {
		return ce.asDamaged(key, what)
	}
	if t.n > 0 && !t.nonzero {
		return zeroError(key, t.n)
	}
	return err
}
