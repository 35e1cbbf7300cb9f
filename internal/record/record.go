// Package record is the on-storage format of one result: a self-describing,
// checksummed envelope around a serialized value.
//
// # Format
//
// A record is one object in a storage.Storage, in one of two framings of
// format version 3 (this package writes version 3 and reads versions 1 to
// 3; they differ only in the payload's digest, see "Versions"). Readers tell them apart by the first bytes: "RGRESULT"
// is the binary framing, `{"resultgen":` the JSON one. An object is a
// record, intact or damaged, only when its CRC-checked header or trailer
// proves it; anything else is not a record (ErrNotRecord, see "Damaged or
// foreign").
//
// The binary framing (integers big-endian) is used for every serializer but
// uncompressed json, and for literals:
//
//	magic "RGRESULT" | version uint16 | header length uint32 | header JSON | header CRC-32C
//	payload bytes (raw serializer output, no base64)
//	payload length uint64 | payload digest (32 bytes) | trailer CRC-32C | end magic "RGND"
//
// The header is a JSON object holding every Meta field known before the
// payload is written: serializer spec (or the literal), Go type, task, the
// writing function and its result type's fingerprint (see internal/typeid), key,
// created, expiration and labels. Its CRC covers the version, the length and
// the JSON. The 48-byte trailer holds what is only known after the payload:
// its length and digest. So a writer streams the value straight from the
// serializer into storage, and a reader learns everything about a record
// from its first and last bytes without touching the payload.
//
// The JSON framing is used with serializer=json (uncompressed, no options):
// the object is one JSON document and a newline, so standard tools read it
// (`jq .value KEY` prints the value, `jq .meta KEY` the header). Its keys
// come in this order, spelled byte for byte as shown (H and N are the
// header's and the value's lengths in bytes):
//
//	{"resultgen":3,"meta_size":<H: 7 chars>,"meta":<header JSON>,"meta_crc32c":"<8 hex>","value":<payload>
//	,"size":<N: 20 chars>,"xxh3_128_1mib":"<32 hex>"<25 spaces>,"trailer_crc32c":"<8 hex>"}\n
//
// (two lines when the payload ends with a newline, as the built-in json
// serializer's does; else one). The header is the same JSON object as in the binary framing.
// meta_size and size are decimal numbers right-aligned with spaces (JSON
// whitespace) to fixed widths, so the 42-byte prefix up to the header and
// the 134-byte trailer from `,"size":` on have fixed sizes: a reader finds
// the header from the front and the payload's end from the back, as in the
// binary framing, without parsing the payload. meta_crc32c is the CRC-32C
// of every byte before `,"meta_crc32c"`; trailer_crc32c that of the trailer
// up to `,"trailer_crc32c"`. Hex is lowercase. The
// payload is the serializer's output verbatim, never re-encoded; the
// built-in json serializer ends it with a newline (encoding/json's Encoder
// does), which stays part of the payload, its size and its digest, and is
// JSON whitespace before `,"size"`. Only an object that starts with
// `{"resultgen":<version>,"meta_size":` is taken for a record (a version
// other than 1 to 3 gives ErrVersion); a user's `{"resultgen": "x"}` or
// `{"a":1}` is ErrNotRecord, and so is any object shorter than
// `{"resultgen":`, which cannot be told from a foreign file.
//
// # Damaged or foreign
//
// The runtime replaces a damaged record of ours and never touches anything
// else (a user's file, an object another client put), so readers call an
// object a record only when they can prove this package wrote it, by
// CRC-checked structure that only a writer of this package produces:
//
//   - its header: binary, the header CRC (it covers the version, the
//     header length and the header) matches, wherever it was found (behind
//     an intact magic, or one damaged: bytes 8 on hold version 1, a header
//     length and a JSON header that parses); JSON, the meta_crc32c matches
//     over the prefix and the header (behind a prefix that differs from a
//     record's fixed text in at most 4 bytes, spelled as a writer spells
//     it);
//   - or its trailer: binary, the end magic "RGND" with a matching trailer
//     CRC; JSON, the trailer's fixed text with a matching trailer_crc32c;
//     in both, a payload length that fits in the object. This needs the
//     object's last bytes: the readers that take a store (Head, ReadMeta,
//     Read, ReadChecked) read them (a ranged read on a storage.RangeGetter,
//     else the whole object), Decode reads its stream to the end, and
//     callers of NewReader call Classify.
//
// With either proof, what is wrong is damage: a *CorruptError matching
// ErrCorrupt and not ErrNotRecord (ErrTruncated for a record cut short
// after its header, ErrChecksum for a header or payload that fails its
// check). Without, the object is foreign: ErrNotRecord, whatever it starts
// with. So an empty object, "R", "RGRESULT", `{"resultgen":1,"meta_size":`
// or a record of ours cut short before the end of its header (writes are
// atomic: only damage from outside cuts one) are all foreign; resultgen
// cannot tell them from someone else's file. An object of zero bytes only,
// as a crash of the machine can leave a file, is foreign too and says so
// (ErrZeroFilled, which matches ErrNotRecord). A version field that fails
// the header CRC is damage, not a version this reader does not know
// (ErrVersion only when the CRC checks).
//
// The checks read at most the header's bound (MaxHeaderSize) plus the
// trailer, and the zero check reads up to the first byte that is not zero.
//
// Literal results (bool and nil) keep the literal ("true", "false",
// "null") in the header, use no serializer, have an empty payload and use
// the binary framing.
//
// # Versions
//
// Version 1 stored the payload's SHA-256 in the digest field (JSON:
// `"sha256":"<64 hex>"`, no spaces). Version 2 stores its XXH3-128
// (canonical big-endian bytes) followed by 16 zero bytes (JSON:
// `"xxh3_128":"<32 hex>"` and 30 spaces). Version 3 stores the XXH3-128
// of the XXH3-128s of the payload's 1 MiB chunks and its length, followed
// by 16 zero bytes (JSON: `"xxh3_128_1mib":"<32 hex>"` and 25 spaces; see
// digest.go for the exact definition). The versions are otherwise the
// same byte for byte. SHA-256 ran at 0.5-2 GB/s and capped large reads
// and writes (P4) far below the disk; XXH3-128 runs at memory speed, but
// a whole payload's can only be streamed through a hasher that copies
// every byte, while a chunk's is computed in one call, in place. The
// digest guards against damage, not forgery. Meta.Checksum names it:
// "sha256:<hex>", "xxh3-128:<hex>" or "xxh3-128-1mib:<hex>". Records of
// versions 1 and 2 stay readable (testdata/v1 and testdata/v2 hold one for
// every serializer).
//
// Version 4 (VersionSealed) is an encrypted record: version 3's binary
// framing with an "enc" object in the header (cipher, key id, wrapped data
// key) and a payload sealed with AES-256-GCM in chunks; the trailer's
// digest covers the sealed bytes, so everything above works on it without
// a key. Only sealed records are version 4; Write seals when its context
// says so (WithSealing) and readers open with the keyring their context
// carries (WithKeyring). A record that does not open gives ErrKeyMissing or
// ErrDecrypt (a *KeyError naming the key id), never ErrCorrupt: the
// runtime does not replace it. The exact format is in seal.go.
//
// A reader refuses a record whose magic, version, CRCs, length or digest
// do not match, or (JSON) whose fixed text is not where it belongs.
// Changing the layout or the meaning of a header field requires a new
// Version; readers reject versions they do not know with ErrVersion (once
// the header CRC, which covers the version, checks) rather than guess.
//
// # Writing
//
// Write encodes the value through the serializer into a buffer; a payload
// past 64 KiB spills into a body that feeds st.Put as the encoder writes
// (PutOptions.Size is -1), each write handed over whole and hashed while
// the store writes it, so the encoded value is never held in memory whole
// by this package (in either framing; a serializer may buffer it:
// encoding/json does). It also copies the header into
// PutOptions.Metadata under the Meta* keys ("resultgen-version", ...), with
// values escaped to printable ASCII (see escapeASCII: '%', the space and
// bytes outside 0x21-0x7E become %XX), for stores that keep object
// metadata (not Local, which drops it: Write does not make it then).
// Atomicity is
// the store's: a failed or cancelled Write leaves the previous record or
// none.
//
// # Reading
//
// Every reader below handles both framings. Object metadata is the same
// for both.
//
//   - Head is the cheapest look: from Stat's metadata when the store keeps it,
//     else from the header alone. It verifies nothing beyond the header CRC
//     and fills neither Size nor Checksum. Use it for existence and
//     expiration checks.
//   - ReadMeta reads the header and the trailer (two ranged reads on a
//     storage.RangeGetter, else a streamed pass over the payload) and checks
//     both, plus the object's size against them.
//   - Read reads and verifies the whole record, then decodes it.
//   - NewReader and Decode work on any io.Reader, without a store.
//
// Read never returns a wrong value: it reads the payload into memory,
// verifies its length and digest, and only then decodes it into a fresh
// value that replaces *v on success. Buffering is deliberate. Decoders are
// not hardened against damaged input (a flipped length prefix can make them
// allocate gigabytes or panic), and decoding before verifying would put
// unverified data into the caller's hands. The payload buffer is allocated
// once at its exact size (the store reports the object size), and because
// the bytes are verified the built-in serializers allocate the decoded value
// at its exact size too (serializer.Verified). So a read holds the payload
// bytes plus the decoded value, twice the result at most; a write holds the
// value plus the serializer's small buffers. BenchmarkLarge measures both.
// (json and gob add their own copies; msgpack, the default, does not.)
//
// # Errors
//
// Every failure to decode a record is a *CorruptError naming the key and the
// byte offset; it matches ErrCorrupt and, where it applies, ErrTruncated,
// ErrChecksum or ErrVersion with errors.Is. A store's errors (such as
// storage.ErrNotFound) are returned as they are: they name the operation and
// the key already (`get "a.json": not found`), so this package adds neither.
// Its own errors name the key once. A verified payload that does not decode
// into the requested type gives ErrDecode, not ErrCorrupt.
package record

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

