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
// in the package doc). An object whose first bytes are neither framing's is
// foreign (ErrNotRecord) unless it carries strong evidence of being a
// record: a CRC-checked part that only a writer of this package produces.
// Then it is damaged (ErrCorrupt without ErrNotRecord), so the runtime
// replaces it and `results verify` reports it, while a user's file is
// never touched.

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
	if n > prefixSize && binary.BigEndian.Uint16(buf[8:10]) == Version && buf[prefixSize] == '{' {
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
		canonical := fmt.Appendf([]byte(jsonPrefix), "%*d%s", jsonHeadWidth, h, jsonMetaKey)
		crc := crc32.Update(crc32.Checksum(canonical, castagnoli), castagnoli, more[:h])
		if crc != stored {
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
		if b[i] != jsonPrefix[i] {
			d++
		}
	}
	for i := range len(jsonMetaKey) {
		if b[jsonPrefixSize-len(jsonMetaKey)+i] != jsonMetaKey[i] {
			d++
		}
	}
	return d
}

// Classify refines err, an error of reading the object at key in st: when
// err says the object is not a record (ErrNotRecord) but the object ends
// with an intact trailer of either framing (its fixed text and its CRC
// match, and the payload length it states fits in the object), it returns
// a *CorruptError instead: a record whose start is damaged. Otherwise it
// returns err. It reads the object's last bytes with one ranged read, and
// only on a storage.RangeGetter; other stores keep ErrNotRecord.
//
// Head, ReadMeta, Read and ReadChecked classify their errors so already;
// callers that read through NewReader or Decode call Classify themselves.
func Classify(ctx context.Context, st storage.Storage, key string, err error) error {
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.Kind != ErrNotRecord {
		return err
	}
	rg, ok := st.(storage.RangeGetter)
	if !ok {
		return err
	}
	info, serr := st.Stat(ctx, key)
	if serr != nil {
		return err
	}
	total := info.Size
	if what, ok := endsLikeRecord(ctx, rg, key, total); ok {
		return corrupt(key, 0, nil, "damaged record: its start is not a record's, but it ends with an intact "+what+" trailer")
	}
	return err
}

// endsLikeRecord reports whether the object of total bytes at key ends
// with an intact trailer, and of which framing.
func endsLikeRecord(ctx context.Context, rg storage.RangeGetter, key string, total int64) (string, bool) {
	n := int64(max(trailerSize, jsonTrailerLen))
	if total < Overhead {
		return "", false
	}
	n = min(n, total)
	rc, err := rg.GetRange(ctx, key, total-n, n)
	if err != nil {
		return "", false
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, n))
	if err != nil || int64(len(b)) != n {
		return "", false
	}
	if t, err := parseTrailer(b[len(b)-trailerSize:], key, 0); err == nil && t.size <= total-Overhead {
		return "binary", true
	}
	const jsonOverhead = jsonPrefixSize + 2 + jsonMidSize + jsonTrailerLen // "{}" as the smallest header
	if len(b) >= jsonTrailerLen {
		if t, err := parseJSONTrailer(b[len(b)-jsonTrailerLen:], key, 0); err == nil && t.size <= total-int64(jsonOverhead) {
			return "JSON", true
		}
	}
	return "", false
}
