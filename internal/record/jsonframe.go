package record

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"

	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

// The JSON framing of format version 3 (versions 1 and 2: see jsonDigests), used for records written with the
// uncompressed json serializer: the object is one JSON document followed by a
// newline, its fields always in this order and spelled byte for byte so:
//
//	offset      size  field
//	0           27    `{"resultgen":3,"meta_size":`
//	27          7     H, the header's length in bytes, decimal, right-aligned with spaces
//	34          8     `,"meta":`
//	42          H     header: the same JSON object as in the binary framing
//	42+H        16    `,"meta_crc32c":"`
//	58+H        8     CRC-32C of bytes 0 .. 42+H, 8 lowercase hex digits
//	66+H        10    `","value":`
//	76+H        N     value: the serializer's output, verbatim (JSON)
//	76+H+N      8     `,"size":`
//	84+H+N      20    N, decimal, right-aligned with spaces
//	104+H+N     18    `,"xxh3_128_1mib":"`
//	122+H+N     32    the value's digest (digest.go), lowercase hex
//	154+H+N     1     `"`
//	155+H+N     25    spaces
//	180+H+N     19    `,"trailer_crc32c":"`
//	199+H+N     8     CRC-32C of bytes 76+H+N .. 180+H+N, lowercase hex
//	207+H+N     3     `"}` and a newline
//
// The spaces before the two numbers are JSON whitespace: they give the
// prefix and the 134-byte trailer fixed sizes, so a reader finds the header
// from the front and the value's end from the back without parsing the
// value. Every byte is covered: the prefix and header by meta_crc32c, the
// value by size and xxh3_128_1mib, those two by trailer_crc32c, the fixed text by
// an exact comparison (hex digits must be lowercase, numbers in the one
// spelling above).
const (
	jsonMagic      = `{"resultgen":`
	jsonIDTail     = `,"meta_size":`
	jsonPrefix     = jsonMagic + "3" + jsonIDTail // the prefix of Version
	jsonHeadWidth  = 7                            // digits of MaxHeaderSize
	jsonMetaKey    = `,"meta":`
	jsonPrefixSize = len(jsonPrefix) + jsonHeadWidth + len(jsonMetaKey) // 42
	jsonMetaCRC    = `,"meta_crc32c":"`
	jsonValueKey   = `","value":`
	jsonMidSize    = len(jsonMetaCRC) + 8 + len(jsonValueKey) // 34
	jsonSizeKey    = `,"size":`
	jsonSizeWidth  = 20
	jsonSumKey     = `,"sha256":"` // version 1's digest; see jsonDigests
	jsonTrailerCRC = `","trailer_crc32c":"`
	jsonEnd        = "\"}\n"
	jsonCRCCovered = len(jsonSizeKey) + jsonSizeWidth + len(jsonSumKey) + 64 + 1 // 104
	jsonTrailerLen = jsonCRCCovered + len(jsonTrailerCRC) - 1 + 8 + len(jsonEnd) // 134
	// jsonIDSize is enough bytes to tell any version's JSON prefix apart:
	// the magic, up to 5 version digits and the tail.
	jsonIDSize = len(jsonMagic) + 5 + len(jsonIDTail)
)

// jsonDigest is how a JSON trailer of one format version spells its digest
// field (see digest.go): after `,"size":` and the size, the key, the digest
// in lowercase hex and a closing quote, then pad spaces (JSON whitespace),
// so that the text covered by trailer_crc32c is jsonCRCCovered bytes, and
// the trailer jsonTrailerLen, in every version.
type jsonDigest struct {
	version int
	key     string
	hexLen  int // hex digits: the digest's bytes twice
	pad     int
}

var jsonDigests = [...]jsonDigest{
	{1, jsonSumKey, 64, 0},            // SHA-256
	{2, `,"xxh3_128":"`, 32, 30},      // XXH3-128
	{3, `,"xxh3_128_1mib":"`, 32, 25}, // XXH3-128 of 1 MiB chunks' XXH3-128
}

// jsonDigestOf returns the spelling of format version v (1 to 3).
func jsonDigestOf(v int) jsonDigest { return jsonDigests[v-1] }

// jsonFramed reports whether records written with spec use the JSON
// framing: the built-in json serializer, uncompressed, without options.
func jsonFramed(spec serializer.Spec) bool {
	return spec.Type == serializer.JSONName && spec.Compression == "" && len(spec.Options) == 0
}

// encodeJSONHeader returns a JSON-framed record's bytes up to the value.
func encodeJSONHeader(js []byte) []byte {
	b := make([]byte, 0, jsonPrefixSize+len(js)+jsonMidSize)
	b = append(b, jsonPrefix...)
	b = fmt.Appendf(b, "%*d", jsonHeadWidth, len(js))
	b = append(b, jsonMetaKey...)
	b = append(b, js...)
	crc := crc32.Checksum(b, castagnoli)
	b = append(b, jsonMetaCRC...)
	b = fmt.Appendf(b, "%08x", crc)
	return append(b, jsonValueKey...)
}