// Version is the format version this package writes.
const Version = 3

// Errors of reading a record; every decoding failure wraps ErrCorrupt and,
// where it applies, one of the more specific errors as well.
var (
	ErrCorrupt   = errors.New("record: corrupt")
	ErrTruncated = errors.New("record: truncated")
	ErrChecksum  = errors.New("record: checksum mismatch")
	ErrVersion   = errors.New("record: unsupported format version")
	// ErrNotRecord: the object is not a resultgen record at all: it starts
	// like neither framing and shows no strong evidence of being a damaged
	// record (see "Damaged or foreign" in the package doc). A foreign
	// file, not damage.
	ErrNotRecord = errors.New("record: not a resultgen record")
	// ErrZeroFilled: an object that is not a record (it matches
	// ErrNotRecord too) whose bytes are all zero, as a crash of the
	// machine can leave a file that was being written. Nothing proves
	// resultgen wrote it, so the runtime never removes it: every run of
	// its key fails until it is removed (`resultgen results rm -force`).
	ErrZeroFilled = errors.New("record: not a resultgen record: all zero bytes")
	// ErrDecode: the record is intact but its payload does not decode into
	// the requested type (or its serializer is unknown here).
	ErrDecode = errors.New("record: cannot decode payload")
)

// Meta is a record's self-description, readable without the payload.
type Meta struct {
	Version    int               // format version
	Writer     string            // the resultgen version that wrote it: a module version ("v1.4.0"), or "devel"; "" in records written before it was recorded
	Serializer *serializer.Spec  // nil for literal records
	GoType     string            // e.g. "[]example.com/app.Row"
	Task       string            // task or flow name
	Func       string            // the function that wrote it, by import path: "example.com/app.Report"
	TypeHash   string            // the result type's fingerprint (internal/typeid): "sha256:<hex>"
	TypeDesc   string            // its canonical description; in the header only, not in object metadata
	Key        string            // storage key
	Created    time.Time         // UTC
	Expires    time.Time         // zero: never
	Literal    *string           // "true", "false" or "null" for inline literal results
	Size       int64             // payload bytes
	Checksum   string            // the payload's digest: "xxh3-128-1mib:<hex>" (format version 3), "xxh3-128:<hex>" (version 2) or "sha256:<hex>" (version 1)
	Labels     map[string]string // free-form, e.g. flow run id, task run id
	// Manifest is what a task record's key was made of (nil for flows and
	// older records); in the header only, not in object metadata.
	Manifest *Manifest
	// Encryption says how a sealed record's payload is sealed (see
	// seal.go); nil for records in the clear. From object metadata (Head)
	// it names the cipher and key id only.
	Encryption *Encryption
}

