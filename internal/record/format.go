package record

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

// The binary framing of format versions 1 to 3 (all integers big-endian;
// the JSON framing is in jsonframe.go):
//
//	offset      size  field
//	0           8     magic "RGRESULT"
//	8           2     format version (3; 1 or 2 for records written before it)
//	10          4     header length H (at most MaxHeaderSize)
//	14          H     header: JSON object (see header)
//	14+H        4     CRC-32C of bytes 8 .. 14+H (version, length, header)
//	18+H        N     payload: the serializer's output, raw
//	18+H+N      8     payload length N
//	26+H+N      32    payload digest (digest.go): versions 3 and 2 XXH3-128 and 16 zero bytes, version 1 SHA-256
//	58+H+N      4     CRC-32C of the 40 bytes before it
//	62+H+N      4     end magic "RGND"
const (
	magic         = "RGRESULT"
	endMagic      = "RGND"
	prefixSize    = 14 // magic, version, header length
	crcSize       = 4
	trailerSize   = 48
	MaxHeaderSize = 1 << 20 // bytes of header JSON a reader accepts
	// Overhead is the size of a binary-framed record with an empty header
	// and payload.
	Overhead = prefixSize + crcSize + trailerSize
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// header is the JSON form of the Meta fields known before the payload.
type header struct {
	Serializer *serializer.Spec  `json:"serializer,omitempty"`
	GoType     string            `json:"go_type,omitempty"`
	Task       string            `json:"task,omitempty"`
	Func       string            `json:"func,omitempty"`
	TypeHash   string            `json:"type_hash,omitempty"`
	TypeDesc   string            `json:"type,omitempty"`
	Key        string            `json:"key"`
	Created    time.Time         `json:"created"`
	Expires    *time.Time        `json:"expires,omitempty"`
	Literal    *string           `json:"literal,omitempty"`
	Labels     map[string]string `json:"labels,omitempty"`
	Manifest   *Manifest         `json:"manifest,omitempty"`
	Writer     string            `json:"writer,omitempty"` // absent in records written before it was recorded
	Encryption *Encryption       `json:"enc,omitempty"`    // sealed records (seal.go)
}

func validLiteral(s string) bool { return s == "true" || s == "false" || s == "null" }

// encodeHeader returns the record's bytes up to the payload, in the
// binary framing or the JSON one.
func encodeHeader(m Meta, f framing) ([]byte, error) {
	if f == framingJSON {
		js, err := headerJSON(m)
		if err != nil {
			return nil, err
		}
		return encodeJSONHeader(js), nil
	}
	// The header is appended in place, its length filled in after.
	b := make([]byte, prefixSize, prefixSize+headerSizeHint(m)+crcSize)
	copy(b, magic)
	binary.BigEndian.PutUint16(b[len(magic):], uint16(writtenVersion(m)))
	b, err := appendHeader(b, m)
	if err != nil {
		return nil, err
	}
	binary.BigEndian.PutUint32(b[len(magic)+2:], uint32(len(b)-prefixSize))
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b[len(magic):], castagnoli))
	return b, nil
}

// headerJSON returns the header of m as JSON.
func headerJSON(m Meta) ([]byte, error) {
	return appendHeader(make([]byte, 0, headerSizeHint(m)), m)
}

// appendHeader appends the header of m as JSON to b: the bytes of
// json.Marshal(headerOf(m)), written by appendHeaderJSON.
func appendHeader(b []byte, m Meta) ([]byte, error) {
	n0 := len(b)
	b, ok := appendHeaderJSON(b, m)
	if !ok { // json.Marshal refuses it (then its error is the one to return)
		js, err := json.Marshal(headerOf(m))
		if err != nil {
			return nil, err
		}
		b = append(b[:n0], js...)
	}
	if n := len(b) - n0; n > MaxHeaderSize {
		return nil, fmt.Errorf("header of %d bytes exceeds %d (labels too large?)", n, MaxHeaderSize)
	}
	return b, nil
}

