package record

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"reflect"
	"sync/atomic"
	"unsafe"

	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

// readWhole is readOpened for a binary-framed record held whole in b, with
// no reader and no copy (the fast path of P3's hits: a small local record
// read whole by storage.WholeGetter, and a memory store's record the first
// time it is read; the gains measured are those of checkedRecord and
// HeaderCache, which build on it): the same checks in the same order (prefix, header
// CRC, accept, trailer, payload length and digest), in place, so a record
// accept refuses is never hashed and nothing is decoded before the whole
// record is verified. shared says b is not the caller's (a store's own
// memory): a decoded value never aliases it then.
//
// ok is false, with nothing decoded, when b is anything but an intact
// binary record (JSON framing, damage of any kind): the caller then reads b
// through the general path, which finds and reports what is wrong exactly
// as it would have. accepted says accept was called (and passed) already:
// the general path must not call it again. With a memo (b is then a
// store's own memory, shared), a record found intact is kept there (see
// checkedRecord).
func readWhole(ctx context.Context, b []byte, key string, ser serializer.Serializer, rv reflect.Value, accept func(*Meta) error, shared bool, memo *storage.Memo, hc *HeaderCache) (m *Meta, ok, accepted bool, err error) {
	if len(b) < prefixSize || string(b[:len(magic)]) != magic {
		return nil, false, false, nil
	}
	hlen, err := binaryHeaderLen(b[:prefixSize], key)
	headerEnd := prefixSize + int64(hlen) + crcSize
	if err != nil || headerEnd+trailerSize > int64(len(b)) {
		return nil, false, false, nil
	}
	hb := b[prefixSize:headerEnd]
	off := int64(len(b) - trailerSize)
	payload := b[headerEnd:off:off]
	if e := hc.sameWhole(b[:headerEnd], b[off:]); e != nil {
		// The header and trailer are byte for byte those of a record this
		// cache verified whole: they check out the same (prefix, header
		// CRC, trailer CRC and end marker), so only the payload's length
		// and digest are checked, as on every read. Serves P3's local hit:
		// no header compare and CRC, trailer parse nor checksum string (two
		// allocations), measured below HeaderCache.
		if accept != nil {
			if err := accept(&e.meta); err != nil {
				return &e.meta, true, true, err
			}
		}
		sum := digestOf(e.meta.Version, payload)
		if int64(len(payload)) != e.meta.Size || !bytes.Equal(sum[:], e.sum) {
			return nil, false, true, nil // the general path reports it
		}
		if err := decodeInto(ctx, key, &e.meta, payload, ser, rv, shared); err != nil {
			return new(Meta), true, true, err
		}
		return &e.meta, true, true, nil // shared, read only (see ReadCheckedRef)
	}
	var text string
	if shared || len(b) <= borrowMax {
		// b never changes (a store's memory, or a small buffer of ours whose
		// header part nothing writes): the Meta's strings are slices of it.
		text = unsafe.String(unsafe.SliceData(hb), hlen)
	} else {
		text = string(hb[:hlen])
	}
	last := hc.last()
	meta, err := checkBinaryHeader(b[:prefixSize], hb, text, key, hc)
	if err != nil {
		return nil, false, false, nil
	}
	// the header was the one hc kept (not parsed again): the same record
	// read again, whose verified whole header and trailer hc keeps below
	again := last != nil && hc.last() == last
	if accept != nil {
		if err := accept(&meta); err != nil {
			return &meta, true, true, err
		}
	}
	t, err := parseTrailer(b[off:], key, off)
	if err != nil || t.checkSize(key, off, int64(len(payload))) != nil {
		return nil, false, true, nil
	}
	sum := digestOf(meta.Version, payload)
	if t.checkSum(key, off, meta.Version, sum[:]) != nil || meta.applyTrailer(key, headerEnd, t) != nil {
		return nil, false, true, nil
	}
	if memo != nil {
		memo.Store(&checkedRecord{meta: meta, payload: payload})
	}
	if again {
		hc.keepWhole(b[:headerEnd], b[off:], meta, t.sum)
	}
	meta, err = decodePayload(ctx, key, meta, payload, ser, rv, shared)
	return &meta, true, true, err
}