// Manifest lists the components of a task record's storage key, so that
// a later miss can say what changed (runtime.WithExplain) and `resultgen
// results show` and `results diff` can print them. It never holds a
// parameter's value, only a short hash of it.
type Manifest struct {
	// KeyFrom is what made the key: "storage_key" (the template), "cache_key_fn"
	// or "cache_policy" (the hash of the policy's parts below).
	KeyFrom    string `json:"key_from"`
	StorageKey string `json:"storage_key,omitempty"` // the template as written
	Policy     string `json:"policy,omitempty"`      // the resolved parts: "inputs-verbose+run_id+task_source"
	// Params: with the "inputs" part, each parameter in order with the
	// first 16 hex digits of the SHA-256 of its encoding (runtime.Hasher),
	// or Excluded when the policy leaves it out. Values with few
	// possibilities (a bool) can be guessed from their hash.
	Params []ParamSum `json:"params,omitempty"`
	Inputs string     `json:"inputs,omitempty"` // the "inputs" part: the digest of the included parameters
	// Keyed: Inputs and each Params hash are keyed hashes (HMAC under the
	// keyring, for an encrypted task), not plain ones: no oracle for the
	// parameters' values.
	Keyed  bool   `json:"keyed,omitempty"`
	Source string `json:"source,omitempty"` // the code version (runtime.Def.Source)
	// Units is what Source covers, per declaration (runtime.Def.Units).
	Units          []string `json:"units,omitempty"`
	RunID          string   `json:"run_id,omitempty"`          // the "run_id" part: flow run id, or task run id outside a flow
	FlowParameters string   `json:"flow_parameters,omitempty"` // the "flow_parameters" part
}

// ParamSum is one parameter in a Manifest.
type ParamSum struct {
	Name     string `json:"name"`
	Hash     string `json:"hash,omitempty"`
	Excluded bool   `json:"excluded,omitempty"`
}

// LabelCodeVersion is the label that holds the code version
// (runtime.Def.Source, "sha256:<hex>") of the function whose run wrote the
// record, where the runtime records one: the result of a named flow run (the
// flow's version) and the records of the tasks of a named run (each task's).
const LabelCodeVersion = "code_version"

// CodeVersion returns the code version of the function that wrote the
// record: its LabelCodeVersion label, else the code version its key was made
// of (Manifest.Source); "" when the record does not say.
func (m Meta) CodeVersion() string {
	if v := m.Labels[LabelCodeVersion]; v != "" {
		return v
	}
	if m.Manifest != nil {
		return m.Manifest.Source
	}
	return ""
}

// Clone returns a copy of m that shares nothing a caller could change with
// m: its maps, slices and pointed-to values are copied. A Meta a reader
// returns may share them with what a store keeps in memory for later reads
// (read only); code that hands a Meta to users hands out a Clone.
func (m Meta) Clone() Meta {
	if m.Serializer != nil {
		s := *m.Serializer
		s.Options = maps.Clone(s.Options)
		m.Serializer = &s
	}
	if m.Literal != nil {
		l := *m.Literal
		m.Literal = &l
	}
	m.Labels = maps.Clone(m.Labels)
	if m.Manifest != nil {
		x := *m.Manifest
		x.Params, x.Units = slices.Clone(x.Params), slices.Clone(x.Units)
		m.Manifest = &x
	}
	if m.Encryption != nil {
		e := *m.Encryption
		e.WrappedKey, e.NoncePrefix = slices.Clone(e.WrappedKey), slices.Clone(e.NoncePrefix)
		m.Encryption = &e
	}
	return m
}