// headerOf returns the header of m, whose JSON is the record's header.
func headerOf(m Meta) header {
	h := header{
		Writer:     m.Writer,
		Serializer: m.Serializer,
		GoType:     m.GoType,
		Task:       m.Task,
		Func:       m.Func,
		TypeHash:   m.TypeHash,
		TypeDesc:   m.TypeDesc,
		Key:        m.Key,
		Created:    m.Created,
		Literal:    m.Literal,
		Labels:     m.Labels,
		Manifest:   m.Manifest,
		Encryption: m.Encryption,
	}
	if !m.Expires.IsZero() {
		e := m.Expires
		h.Expires = &e
	}
	return h
}

func encodeTrailer(n int64, sum []byte) []byte {
	b := make([]byte, 0, trailerSize)
	b = binary.BigEndian.AppendUint64(b, uint64(n))
	b = append(b, sum...)
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	return append(b, endMagic...)
}

// framing is how a record lays out its header and trailer around the
// payload: binary (magic "RGRESULT") or JSON (see jsonframe.go). Readers
// tell them apart by the first bytes.
type framing uint8

const (
	framingBinary framing = iota
	framingJSON
)

func (f framing) tsize() int {
	if f == framingJSON {
		return jsonTrailerLen
	}
	return trailerSize
}

func (f framing) parseTrailer(b []byte, key string, offset int64) (trailer, error) {
	if f == framingJSON {
		return parseJSONTrailer(b, key, offset)
	}
	return parseTrailer(b, key, offset)
}

// trailer is a parsed trailer.
type trailer struct {
	size int64
	sum  []byte // the digest field, digestSize bytes
	// version is the format version a JSON trailer's spelling names (its
	// digest's key); 0 for a binary trailer, which is the same in both.
	version int
}

func parseTrailer(b []byte, key string, offset int64) (trailer, error) {
	if len(b) < trailerSize {
		return trailer{}, corrupt(key, offset, ErrTruncated, "record ends inside its trailer")
	}
	if string(b[44:48]) != endMagic {
		return trailer{}, corrupt(key, offset+44, ErrTruncated, "no end marker: the record is cut short or damaged")
	}
	if got, want := crc32.Checksum(b[:40], castagnoli), binary.BigEndian.Uint32(b[40:44]); got != want {
		return trailer{}, corrupt(key, offset+40, ErrChecksum, fmt.Sprintf("trailer CRC %08x, stored %08x", got, want))
	}
	n := binary.BigEndian.Uint64(b[:8])
	if n > 1<<62 {
		return trailer{}, corrupt(key, offset, nil, fmt.Sprintf("payload length %d", n))
	}
	return trailer{size: int64(n), sum: bytes.Clone(b[8:40])}, nil
}

// CorruptError describes a record that cannot be read, or an object that
// is not a record. It matches ErrCorrupt and, where it applies,
// ErrTruncated, ErrChecksum, ErrVersion, ErrNotRecord or ErrZeroFilled with
// errors.Is.
type CorruptError struct {
	Key    string // storage key; "" when decoding a bare stream
	Offset int64  // byte offset in the record where the problem shows
	// Kind is ErrTruncated, ErrChecksum, ErrVersion, ErrNotRecord,
	// ErrZeroFilled (which matches ErrNotRecord too) or nil.
	Kind   error
	Detail string

	// An object that starts like a record but proves nothing (ErrNotRecord,
	// see unproven) keeps what is wrong with it as damage: the Kind and the
	// words of the error it becomes when an intact trailer proves it ours.
	damage error
	what   string
}

func corrupt(key string, offset int64, kind error, detail string) *CorruptError {
	return &CorruptError{Key: key, Offset: offset, Kind: kind, Detail: detail}
}

// unproven is the error of an object that starts like a record of ours but
// stops proving it before its header CRC checks: what says how (an object
// cut short there, a header whose CRC fails). resultgen cannot tell it from
// a file of someone else's, so it is foreign (ErrNotRecord), unless
// Classify finds an intact trailer at its end: then it is a damaged record
// of kind.
func unproven(key string, offset int64, kind error, what string) *CorruptError {
	return &CorruptError{Key: key, Offset: offset, Kind: ErrNotRecord, damage: kind, what: what,
		Detail: "it starts like a record, but " + what + ", and no intact header or trailer proves that resultgen wrote it"}
}