// checkedRecord is an intact binary record held in a store's memory, as
// readWhole verified it (prefix, header CRC and parse, trailer, length and
// digest), kept in the object's storage.Memo so that later reads of the same
// bytes skip every check. It serves P3's memory hit: through the generated
// wrapper (BenchmarkWrapperHit1KiB/memory) 54.8k instructions a hit before,
// 29.4k with it (callgrind), about 15µs to 6.5µs; benchtable's row went
// from 10-12x of a map lookup and msgpack.Unmarshal to 3.4-5.3x (the rest is
// the run's bookkeeping and, through a wrapper, hashing the inputs into the
// key). It is never changed once stored: meta's
// maps and pointers are shared by every read (read only; the runtime hands
// users copies, see Meta.Clone), its strings and payload are the store's
// immutable bytes, and decoding copies out of them (shared), so no value a
// caller gets aliases the store.
type checkedRecord struct {
	meta    Meta
	payload []byte
	// value is the payload decoded, kept when its Go type holds no
	// references (plainType) and the record is not sealed: a later read
	// into that type copies it instead of decoding, and the copy shares
	// nothing a caller can change (a string's bytes are immutable). Serves
	// P3's memory hit of a 1 KiB string: through the generated wrapper
	// 6 -> 4 allocations (1,792 -> 688 B) and 22.6k -> 19.2k instructions
	// a hit (callgrind, where SHA-256 runs without SHA-NI and counts
	// 10.5k of them), 20-35% less time in alternating runs.
	value atomic.Pointer[keptValue]
	// judged is what a reader concluded of meta, for its own use (see
	// Kept): the record never changes, so neither does a verdict that
	// depends on nothing else.
	judged atomic.Pointer[any]
}

// keptValue is a checkedRecord's payload decoded into a zero value of t;
// x holds the same value, for Kept.
type keptValue struct {
	t reflect.Type
	v reflect.Value
	x any
}

// Kept returns what an earlier read of a memory store's object (memo is
// the object's, see storage.MemoGetter) kept: the record's verified Meta
// (shared, read only), its payload decoded into an R, and the record's
// verdict slot. ok is false when memo holds no record checked whole, or
// no value of type R decoded from it: then a read (ReadMemo) checks and
// decodes it; verdict is nil only when no record was checked whole. A read of the record into a zero R gives that Meta and that
// value (a plain type's, see plainType), so a caller that judges the Meta
// as its accept would may serve the value without a read.
//
// The verdict slot holds what the caller concluded of the Meta last, for
// it to skip judging the same record again (the runtime keeps the run
// plan whose judgment passed, when nothing but the record and the plan
// decided it). Serves P3's memory hit (see runtime's loadRef): through
// the generated wrapper 6.9k -> 6.0k instructions a hit (callgrind).
func Kept[R any](memo *storage.Memo) (m *Meta, v R, verdict *atomic.Pointer[any], ok bool) {
	c, isRec := memo.Load().(*checkedRecord)
	if !isRec {
		return nil, v, nil, false
	}
	kv := c.value.Load()
	if kv == nil {
		return nil, v, &c.judged, false
	}
	if v, ok = kv.x.(R); !ok {
		return nil, v, &c.judged, false
	}
	return &c.meta, v, &c.judged, true
}

// Verdict returns the verdict slot (see Kept) of the record an earlier read
// of a memory store's object checked whole; nil when memo holds none.
func Verdict(memo *storage.Memo) *atomic.Pointer[any] {
	c, isRec := memo.Load().(*checkedRecord)
	if !isRec {
		return nil
	}
	return &c.judged
}

// read judges the kept header (accept) and decodes the payload into rv,
// as readWhole does after its checks.
// The Meta returned is c's own (shared, read only), or a zero one after a
// decoding error, as decodePayload's.
func (c *checkedRecord) read(ctx context.Context, key string, ser serializer.Serializer, rv reflect.Value, accept func(*Meta) error) (*Meta, error) {
	if accept != nil {
		if err := accept(&c.meta); err != nil {
			return &c.meta, err
		}
	}
	dst := rv.Elem()
	zero := dst.IsZero() // a value is kept, and served, only into a zero destination
	if kv := c.value.Load(); zero && kv != nil && kv.t == dst.Type() {
		dst.Set(kv.v)
		return &c.meta, nil
	}
	if err := decodeInto(ctx, key, &c.meta, c.payload, ser, rv, true); err != nil {
		return new(Meta), err
	}
	if zero && c.meta.Encryption == nil && plainType(dst.Type(), 0) {
		v := reflect.New(dst.Type()).Elem()
		v.Set(dst)
		c.value.Store(&keptValue{t: dst.Type(), v: v, x: v.Interface()})
	}
	return &c.meta, nil
}