// Expired reports whether the record has an expiration at or before now.
func (m Meta) Expired(now time.Time) bool { return !m.Expires.IsZero() && !now.Before(m.Expires) }

// LiteralOf reports whether v is stored as a literal, and which: bools are
// "true" or "false"; nil, and nil pointers, maps, slices, funcs, channels and
// interfaces are "null".
func LiteralOf(v any) (string, bool) {
	if v == nil {
		return "null", true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Bool:
		if rv.Bool() {
			return "true", true
		}
		return "false", true
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface:
		if rv.IsNil() {
			return "null", true
		}
	}
	return "", false
}

// prepare fills the fields Write and WriteLiteral own.
func prepare(meta Meta, key string) Meta {
	meta.Version = Version
	meta.Encryption = nil // Write seals anew (see WithSealing)
	meta.Writer = WriterVersion()
	meta.Key = key
	if meta.Created.IsZero() {
		meta.Created = time.Now()
	}
	meta.Created = meta.Created.UTC()
	if !meta.Expires.IsZero() {
		meta.Expires = meta.Expires.UTC()
	}
	meta.Size, meta.Checksum = 0, ""
	return meta
}

// Write streams v through ser into a new record at key. The record is committed
// atomically by st.Put; opts.Metadata is filled from meta where st keeps it (callers set
// IfAbsent). meta.Size and meta.Checksum are computed.
//
// meta.Key, Version, Writer and Serializer are set by Write; a zero Created becomes
// now; a zero GoType becomes v's type with its full import path. A nil ser
// means msgpack.
func Write(ctx context.Context, st storage.Storage, key string, meta Meta, ser serializer.Serializer, v any, opts storage.PutOptions) (Meta, error) {
	m, _, err := WriteBytes(ctx, st, key, meta, ser, v, opts)
	return m, err
}

// WriteBytes is Write that also returns the record's bytes when it went to
// the store whole, in one Put (a payload of at most 64 KiB): the caller's
// own, never written again. They are nil for a record streamed in parts.
// The runtime packs them into a flow's steps pack (see the runtime
// package's doc, "Flows on S3").
func WriteBytes(ctx context.Context, st storage.Storage, key string, meta Meta, ser serializer.Serializer, v any, opts storage.PutOptions) (Meta, []byte, error) {
	if err := storage.ValidateKey(key); err != nil {
		return Meta{}, nil, err
	}
	if ser == nil {
		ser = serializer.Msgpack()
	}
	spec := ser.Spec()
	meta = prepare(meta, key)
	meta.Serializer, meta.Literal = &spec, nil
	if meta.GoType == "" {
		meta.GoType = typeName(reflect.TypeOf(v))
	}
	frame, encodeTrailer := framingBinary, encodeTrailer
	var sw *sealWriter // sealed: the payload goes through it (binary framing)
	if kr := keyringOf(ctx, true); kr != nil {
		var err error
		if sw, err = newSealer(kr, key, &meta); err != nil {
			return Meta{}, nil, fmt.Errorf("record %q: seal: %w", storage.ShortKey(key), err)
		}
	} else if jsonFramed(spec) {
		frame, encodeTrailer = framingJSON, encodeJSONTrailer
	}
	head, err := encodeHeader(meta, frame)
	if err != nil {
		return Meta{}, nil, fmt.Errorf("record %q: %w", storage.ShortKey(key), err)
	}
	opts.Metadata = putMetadata(st, meta, opts.Metadata)

	// The record is encoded in this goroutine into one buffer. A payload
	// that ends within smallMax goes to the store whole, its size known
	// (no pipe, no goroutine; S3 sends it as it is), and is hashed in
	// place once encoded. A larger one spills: at its first write past
	// the cap, Put starts in a goroutine of its own, reading the buffer
	// and then a handoff that the rest of the encoding streams into,
	// hashed while Put writes it; so the value is encoded once either way.
	var (
		perr    error
		putDone chan struct{}
	)
	sp := &spill{b: append(make([]byte, 0, len(head)+1024), head...), head: len(head), max: len(head) + smallMax + frame.tsize()}
	sp.start = func(first []byte) *handoff {
		body := newHandoff(first)
		putDone = make(chan struct{})
		sopts := opts
		sopts.Size = -1
		go func() {
			defer close(putDone)
			perr = st.Put(ctx, key, body, sopts)
			body.closeRead(errWriteAborted) // unblocks the encoder when Put stopped early
		}()
		return body
	}
	var encErr error
	if sw != nil {
		sw.w = sp
		if encErr = encodeSafe(ser, sw, v); encErr == nil {
			encErr = sw.close()
		}
	} else {
		encErr = encodeSafe(ser, sp, v)
	}
	var (
		size  int64
		sum   []byte
		whole []byte // the record, when it was put in one piece
	)
	if encErr == nil {
		size, sum = sp.n, sp.sum()
		if err := sp.end(encodeTrailer(size, sum)); err != nil && sp.werr == nil {
			sp.werr = err
		}
	}
	if sp.pw == nil {
		if encErr != nil {
			return Meta{}, nil, fmt.Errorf("record %q: encode with %s: %w", storage.ShortKey(key), spec.String(), encErr)
		}
		opts.Size = int64(len(sp.b))
		perr = st.Put(ctx, key, bytes.NewReader(sp.b), opts)
		whole = sp.b
	} else {
		sp.pw.closeWrite(encErr)
		<-putDone
		if encErr != nil && sp.werr == nil { // the serializer failed, not the store
			return Meta{}, nil, fmt.Errorf("record %q: encode with %s: %w", storage.ShortKey(key), spec.String(), encErr)
		}
	}
	if perr != nil {
		return Meta{}, nil, perr
	}
	if encErr != nil || sp.werr != nil {
		// cannot be: a failed write means a failed Put
		return Meta{}, nil, fmt.Errorf("record %q: write: %w", storage.ShortKey(key), errors.Join(encErr, sp.werr))
	}
	meta.Size = size
	meta.Checksum = checksumOf(meta.Version, sum)
	return meta, whole, nil
}