// foreignStart is the error of an object that starts like neither framing.
func foreignStart(key string) *CorruptError {
	return &CorruptError{Key: key, Kind: ErrNotRecord, Detail: "it starts like neither record framing", what: "its start is not a record's"}
}

func (e *CorruptError) Error() string {
	var b bytes.Buffer
	if e.Kind == ErrNotRecord || e.Kind == ErrZeroFilled {
		b.WriteString("object ")
		if e.Key != "" {
			fmt.Fprintf(&b, "%q ", e.Key)
		}
		fmt.Fprintf(&b, "is not a resultgen record: %s", e.Detail)
		return b.String()
	}
	b.WriteString("record ")
	if e.Key != "" {
		fmt.Fprintf(&b, "%q ", e.Key)
	}
	switch e.Kind {
	case ErrTruncated:
		b.WriteString("truncated")
	case ErrChecksum:
		b.WriteString("checksum mismatch")
	case ErrVersion:
		b.WriteString("unsupported format version")
	default:
		b.WriteString("corrupt")
	}
	fmt.Fprintf(&b, " at byte %d: %s", e.Offset, e.Detail)
	return b.String()
}

// Unwrap returns ErrCorrupt and the specific error (ErrZeroFilled with
// ErrNotRecord).
func (e *CorruptError) Unwrap() []error {
	switch e.Kind {
	case nil:
		return []error{ErrCorrupt}
	case ErrZeroFilled:
		return []error{ErrCorrupt, ErrNotRecord, ErrZeroFilled}
	}
	return []error{ErrCorrupt, e.Kind}
}

// Reader reads one record from a stream: NewReader checks the prefix and
// the header, Read returns the payload and, at its end, checks the trailer.
// Read returns io.EOF only after the payload's length and digest matched
// the trailer, so a payload read to io.EOF is the one that was written.
type Reader struct {
	r         io.Reader
	key       string
	meta      Meta
	framing   framing
	headerEnd int64 // offset of the payload

	buf        []byte // read-ahead; the last trailer-sized bytes are held back
	start, end int
	eof        bool
	h          hash.Hash
	n          int64 // payload bytes returned
	done       bool
	err        error
}

// NewReader reads r's prefix and header and returns a Reader positioned at
// the payload. Errors are *CorruptError (wrapping ErrCorrupt) or r's own.
func NewReader(r io.Reader) (*Reader, error) { return newReader(r, "") }

func newReader(r io.Reader, key string) (*Reader, error) {
	var pre [prefixSize]byte
	n, err := io.ReadFull(r, pre[:])
	if err != nil && !isShort(err) {
		return nil, fmt.Errorf("record %q: read: %w", storage.ShortKey(key), err)
	}
	switch {
	case n == 0:
		return nil, corrupt(key, 0, ErrNotRecord, "it is empty")
	case agrees(pre[:n], magic):
		if err != nil {
			return nil, unproven(key, int64(n), ErrTruncated, fmt.Sprintf("it ends after %d bytes, inside its prefix", n))
		}
	case agrees(pre[:n], jsonMagic):
		return newJSONReader(r, key, pre[:n], err != nil)
	default:
		if derr := damagedStart(pre[:n], r, key); derr != nil {
			return nil, derr
		}
		return nil, foreignStart(key)
	}
	hlen, err := binaryHeaderLen(pre[:], key)
	if err != nil {
		return nil, err
	}
	hb, err := readHeaderBytes(r, hlen+crcSize)
	if n := len(hb); err != nil {
		if isShort(err) {
			return nil, unproven(key, prefixSize+int64(n), ErrTruncated, fmt.Sprintf("it ends at byte %d, inside its header", prefixSize+n))
		}
		return nil, fmt.Errorf("record %q: read: %w", storage.ShortKey(key), err)
	}
	meta, err := checkBinaryHeader(pre[:], hb, string(hb[:hlen]), key, nil)
	if err != nil {
		return nil, err
	}
	return &Reader{
		r:         r,
		key:       key,
		meta:      meta,
		headerEnd: prefixSize + int64(hlen) + crcSize,
		h:         newDigest(meta.Version),
	}, nil
}