// encodeJSONTrailer returns the JSON trailer of Version for a value of n
// bytes whose digest field is sum.
func encodeJSONTrailer(n int64, sum []byte) []byte {
	d := jsonDigestOf(Version)
	b := make([]byte, 0, jsonTrailerLen)
	b = append(b, jsonSizeKey...)
	b = fmt.Appendf(b, "%*d", jsonSizeWidth, n)
	b = append(b, d.key...)
	b = hex.AppendEncode(b, sum[:d.hexLen/2])
	b = append(b, '"')
	for range d.pad {
		b = append(b, ' ')
	}
	crc := crc32.Checksum(b, castagnoli)
	b = append(b, jsonTrailerCRC[1:]...)
	b = fmt.Appendf(b, "%08x", crc)
	return append(b, jsonEnd...)
}

// parseJSONTrailer checks and parses a JSON trailer that starts at offset.
// Misplaced fixed text means the record was cut short (its last bytes are
// value bytes) or damaged: ErrTruncated, like a missing binary end magic.
func parseJSONTrailer(b []byte, key string, offset int64) (trailer, error) {
	if len(b) < jsonTrailerLen {
		return trailer{}, corrupt(key, offset, ErrTruncated, "record ends inside its trailer")
	}
	keyAt := len(jsonSizeKey) + jsonSizeWidth
	d := jsonDigests[0]
	for _, x := range jsonDigests {
		if string(b[keyAt:keyAt+len(x.key)]) == x.key {
			d = x
		}
	}
	sumAt := keyAt + len(d.key)
	crcAt := jsonCRCCovered + len(jsonTrailerCRC) - 1
	for _, f := range []struct {
		at   int
		text string
	}{{0, jsonSizeKey}, {keyAt, d.key}, {sumAt + d.hexLen, `"` + spaces[:d.pad]}, {jsonCRCCovered, jsonTrailerCRC[1:]}, {crcAt + 8, jsonEnd}} {
		if string(b[f.at:f.at+len(f.text)]) != f.text {
			return trailer{}, corrupt(key, offset+int64(f.at), ErrTruncated, "no JSON trailer at the end: the record is cut short or damaged")
		}
	}
	stored, ok := parseHex32(b[crcAt : crcAt+8])
	if got := crc32.Checksum(b[:jsonCRCCovered], castagnoli); !ok || got != stored {
		return trailer{}, corrupt(key, offset+int64(crcAt), ErrChecksum, fmt.Sprintf("trailer CRC %08x, stored %q", got, b[crcAt:crcAt+8]))
	}
	n, ok := parsePadded(b[len(jsonSizeKey) : len(jsonSizeKey)+jsonSizeWidth])
	if !ok || n > 1<<62 {
		return trailer{}, corrupt(key, offset+int64(len(jsonSizeKey)), nil, fmt.Sprintf("value size %q", b[len(jsonSizeKey):len(jsonSizeKey)+jsonSizeWidth]))
	}
	sum, ok := parseLowerHex(b[sumAt : sumAt+d.hexLen])
	if !ok {
		return trailer{}, corrupt(key, offset+int64(sumAt), nil, fmt.Sprintf("checksum %q", b[sumAt:sumAt+d.hexLen]))
	}
	field := make([]byte, digestSize) // an XXH3-128 digest is followed by zero bytes
	copy(field, sum)
	return trailer{size: n, sum: field, version: d.version}, nil
}

// spaces pads the digest of a JSON trailer.
const spaces = "                                "

// identifyJSON tells whether b, the first bytes of an object (all of it
// when short), starts a JSON-framed record: b starts with jsonMagic, then a
// version (1 to 5 digits, no leading zero) and jsonIDTail, idLen bytes in
// all. cut says b agrees with that but ends before it is complete; ok
// false says b departs from it (a user's `{"resultgen": "x"}` or
// `{"resultgen":1}`).
func identifyJSON(b []byte, short bool) (version, idLen int, cut, ok bool) {
	if len(b) < len(jsonMagic) {
		return 0, 0, short && agrees(b, jsonMagic), false
	}
	i := len(jsonMagic)
	for i < len(b) && i-len(jsonMagic) < 5 && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	digits := b[len(jsonMagic):i]
	switch {
	case len(digits) > 0 && digits[0] == '0':
		return 0, 0, false, false
	case i == len(b) && short:
		return 0, 0, true, false
	case len(digits) == 0:
		return 0, 0, false, false
	}
	rest := b[i:min(len(b), i+len(jsonIDTail))]
	if !bytes.HasPrefix([]byte(jsonIDTail), rest) {
		return 0, 0, false, false
	}
	if len(rest) < len(jsonIDTail) {
		return 0, 0, true, false
	}
	v, _ := strconv.Atoi(string(digits))
	return v, i + len(jsonIDTail), false, true
}