// spill is Write's destination for the encoder: it holds the record's
// bytes (the header first, head bytes) up to max, then starts the
// streaming Put (start, given the bytes so far) and hands the rest of the
// payload to its body. It keeps the payload's length and digest: a payload
// held whole is hashed in place at the end (sum), a spilled one as it goes,
// each piece while the store takes it.
type spill struct {
	b     []byte
	head  int
	max   int
	start func(first []byte) *handoff
	pw    *handoff  // nil until spilled
	h     hash.Hash // the running digest, from the spill on
	n     int64     // payload bytes written
	werr  error     // the body's error: the store stopped taking it
}

func (s *spill) Write(p []byte) (int, error) {
	if s.pw == nil {
		if len(s.b)+len(p) <= s.max {
			s.b = append(s.b, p...)
			s.n += int64(len(p))
			return len(p), nil
		}
		s.h = newDigest(Version)
		s.h.Write(s.b[s.head:])
		s.pw = s.start(s.b) // s.b is the Put's from now on, never written again
	}
	// p is hashed while the store writes it (both only read it): with a
	// core free the digest costs no time, and the 256 MiB of P4's write
	// go to the store in one handoff, not one per piece (each a wake-up
	// of the other goroutine: 1,024 handoffs of 256 KiB cost a write-rg
	// process 60 ms, 1,700-2,600 context switches against the baseline's
	// 500-800). Should the store stop early, the digest is moot: the
	// write fails.
	n, err := s.pw.writeWhile(p, func() { s.h.Write(p) })
	s.n += int64(n)
	if err != nil {
		s.werr = err
	}
	return n, err
}

// writeAhead is Write for a piece the caller keeps unchanged until settle
// says it is taken (kept true; see handoff.writeAhead): once spilled, p is
// handed to the store and hashed while the store writes it, and the caller
// goes on without waiting for the write. Before the spill p is written as
// by Write (and kept is false: p is the caller's again at once).
func (s *spill) writeAhead(p []byte) (kept bool, err error) {
	if s.pw == nil {
		_, err := s.Write(p)
		return false, err
	}
	if err := s.pw.writeAhead(p, func() { s.h.Write(p) }); err != nil {
		s.werr = err
		return false, err
	}
	s.n += int64(len(p))
	return true, nil
}

// settle waits until at most n pieces written ahead are still the store's.
func (s *spill) settle(n int) error {
	if s.pw == nil {
		return nil
	}
	err := s.pw.settle(n)
	if err != nil && s.werr == nil {
		s.werr = err
	}
	return err
}

// sum returns the trailer's digest field of the payload written so far.
func (s *spill) sum() []byte {
	if s.pw == nil {
		d := digestOf(Version, s.b[s.head:])
		return d[:]
	}
	return s.h.Sum(nil)
}

// end writes the trailer t after the payload.
func (s *spill) end(t []byte) error {
	if s.pw == nil && len(s.b)+len(t) <= s.max {
		s.b = append(s.b, t...)
		return nil
	}
	if s.pw == nil {
		s.pw = s.start(s.b)
	}
	_, err := s.pw.Write(t)
	return err
}

var errWriteAborted = errors.New("record: write aborted")

// smallMax is the largest payload Write holds whole before writing it.
const smallMax = 64 << 10

// encodeSafe turns a panicking serializer (or MarshalX method) into an error.
func encodeSafe(s serializer.Serializer, w io.Writer, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("serializer panicked: %v", r)
		}
	}()
	return s.Encode(w, v)
}

func decodeSafe(s serializer.Serializer, r io.Reader, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("serializer panicked: %v", r)
		}
	}()
	return s.Decode(r, v)
}

// WriteLiteral stores a literal (bool or nil) inline in a payload-free record.
// literal is "true", "false" or "null" (see LiteralOf).
func WriteLiteral(ctx context.Context, st storage.Storage, key string, meta Meta, literal string, opts storage.PutOptions) (Meta, error) {
	m, _, err := WriteLiteralBytes(ctx, st, key, meta, literal, opts)
	return m, err
}

// WriteLiteralBytes is WriteLiteral that also returns the record's bytes,
// the caller's own (see WriteBytes).
func WriteLiteralBytes(ctx context.Context, st storage.Storage, key string, meta Meta, literal string, opts storage.PutOptions) (Meta, []byte, error) {
	if err := storage.ValidateKey(key); err != nil {
		return Meta{}, nil, err
	}
	if !validLiteral(literal) {
		return Meta{}, nil, fmt.Errorf("record %q: literal %q is not true, false or null", storage.ShortKey(key), literal)
	}
	meta = prepare(meta, key)
	meta.Serializer, meta.Literal = nil, &literal
	head, err := encodeHeader(meta, framingBinary)
	if err != nil {
		return Meta{}, nil, fmt.Errorf("record %q: %w", storage.ShortKey(key), err)
	}
	empty := digestOf(Version, nil)
	b := append(head, encodeTrailer(0, empty[:])...)
	opts.Metadata = putMetadata(st, meta, opts.Metadata)
	opts.Size = int64(len(b))
	if err := st.Put(ctx, key, bytes.NewReader(b), opts); err != nil {
		return Meta{}, nil, err
	}
	meta.Checksum = checksumOf(Version, empty[:])
	return meta, b, nil
}