// binaryHeaderLen checks the prefix pre of a binary-framed record (its
// magic matched) and returns the length of the header that follows it.
// The version is checked with the header's CRC, which covers it
// (checkBinaryHeader): a version that fails it is damage, or a foreign
// object, never a format this reader does not know.
func binaryHeaderLen(pre []byte, key string) (int, error) {
	hlen := binary.BigEndian.Uint32(pre[10:14])
	if hlen > MaxHeaderSize {
		return 0, unproven(key, 10, nil, fmt.Sprintf("its header length %d exceeds %d", hlen, MaxHeaderSize))
	}
	return int(hlen), nil
}

// checkBinaryHeader checks the CRC of a binary-framed record's header hb
// (the header and its CRC, after the prefix pre), then the version, and
// parses the header. text holds the header's bytes: the Meta's strings may
// be slices of it. Until the CRC checks, nothing proves the object ours:
// a mismatch is unproven.
//
// With hc, a header byte for byte the one hc kept last is not parsed
// again: its Meta is hc's (see HeaderCache).
func checkBinaryHeader(pre, hb []byte, text, key string, hc *HeaderCache) (Meta, error) {
	hlen := len(hb) - crcSize
	crc := crc32.Update(crc32.Checksum(pre[len(magic):prefixSize], castagnoli), castagnoli, hb[:hlen])
	v := binary.BigEndian.Uint16(pre[8:10])
	if stored := binary.BigEndian.Uint32(hb[hlen:]); crc != stored {
		if !knownVersion(int(v)) {
			return Meta{}, unproven(key, 8, ErrChecksum, fmt.Sprintf("its format version field reads %d and its header CRC does not match (%08x, stored %08x)", v, crc, stored))
		}
		return Meta{}, unproven(key, prefixSize+int64(hlen), ErrChecksum, fmt.Sprintf("its header CRC does not match (%08x, stored %08x)", crc, stored))
	}
	if !knownVersion(int(v)) {
		return Meta{}, corrupt(key, 8, ErrVersion, fmt.Sprintf("format version %d, this reader knows 1 to %d", v, VersionSealed))
	}
	if m, ok := hc.lookup(int(v), hb[:hlen]); ok {
		return m, nil
	}
	meta, err := parseHeaderText(hb[:hlen], text)
	if err != nil {
		return Meta{}, corrupt(key, prefixSize, nil, err.Error())
	}
	meta.Version = int(v)
	if err := checkSealing(&meta); err != nil {
		return Meta{}, corrupt(key, prefixSize, nil, err.Error())
	}
	hc.keep(text, meta)
	return meta, nil
}

// readHeaderBytes reads the n bytes of a header and its CRC: in place when
// r holds them in memory already.
func readHeaderBytes(r io.Reader, n int) ([]byte, error) {
	if o, ok := r.(*owned); ok && o.Len() >= n {
		off := len(o.b) - o.Len()
		_, _ = o.Seek(int64(off+n), io.SeekStart)
		return o.b[off : off+n : off+n], nil
	}
	hb := make([]byte, n)
	m, err := io.ReadFull(r, hb)
	return hb[:m], err
}

// agrees reports whether b and m are equal over their common length.
func agrees(b []byte, m string) bool {
	return string(b[:min(len(b), len(m))]) == m[:min(len(b), len(m))]
}

func isShort(err error) bool { return err == io.EOF || err == io.ErrUnexpectedEOF }

func parseHeader(b []byte) (Meta, error) {
	return parseHeaderText(b, string(b))
}