// newJSONReader continues newReader for an object whose first bytes pre
// agree with jsonMagic; short tells that pre is the whole object. As in
// the binary framing, nothing proves the object ours until the header's
// meta_crc32c checks (it covers the version too): what fails before is
// unproven, and a version other than 1 is ErrVersion only when the CRC
// checks with the layout of version 1.
func newJSONReader(r io.Reader, key string, pre []byte, short bool) (*Reader, error) {
	b := make([]byte, jsonPrefixSize+4) // room for a 5-digit version
	n := copy(b, pre)
	if !short && n < jsonIDSize {
		m, err := io.ReadFull(r, b[n:jsonIDSize])
		if err != nil && !isShort(err) {
			return nil, fmt.Errorf("record %q: read: %w", storage.ShortKey(key), err)
		}
		n += m
		short = err != nil
	}
	cutAt := func(n int) error {
		return unproven(key, int64(n), ErrTruncated, fmt.Sprintf("it ends after %d bytes, inside its prefix", n))
	}
	v, idLen, cut, ok := identifyJSON(b[:n], short)
	switch {
	case cut:
		return nil, cutAt(n)
	case !ok:
		if derr := damagedStart(b[:n], r, key); derr != nil {
			return nil, derr
		}
		return nil, foreignStart(key)
	}
	psize := idLen + jsonHeadWidth + len(jsonMetaKey) // jsonPrefixSize for version 1
	if n < psize {
		if short {
			return nil, cutAt(n)
		}
		m, err := io.ReadFull(r, b[n:psize])
		if err != nil {
			if isShort(err) {
				return nil, cutAt(n + m)
			}
			return nil, fmt.Errorf("record %q: read: %w", storage.ShortKey(key), err)
		}
	}
	b = b[:psize]
	hlen, ok := parsePadded(b[idLen : idLen+jsonHeadWidth])
	if !ok || string(b[psize-len(jsonMetaKey):]) != jsonMetaKey {
		return nil, unproven(key, int64(idLen), nil, fmt.Sprintf("its meta_size reads %q", b[idLen:]))
	}
	if hlen > MaxHeaderSize {
		return nil, unproven(key, int64(idLen), nil, fmt.Sprintf("its header length %d exceeds %d", hlen, MaxHeaderSize))
	}
	hb := make([]byte, int(hlen)+jsonMidSize)
	if m, err := io.ReadFull(r, hb); err != nil {
		if isShort(err) {
			return nil, unproven(key, int64(psize+m), ErrTruncated, fmt.Sprintf("it ends at byte %d, inside its header", psize+m))
		}
		return nil, fmt.Errorf("record %q: read: %w", storage.ShortKey(key), err)
	}
	mid := hb[hlen:]
	end := int64(psize) + hlen
	if string(mid[:len(jsonMetaCRC)]) != jsonMetaCRC || string(mid[len(jsonMetaCRC)+8:]) != jsonValueKey {
		return nil, unproven(key, end, nil, "its header is not followed by its meta_crc32c and the value")
	}
	stored, ok := parseHex32(mid[len(jsonMetaCRC) : len(jsonMetaCRC)+8])
	crc := crc32.Update(crc32.Checksum(b, castagnoli), castagnoli, hb[:hlen])
	if !ok || crc != stored {
		if !knownVersion(v) {
			return nil, unproven(key, int64(len(jsonMagic)), ErrChecksum, fmt.Sprintf("its format version reads %d and its header CRC does not match (%08x, stored %q)", v, crc, mid[len(jsonMetaCRC):len(jsonMetaCRC)+8]))
		}
		return nil, unproven(key, end+int64(len(jsonMetaCRC)), ErrChecksum, fmt.Sprintf("its header CRC does not match (%08x, stored %q)", crc, mid[len(jsonMetaCRC):len(jsonMetaCRC)+8]))
	}
	if !knownVersion(v) {
		return nil, corrupt(key, int64(len(jsonMagic)), ErrVersion, fmt.Sprintf("format version %d, this reader knows 1 to %d", v, Version))
	}
	meta, err := parseHeader(hb[:hlen])
	if err != nil {
		return nil, corrupt(key, int64(psize), nil, err.Error())
	}
	meta.Version = v
	if err := checkSealing(&meta); err != nil {
		return nil, corrupt(key, int64(psize), nil, err.Error())
	}
	return &Reader{
		r:         r,
		key:       key,
		meta:      meta,
		framing:   framingJSON,
		headerEnd: end + int64(jsonMidSize),
		h:         newDigest(v),
	}, nil
}

// parsePadded parses a right-aligned decimal: spaces, then digits without a
// leading zero (or one "0"), filling b.
func parsePadded(b []byte) (int64, bool) {
	i := 0
	for i < len(b) && b[i] == ' ' {
		i++
	}
	digits := b[i:]
	if len(digits) == 0 || len(digits) > 19 || (digits[0] == '0' && len(digits) > 1) {
		return 0, false
	}
	var n int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// parseLowerHex decodes lowercase hex only: an upper-case digit is a
// flipped bit, not another spelling.
func parseLowerHex(b []byte) ([]byte, bool) {
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return nil, false
		}
	}
	out, err := hex.DecodeString(string(b))
	return out, err == nil
}

func parseHex32(b []byte) (uint32, bool) {
	v, ok := parseLowerHex(b)
	if !ok || len(v) != 4 {
		return 0, false
	}
	return uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3]), true
}