// Head returns what the record at key says about itself as cheaply as the
// store allows: from Stat's metadata when the store keeps it (one call, no
// read), else from the record's header (its CRC is checked; the payload is
// not read). Size and Checksum are left zero. A missing record gives an
// error wrapping storage.ErrNotFound.
func Head(ctx context.Context, st storage.Storage, key string) (Meta, error) {
	m, _, err := HeadInfo(ctx, st, key)
	return m, err
}

// HeadInfo is Head that also returns what the store's Stat said about the
// object (its size and modification time, the last use on stores that
// touch records; see storage.Toucher).
func HeadInfo(ctx context.Context, st storage.Storage, key string) (Meta, storage.Info, error) {
	info, err := st.Stat(ctx, key)
	if err != nil {
		return Meta{}, info, err
	}
	if m, ok, err := metaFromObject(info.Metadata); ok && err == nil {
		return m, info, nil
	}
	// No (usable) metadata: read the header only.
	rc, err := st.Get(ctx, key)
	if err != nil {
		return Meta{}, info, err
	}
	defer rc.Close()
	d, err := newReader(rc, key)
	if err != nil {
		return Meta{}, info, Classify(ctx, st, key, err)
	}
	return d.Meta(), info, nil
}

// ReadMeta returns the record's metadata without reading the payload.
// With a storage.RangeGetter it reads the header and the trailer only;
// otherwise it streams the payload through the checksum without keeping
// it. Both are verified, and Size and Checksum are filled.
func ReadMeta(ctx context.Context, st storage.Storage, key string) (Meta, error) {
	rg, ok := st.(storage.RangeGetter)
	if !ok {
		rc, err := st.Get(ctx, key)
		if err != nil {
			return Meta{}, err
		}
		defer rc.Close()
		d, err := newReader(rc, key)
		if err != nil {
			return Meta{}, Classify(ctx, st, key, err)
		}
		if _, err := io.Copy(io.Discard, d); err != nil {
			return Meta{}, err
		}
		return d.Meta(), nil
	}
	info, err := st.Stat(ctx, key)
	if err != nil {
		return Meta{}, err
	}
	return readMetaRanged(ctx, st, rg, key, info.Size)
}

// ReadMetaSized is ReadMeta for an object whose size the caller learned
// already (from List): with a storage.RangeGetter it reads the header and
// the trailer without a Stat. A size that no longer fits the object (it
// changed since) gives no false damage: a record that looks corrupt at that
// size is read again at the size Stat reports.
func ReadMetaSized(ctx context.Context, st storage.Storage, key string, size int64) (Meta, error) {
	rg, ok := st.(storage.RangeGetter)
	if !ok || size < 0 {
		return ReadMeta(ctx, st, key)
	}
	m, err := readMetaRanged(ctx, st, rg, key, size)
	if err == nil || !errors.Is(err, ErrCorrupt) {
		return m, err
	}
	info, serr := st.Stat(ctx, key)
	if serr != nil || info.Size == size {
		return m, err
	}
	return readMetaRanged(ctx, st, rg, key, info.Size)
}

// readMetaRanged is ReadMeta's ranged read of an object of total bytes.
func readMetaRanged(ctx context.Context, st storage.Storage, rg storage.RangeGetter, key string, total int64) (Meta, error) {
	readRange := func(off, n int64) ([]byte, error) {
		rc, err := rg.GetRange(ctx, key, off, n)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, n))
		if err != nil {
			return nil, fmt.Errorf("record %q: read: %w", storage.ShortKey(key), err)
		}
		return b, nil
	}
	head, err := readRange(0, min(total, 4096))
	if err != nil {
		return Meta{}, err
	}
	hr := &headReader{b: head}
	if total > int64(len(head)) {
		hr.more = func(n int64) ([]byte, error) {
			return readRange(int64(len(head)), min(n, total-int64(len(head))))
		}
	}
	d, err := newReader(hr, key)
	if err != nil {
		return Meta{}, Classify(ctx, st, key, err)
	}
	tsize := int64(d.framing.tsize())
	if total-d.headerEnd < tsize {
		return Meta{}, corrupt(key, total, ErrTruncated, "record ends inside its trailer")
	}
	tb, err := readRange(total-tsize, tsize)
	if err != nil {
		return Meta{}, err
	}
	t, err := d.framing.parseTrailer(tb, key, total-tsize)
	if err != nil {
		return Meta{}, err
	}
	if err := t.checkSize(key, total-tsize, total-d.headerEnd-tsize); err != nil {
		return Meta{}, err
	}
	m := d.Meta()
	if err := m.applyTrailer(key, d.headerEnd, t); err != nil {
		return Meta{}, err
	}
	return m, nil
}

// headReader serves the first bytes of an object from b and fetches the
// rest of the header with one more ranged read when it is longer.
type headReader struct {
	b    []byte
	more func(n int64) ([]byte, error)
	off  int
}