// parseHeaderText is parseHeader with text holding b's bytes: the Meta's
// strings may be slices of it.
func parseHeaderText(b []byte, text string) (Meta, error) {
	h, ok := parseHeaderFastString(text)
	if !ok {
		// Unmarshal refuses data after the object (a syntax error), without
		// a Decoder's buffering and copies.
		var slow header // on the heap on this path only
		if err := json.Unmarshal(b, &slow); err != nil {
			return Meta{}, fmt.Errorf("header: %w", err)
		}
		h = slow
	}
	switch {
	case h.Literal != nil && h.Serializer != nil:
		return Meta{}, errors.New("header: both a literal and a serializer")
	case h.Literal == nil && h.Serializer == nil:
		return Meta{}, errors.New("header: neither a literal nor a serializer")
	case h.Literal != nil && !validLiteral(*h.Literal):
		return Meta{}, fmt.Errorf("header: literal %q is not true, false or null", *h.Literal)
	case h.Serializer != nil && h.Serializer.Type == "":
		return Meta{}, errors.New("header: serializer without a type")
	}
	m := Meta{
		Version:    Version,
		Writer:     h.Writer,
		Serializer: h.Serializer,
		GoType:     h.GoType,
		Task:       h.Task,
		Func:       h.Func,
		TypeHash:   h.TypeHash,
		TypeDesc:   h.TypeDesc,
		Key:        h.Key,
		Created:    h.Created,
		Literal:    h.Literal,
		Labels:     h.Labels,
		Manifest:   h.Manifest,
		Encryption: h.Encryption,
	}
	if h.Expires != nil {
		m.Expires = *h.Expires
	}
	return m, nil
}

// Meta returns the record's metadata: the header's fields at once, Size and
// Checksum after Read has returned io.EOF.
func (d *Reader) Meta() Meta { return d.meta }

// Read reads payload bytes. At the end of the payload it checks the trailer
// and returns io.EOF when the payload is intact, a *CorruptError otherwise.
func (d *Reader) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if d.done {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	tsize := d.framing.tsize()
	for !d.eof && d.end-d.start <= tsize {
		d.fill()
		if d.err != nil {
			return 0, d.err
		}
	}
	avail := d.end - d.start - tsize
	if avail <= 0 { // at EOF: what is left is the trailer
		d.err = d.finish()
		if d.err != nil {
			return 0, d.err
		}
		return 0, io.EOF
	}
	n := copy(p, d.buf[d.start:d.start+avail])
	d.h.Write(p[:n])
	d.n += int64(n)
	d.start += n
	return n, nil
}

func (d *Reader) fill() {
	if d.buf == nil {
		d.buf = make([]byte, 4<<10+d.framing.tsize())
	}
	if d.start > 0 {
		d.end = copy(d.buf, d.buf[d.start:d.end])
		d.start = 0
	}
	n, err := d.r.Read(d.buf[d.end:])
	d.end += n
	if d.end == len(d.buf) && len(d.buf) < 256<<10 {
		// The source delivers in big pieces: read in bigger ones.
		d.buf = append(d.buf, make([]byte, len(d.buf))...)
	}
	switch {
	case err == io.EOF:
		d.eof = true
	case err != nil:
		d.err = fmt.Errorf("record %q: read: %w", storage.ShortKey(d.key), err)
	}
}

func (d *Reader) finish() error {
	off := d.headerEnd + d.n
	t, err := d.framing.parseTrailer(d.buf[d.start:d.end], d.key, off)
	if err != nil {
		return err
	}
	if err := t.checkSize(d.key, off, d.n); err != nil {
		return err
	}
	if err := t.checkSum(d.key, off, d.meta.Version, d.h.Sum(nil)); err != nil {
		return err
	}
	if err := d.meta.applyTrailer(d.key, d.headerEnd, t); err != nil {
		return err
	}
	d.done = true
	return nil
}