// plainType reports whether a value of t holds no references: booleans,
// numbers, strings, and arrays and structs of them. A copy of such a
// value shares nothing its holder can change.
func plainType(t reflect.Type, depth int) bool {
	if depth > 32 {
		return false
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String:
		return true
	case reflect.Array:
		return plainType(t.Elem(), depth+1)
	case reflect.Struct:
		for i := range t.NumField() {
			if !plainType(t.Field(i).Type, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

// HeaderCache keeps the last binary header a reader parsed, with its Meta,
// so that a read of a header byte for byte the same (the same record read
// again) skips the parse: its CRC is still checked, and the trailer and the
// payload's digest too, on every read. It serves P3's local hit, where
// parsing the header was about a quarter of a hit's time: through the
// generated wrapper (BenchmarkWrapperHit1KiB/local) 71.7k instructions a
// hit before, 49.8k with it (callgrind); benchtable's row, with format
// version 2's digest, went from 1.6-1.8x of os.ReadFile and
// msgpack.Unmarshal to 1.1-1.3x. The Meta is shared by every
// read that finds it (read only, see Meta.Clone). Safe for concurrent use;
// the zero value is empty, and a nil *HeaderCache keeps nothing.
//
// It also keeps, once a header was found again, the whole record's
// verified head (prefix, header, CRC) and trailer with the Meta the
// trailer completes: a read whose head and trailer are byte for byte those
// skips their checks and the trailer's parse, and checks the payload's
// length and digest only (see readWhole). Through the generated wrapper,
// BenchmarkWrapperHit1KiB/local: 12 -> 10 allocations and 44.7k -> 42.7k
// instructions a hit (callgrind).
type HeaderCache struct {
	p     atomic.Pointer[headerEntry]
	whole atomic.Pointer[wholeEntry]
}

type headerEntry struct {
	text string // the header's bytes
	meta Meta   // parsed, Version set
}

// wholeEntry is a record verified whole: its bytes up to the payload, its
// trailer's, and its Meta with the trailer applied (Size, Checksum).
type wholeEntry struct {
	head, tail string
	meta       Meta
	sum        []byte // the trailer's digest field; read only
}

// last is the header entry hc holds now (nil for none).
func (hc *HeaderCache) last() *headerEntry {
	if hc == nil {
		return nil
	}
	return hc.p.Load()
}

// sameWhole returns the record hc verified whole whose head and trailer
// bytes are head and tail, or nil.
func (hc *HeaderCache) sameWhole(head, tail []byte) *wholeEntry {
	if hc == nil {
		return nil
	}
	if e := hc.whole.Load(); e != nil && e.tail == string(tail) && e.head == string(head) {
		return e
	}
	return nil
}

// keepWhole remembers a record verified whole (copies of head and tail).
func (hc *HeaderCache) keepWhole(head, tail []byte, meta Meta, sum []byte) {
	hc.whole.Store(&wholeEntry{head: string(head), tail: string(tail), meta: meta, sum: sum})
}

func (hc *HeaderCache) lookup(v int, hb []byte) (Meta, bool) {
	if hc == nil {
		return Meta{}, false
	}
	if e := hc.p.Load(); e != nil && e.meta.Version == v && e.text == string(hb) {
		return e.meta, true
	}
	return Meta{}, false
}

// keep remembers text (which must never change: a string) parsed as meta.
func (hc *HeaderCache) keep(text string, meta Meta) {
	if hc != nil {
		hc.p.Store(&headerEntry{text: text, meta: meta})
	}
}

// borrowMax is the largest buffer of its own readWhole lets a Meta's strings
// point into (and keep alive): beyond it they get a copy of the header.
const borrowMax = 8 << 10

// decodePayload sets rv's element from a verified payload (or the
// literal), replacing it only with a fully decoded value. shared: see
// readWhole.
func decodePayload(ctx context.Context, key string, meta Meta, payload []byte, ser serializer.Serializer, rv reflect.Value, shared bool) (Meta, error) {
	if err := decodeInto(ctx, key, &meta, payload, ser, rv, shared); err != nil {
		return Meta{}, err
	}
	return meta, nil
}

// decodeInto is decodePayload with the record's Meta by pointer (read
// only), returning only the error.
func decodeInto(ctx context.Context, key string, meta *Meta, payload []byte, ser serializer.Serializer, rv reflect.Value, shared bool) error {
	if meta.Literal != nil {
		return decodeOpened(key, meta, payload, nil, rv, shared)
	}
	s, err := serializerOf(key, meta, ser)
	if err != nil {
		return err
	}
	if meta.Encryption != nil {
		plain, err := open(keyringOf(ctx, false), key, meta, payload, !shared)
		if err != nil {
			return err
		}
		payload, shared = plain, false
	}
	return decodeOpened(key, meta, payload, s, rv, shared)
}

// serializerOf is the serializer that decodes a record of meta: ser when
// it is the record's, else the record's own.
func serializerOf(key string, meta *Meta, ser serializer.Serializer) (serializer.Serializer, error) {
	if ser != nil && ser.Spec().Equal(*meta.Serializer) {
		return ser, nil
	}
	s, err := serializer.New(*meta.Serializer)
	if err != nil {
		return nil, fmt.Errorf("record %q: %w: %w", storage.ShortKey(key), ErrDecode, err)
	}
	return s, nil
}

// decodeOpened is decodeInto for a payload already opened (or never
// sealed), with s from serializerOf (nil for a literal).
func decodeOpened(key string, meta *Meta, payload []byte, s serializer.Serializer, rv reflect.Value, shared bool) error {
	if meta.Literal != nil {
		if err := setLiteral(rv.Elem(), *meta.Literal); err != nil {
			return fmt.Errorf("record %q: %w: %w", storage.ShortKey(key), ErrDecode, err)
		}
		return nil
	}
	var in *serializer.Verified
	if shared {
		in = serializer.NewVerifiedShared(payload)
	} else {
		in = serializer.NewVerified(payload)
	}
	if dst := rv.Elem(); dst.IsZero() {
		// Decoded in place: a failed decode leaves dst zero again, as it
		// was, and a decoder finds nothing of an earlier value to merge
		// into. Serves P3 (both rows): a hit decodes into its run's zero
		// value; a memory hit (benchtable's HitMemoryTask.State) went
		// from 7 to 6 allocations and from 25.9k to 25.2k instructions
		// (callgrind).
		if err := decodeSafe(s, in, rv.Interface()); err != nil {
			dst.SetZero()
			return fmt.Errorf("record %q: %w: %s into %s: %w", storage.ShortKey(key), ErrDecode, meta.Serializer.String(), dst.Type(), err)
		}
		return nil
	}
	fresh := reflect.New(rv.Elem().Type())
	if err := decodeSafe(s, in, fresh.Interface()); err != nil {
		return fmt.Errorf("record %q: %w: %s into %s: %w", storage.ShortKey(key), ErrDecode, meta.Serializer.String(), rv.Elem().Type(), err)
	}
	rv.Elem().Set(fresh.Elem())
	return nil
}

// readInMemory reads a record held whole in b: in place by readWhole when
// it is an intact binary record, else through the general path, which finds
// and reports what is wrong. shared says b is a store's own memory (see
// readWhole): the general path then reads the payload into a buffer of its
// own rather than handing out slices of b.
func readInMemory(ctx context.Context, st storage.Storage, key string, b []byte, shared bool, memo *storage.Memo, hc *HeaderCache, ser serializer.Serializer, rv reflect.Value, accept func(*Meta) error) (*Meta, error) {
	m, ok, accepted, err := readWhole(ctx, b, key, ser, rv, accept, shared, memo, hc)
	if ok {
		return m, err
	}
	if accepted {
		accept = nil
	}
	src := io.Reader(bytes.NewReader(b))
	if !shared {
		src = &owned{Reader: bytes.NewReader(b), b: b}
	}
	m2, err := readOpened(ctx, st, key, src, int64(len(b)), ser, rv, accept)
	return &m2, err
}