func (r *headReader) Read(p []byte) (int, error) {
	if r.off == len(r.b) {
		if r.more == nil {
			return 0, io.EOF
		}
		// The reader wants more than the first range: fetch what it asks
		// for (newReader asks for exactly the rest of the header).
		more, err := r.more(int64(len(p)))
		r.more = nil
		if err != nil {
			return 0, err
		}
		r.b, r.off = append(r.b, more...), len(r.b)
		if len(more) == 0 {
			return 0, io.EOF
		}
	}
	n := copy(p, r.b[r.off:])
	r.off += n
	return n, nil
}

// Read verifies the record at key and decodes its payload into the pointer v.
// ser decodes when its Spec matches the record's; otherwise the serializer is
// rebuilt from the stored Spec. Literal records set v from the literal.
//
// Nothing is decoded until the whole record is verified, and *v is only
// replaced by a fully decoded value; on error it is left as it was.
func Read(ctx context.Context, st storage.Storage, key string, ser serializer.Serializer, v any) (Meta, error) {
	return ReadChecked(ctx, st, key, ser, v, nil)
}

// ReadChecked is Read with a check of the header before anything else is
// read or decoded: when accept returns an error, ReadChecked returns the
// header's Meta and that error as it is, and *v is untouched. The runtime
// uses it to refuse a record written for another result type without
// decoding a byte of it, in the same single read of the object.
func ReadChecked(ctx context.Context, st storage.Storage, key string, ser serializer.Serializer, v any, accept func(*Meta) error) (Meta, error) {
	m, _, err := ReadCheckedInfo(ctx, st, key, ser, v, accept, nil)
	return m, err
}

// ReadCheckedInfo is ReadChecked that also returns what the store said of
// the object it opened: its size and modification time (the last use on
// stores that touch records), from the open object itself when the store
// tells (a file, storage.OpenInfo), else from Stat. Info is filled as soon
// as the object is open, also when an error follows. One open and one
// parse of the object serve a whole cache lookup: the caller judges the
// header in accept. hc, when not nil, spares the parse of a small record's
// header read again (see HeaderCache).
func ReadCheckedInfo(ctx context.Context, st storage.Storage, key string, ser serializer.Serializer, v any, accept func(*Meta) error, hc *HeaderCache) (Meta, storage.Info, error) {
	m, info, err := readCheckedRef(ctx, st, key, ser, v, accept, hc)
	if m == nil {
		return Meta{}, info, err
	}
	return *m, info, err
}

// ReadCheckedRef is ReadCheckedInfo returning the Meta by pointer, never
// nil. A record checked when it entered a store's memory (see
// storage.MemoGetter), or read again whole with hc (see HeaderCache),
// gives its kept Meta itself, shared by every read: a caller must never
// modify it, nor hand it out but as a copy (Meta.Clone). Serves P3's hits:
// no copy of the Meta, and no allocation of one (the runtime keeps the
// pointer in the State).
func ReadCheckedRef(ctx context.Context, st storage.Storage, key string, ser serializer.Serializer, v any, accept func(*Meta) error, hc *HeaderCache) (*Meta, storage.Info, error) {
	m, info, err := readCheckedRef(ctx, st, key, ser, v, accept, hc)
	if m == nil {
		m = new(Meta)
	}
	return m, info, err
}

func readCheckedRef(ctx context.Context, st storage.Storage, key string, ser serializer.Serializer, v any, accept func(*Meta) error, hc *HeaderCache) (*Meta, storage.Info, error) {
	var info storage.Info
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return nil, info, fmt.Errorf("record %q: read needs a non-nil pointer, got %T", storage.ShortKey(key), v)
	}
	if mg, ok := st.(storage.MemoGetter); ok {
		// P3 memory hit: the record is checked once, when first read
		// from memory (header CRC and parse, trailer, digest), and its
		// verified header is kept in the object's Memo; a later read
		// judges that header (accept) and decodes. Measured through the
		// generated wrapper (BenchmarkWrapperHit1KiB/memory): see
		// checkedRecord.
		b, memo, info, err := mg.GetBytesMemo(ctx, key)
		if err != nil {
			return nil, info, err
		}
		m, err := readMemo(ctx, st, key, b, memo, ser, rv, accept)
		return m, info, err
	}
	if wg, ok := st.(storage.WholeGetter); ok {
		if b, info, ok := wg.GetWhole(ctx, key, wholeReadMax); ok {
			m, err := readInMemory(ctx, st, key, b, false, nil, hc, ser, rv, accept)
			return m, info, err
		}
	}
	rc, err := st.Get(ctx, key)
	if err != nil {
		return nil, info, err
	}
	defer rc.Close()
	info, sized := openedInfo(ctx, st, key, rc)
	src := io.Reader(rc)
	if info.Size > 0 && info.Size <= wholeReadMax {
		// A small object in one read call (header, payload and trailer)
		// rather than one for each part, checked and decoded in place.
		// A size from Stat may be stale (the object changed after it was
		// opened): one byte more is asked for, and only a read that ends
		// exactly at that size shows the object whole.
		want := info.Size
		if !sized {
			want++
		}
		whole := make([]byte, want)
		n, _ := io.ReadFull(rc, whole)
		if int64(n) == info.Size {
			m, err := readInMemory(ctx, st, key, whole[:n:n], false, nil, hc, ser, rv, accept)
			return m, info, err
		}
		// Cut short, failed or longer than said: the record reader goes on
		// with rc and reports what it finds.
		src = io.MultiReader(bytes.NewReader(whole[:n]), rc)
	}
	m, err := readOpened(ctx, st, key, src, info.Size, ser, rv, accept)
	return &m, info, err
}