// checkSize compares the trailer's payload length with the n bytes found
// between the header and the trailer, which starts at off.
func (t trailer) checkSize(key string, off, n int64) error {
	switch {
	case t.size > n:
		return corrupt(key, off, ErrTruncated, fmt.Sprintf("payload has %d bytes, trailer says %d", n, t.size))
	case t.size < n:
		return corrupt(key, off, ErrChecksum, fmt.Sprintf("payload has %d bytes, trailer says %d", n, t.size))
	}
	return nil
}

// checkSum compares the trailer's digest field with the payload's, sum,
// of format version v (see digest.go); the trailer starts at off.
func (t trailer) checkSum(key string, off int64, v int, sum []byte) error {
	if !bytes.Equal(sum, t.sum) {
		return corrupt(key, off+8, ErrChecksum, fmt.Sprintf("payload checksum %s, stored %s", checksumOf(v, sum), checksumOf(v, t.sum)))
	}
	return nil
}

// applyTrailer fills m's Size and Checksum from a verified trailer (a
// literal record has no payload); headerEnd is the offset of the payload.
func (m *Meta) applyTrailer(key string, headerEnd int64, t trailer) error {
	if m.Literal != nil && t.size != 0 {
		return corrupt(key, headerEnd, nil, "literal record with a payload")
	}
	if t.version != 0 && t.version != m.Version {
		return corrupt(key, headerEnd+t.size+int64(len(jsonSizeKey)+jsonSizeWidth), nil, fmt.Sprintf("a format version %d trailer after a version %d header", t.version, m.Version))
	}
	m.Size = t.size
	m.Checksum = checksumOf(m.Version, t.sum)
	return nil
}

// readPayload reads the rest of the record, payload and trailer, into one
// buffer of capacity sizeHint (the payload's expected size) plus the
// trailer, grown when the hint falls short, and returns the payload, a slice
// of that buffer, once its length and digest matched the trailer. The
// payload is read once and never copied; the buffer is the caller's alone.
// check is called between reads (a cancelled read stops). behind, when
// not nil, is called in the hashing goroutine after each piece it hashed,
// with the payload read so far (b[0] the payload's first byte), which it
// may change in place: a sealed payload opens there (opener.ahead). Once
// the reads are done, the pieces still queued are only hashed: the caller
// does the rest of behind's work itself, then on every core
// (opener.finish).
func (d *Reader) readPayload(sizeHint int64, check func() error, behind func(b []byte)) ([]byte, error) {
	if d.err != nil {
		return nil, d.err
	}
	if d.done {
		return []byte{}, nil
	}
	if sizeHint < 0 || sizeHint > 1<<40 {
		sizeHint = 0
	}
	tsize := d.framing.tsize()
	var b []byte
	if o, ok := d.r.(*owned); ok && d.start == d.end {
		b = o.b[len(o.b)-o.Len():] // the rest is in memory, and ours
		_, _ = o.Seek(0, io.SeekEnd)
		d.eof = true
	} else {
		// +1: reaching EOF needs room for a read
		b = pageCongruent(int(sizeHint)+tsize+1+d.end-d.start, d.headerEnd+d.n)
		b = append(b, d.buf[d.start:d.end]...) // what Read had read ahead
	}
	// A large payload is read in pieces and hashed in a second goroutine
	// behind the reads, so hashing overlaps I/O; hashed is how much of b
	// it was handed, always up to a chunk boundary (digest.go), so that
	// every whole chunk is hashed in place.
	var bg *hashBehind
	hashed := 0
	if cap(b)-len(b) >= hashBehindMin {
		if d.n != 0 { // b does not start at the payload's start
			behind = nil
		}
		bg = newHashBehind(d.h, behind)
		defer bg.wait()
	}
	for !d.eof {
		if len(b) == cap(b) {
			if bg != nil { // b moves: the goroutine must be done with it
				bg.wait()
				bg = nil
			}
			b = append(b, 0)[:len(b)]
		}
		end := cap(b)
		if bg != nil {
			end = min(end, len(b)+readPiece)
		}
		n, err := d.r.Read(b[len(b):end])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			d.err = fmt.Errorf("record %q: read: %w", storage.ShortKey(d.key), err)
			return nil, d.err
		}
		if check != nil {
			if err := check(); err != nil {
				return nil, err
			}
		}
		if safe := len(b) - tsize; bg != nil && safe-hashed >= readPiece {
			// Payload for sure (the trailer is after it), up to a chunk
			// boundary.
			end := safe - int((d.n+int64(safe))%chunkSize)
			bg.ch <- behindPiece{b[:end], hashed}
			hashed = end
		}
	}
	if bg != nil {
		bg.wait()
	}
	n := max(len(b)-tsize, 0)
	payload := b[:n:n]
	d.h.Write(payload[hashed:])
	d.n += int64(n)
	d.buf, d.start, d.end, d.eof = b, n, len(b), true
	if d.err = d.finish(); d.err != nil {
		return nil, d.err
	}
	return payload, nil
}

// pageCongruent returns an empty slice of capacity n whose first byte
// lies at the same offset in its memory page as the object's byte at
// offset at in its file page, for a buffer of at least alignMin bytes. It
// serves P4's read (256 MiB): the payload starts some hundred bytes into
// the file, and the kernel's copies from the page cache into a buffer
// that starts a page are then misaligned all along (reading 256 MiB took
// 140-185 ms so, 117-146 ms congruent, as os.ReadFile from offset 0).
// Costs up to a page of memory.
func pageCongruent(n int, at int64) []byte {
	if n < alignMin {
		return make([]byte, 0, n)
	}
	buf := make([]byte, n+pageSize)
	p := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	off := int((uintptr(at) - p) % pageSize)
	return buf[off : off : off+n]
}

const (
	pageSize = 4096
	alignMin = 1 << 20
)

// hashBehind serves P4's read (256 MiB): with a core free it hides the
// payload's digest (about 19 ms of CPU for 256 MiB of version 3) behind
// the reads. Benchtable's read row, at load 1.1-1.2: 0.94-0.96x with it,
// 0.84-0.86x hashing each 1 MiB chunk in the reading goroutine right
// after its read; at load 2.2, 0.90x and 0.88x.
const (
	hashBehindMin = 16 << 20 // payloads hashed behind the reads from this size
	readPiece     = 4 << 20  // the reads' size then, a multiple of chunkSize
)

// hashBehind hashes the pieces sent on ch, in order, in its own goroutine,
// calling behind (if not nil) after each until wait is called.
type hashBehind struct {
	ch   chan behindPiece
	done chan struct{}
	once sync.Once
	stop atomic.Bool // set by wait: no more behind calls
}

// behindPiece is a piece to hash: b[from:], with b the payload read so
// far.
type behindPiece struct {
	b    []byte
	from int
}

func newHashBehind(h hash.Hash, behind func(b []byte)) *hashBehind {
	x := &hashBehind{ch: make(chan behindPiece, 8), done: make(chan struct{})}
	go func() {
		defer close(x.done)
		for p := range x.ch {
			h.Write(p.b[p.from:])
			if behind != nil && !x.stop.Load() {
				behind(p.b)
			}
		}
	}()
	return x
}

// wait returns when every piece sent is hashed; it may be called again.
func (x *hashBehind) wait() {
	x.stop.Store(true)
	x.once.Do(func() { close(x.ch) })
	<-x.done
}

// Decode reads a whole record from r and returns its metadata and its
// verified payload (nil for literal records). It holds the payload in
// memory; use NewReader to stream it.
//
// An object that is not a record by its start (ErrNotRecord) is read to
// its end and judged as Classify judges a stored one: damaged when it ends
// with an intact trailer, ErrZeroFilled when all its bytes are zero.
func Decode(r io.Reader) (Meta, []byte, error) {
	tk := &tailKeeper{r: r}
	d, err := NewReader(tk)
	if err != nil {
		return Meta{}, nil, tk.classify(err)
	}
	payload, err := d.readPayload(0, nil, nil)
	if err != nil {
		return Meta{}, nil, err
	}
	if d.meta.Literal != nil {
		payload = nil
	}
	return d.meta, payload, nil
}