// ReadMemo is ReadCheckedRef of the object b that st (a MemoGetter)
// returned for key with its memo, which the caller got already (see Kept).
func ReadMemo(ctx context.Context, st storage.Storage, key string, b []byte, memo *storage.Memo, ser serializer.Serializer, v any, accept func(*Meta) error) (*Meta, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return new(Meta), fmt.Errorf("record %q: read needs a non-nil pointer, got %T", storage.ShortKey(key), v)
	}
	m, err := readMemo(ctx, st, key, b, memo, ser, rv, accept)
	if m == nil {
		m = new(Meta)
	}
	return m, err
}

func readMemo(ctx context.Context, st storage.Storage, key string, b []byte, memo *storage.Memo, ser serializer.Serializer, rv reflect.Value, accept func(*Meta) error) (*Meta, error) {
	if c, ok := memo.Load().(*checkedRecord); ok {
		return c.read(ctx, key, ser, rv, accept)
	}
	return readInMemory(ctx, st, key, b, true, memo, nil, ser, rv, accept)
}

// owned is a whole object read into b, which the reader owns: its payload
// is handed out as a slice of b (see Reader.readPayload).
type owned struct {
	*bytes.Reader
	b []byte
}

// wholeReadMax is the largest object a read takes in one piece.
const wholeReadMax = 64 << 10

func readOpened(ctx context.Context, st storage.Storage, key string, rc io.Reader, total int64, ser serializer.Serializer, rv reflect.Value, accept func(*Meta) error) (Meta, error) {
	d, err := newReader(rc, key)
	if err != nil {
		return Meta{}, Classify(ctx, st, key, err)
	}
	if accept != nil {
		m := d.Meta()
		if err := accept(&m); err != nil {
			return m, err
		}
	}
	hint := int64(0)
	if total > 0 {
		hint = total - d.headerEnd - int64(d.framing.tsize())
	}
	meta := d.Meta()
	if meta.Encryption != nil && hint >= openParallelMin {
		// A large sealed payload opens behind the reads, chunk by chunk
		// as each piece is hashed, in place (see opener.ahead). Without
		// its key it is read as any other (below): damage is reported
		// before a key that is missing.
		if o, err := newOpener(keyringOf(ctx, false), key, &meta); err == nil {
			payload, err := d.readPayload(hint, ctx.Err, o.ahead)
			if err != nil {
				return Meta{}, err
			}
			meta = d.Meta() // with the trailer's size and checksum
			s, err := serializerOf(key, &meta, ser)
			if err != nil {
				return Meta{}, err
			}
			plain, err := o.finish(payload)
			if err != nil {
				return Meta{}, err
			}
			if err := decodeOpened(key, &meta, plain, s, rv, false); err != nil {
				return Meta{}, err
			}
			return meta, nil
		}
	}
	payload, err := d.readPayload(hint, ctx.Err, nil)
	if err != nil {
		return Meta{}, err
	}
	return decodePayload(ctx, key, d.Meta(), payload, ser, rv, false)
}

// openedInfo learns the object's size (for sizing the payload buffer) and
// modification time: from the open object when it can tell (a file,
// storage.OpenInfo), else from Stat; Size is -1 when unknown. sized says
// the size came from the open object itself: a size from Stat may belong
// to another version of the object than the one rc reads.
func openedInfo(ctx context.Context, st storage.Storage, key string, rc io.ReadCloser) (info storage.Info, sized bool) {
	switch r := rc.(type) {
	case storage.OpenInfo:
		if info := r.ObjectInfo(); info.Size >= 0 {
			return info, true
		}
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := r.Stat(); err == nil {
			return storage.Info{Key: key, Size: fi.Size(), Modified: fi.ModTime()}, true
		}
	case interface{ Size() int64 }:
		return storage.Info{Key: key, Size: r.Size()}, true
	}
	if info, err := st.Stat(ctx, key); err == nil {
		return info, false
	}
	return storage.Info{Key: key, Size: -1}, false
}

func setLiteral(dst reflect.Value, lit string) error {
	if lit == "null" {
		dst.SetZero()
		return nil
	}
	b := reflect.ValueOf(lit == "true")
	switch {
	case dst.Kind() == reflect.Bool:
		dst.SetBool(b.Bool())
	case dst.Kind() == reflect.Interface && b.Type().Implements(dst.Type()):
		dst.Set(b)
	default:
		return fmt.Errorf("literal %s does not fit %s", lit, dst.Type())
	}
	return nil
}

// typeName spells t with full import paths: "[]example.com/app.Row".
func typeName(t reflect.Type) string {
	if t == nil {
		return "nil"
	}
	if t.Name() != "" {
		if t.PkgPath() != "" {
			return t.PkgPath() + "." + t.Name()
		}
		return t.Name()
	}
	switch t.Kind() {
	case reflect.Pointer:
		return "*" + typeName(t.Elem())
	case reflect.Slice:
		return "[]" + typeName(t.Elem())
	case reflect.Array:
		return fmt.Sprintf("[%d]%s", t.Len(), typeName(t.Elem()))
	case reflect.Map:
		return "map[" + typeName(t.Key()) + "]" + typeName(t.Elem())
	}
	return t.String()
}
