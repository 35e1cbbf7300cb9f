package serializer

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

// Msgpack returns the built-in msgpack serializer (the default).
func Msgpack() Serializer { return msgpackSer{} }

// JSON returns the built-in encoding/json serializer.
func JSON() Serializer { return jsonSer{} }

// Gob returns the built-in encoding/gob serializer.
func Gob() Serializer { return gobSer{} }

func builtin(typ string) Serializer {
	switch typ {
	case JSONName:
		return jsonSer{}
	case GobName:
		return gobSer{}
	default:
		return msgpackSer{}
	}
}

// Verified is an in-memory input whose integrity the caller has already
// checked (package record verifies a payload's SHA-256 before decoding it).
// Built-in serializers trust the lengths it holds: they allocate slices and
// strings at their final size at once instead of growing them defensively,
// which keeps a large decode at payload + value in memory, and json decodes
// it without copying. A []byte value msgpack decodes from it is a slice of
// b, not a copy (a large []byte result is then held once in memory): b must
// belong to the decoded value from then on, never reused by the caller. Any
// other serializer just reads it as an io.Reader.
type Verified struct {
	bytes.Reader
	b      []byte
	shared bool // b is not the caller's to give: decoded values never alias it
}

// NewVerified wraps b, which the caller vouches for.
func NewVerified(b []byte) *Verified {
	v := &Verified{b: b}
	v.Reset(b)
	return v
}

// NewVerifiedShared wraps b, which the caller vouches for but does not own
// (a store's own memory, which must never change): built-in serializers
// trust its lengths as NewVerified's, but a decoded []byte is a copy, never
// a slice of b.
func NewVerifiedShared(b []byte) *Verified {
	v := &Verified{b: b, shared: true}
	v.Reset(b)
	return v
}

// remaining returns the unread bytes and marks them read.
func (v *Verified) remaining() []byte {
	off := len(v.b) - v.Len()
	_, _ = v.Seek(0, io.SeekEnd)
	return v.b[off:]
}

// binInPlace consumes a msgpack bin value (bin 8, 16 or 32) at the read
// position and returns its bytes as a slice of b, capacity capped at its
// length; false (nothing consumed) for anything else.
func (v *Verified) binInPlace() ([]byte, bool) {
	if v.shared {
		return nil, false
	}
	off := len(v.b) - v.Len()
	b := v.b[off:]
	var n, hdr int
	switch {
	case len(b) >= 2 && b[0] == 0xc4:
		n, hdr = int(b[1]), 2
	case len(b) >= 3 && b[0] == 0xc5:
		n, hdr = int(binary.BigEndian.Uint16(b[1:])), 3
	case len(b) >= 5 && b[0] == 0xc6:
		n, hdr = int(binary.BigEndian.Uint32(b[1:])), 5
	default:
		return nil, false
	}
	if n > len(b)-hdr {
		return nil, false // cut short: the decoder reports it
	}
	_, _ = v.Seek(int64(off+hdr+n), io.SeekStart)
	return b[hdr : hdr+n : hdr+n], true
}

// trusted marks a stream derived from verified input (a decompressor reading
// a Verified payload).
type trusted struct{ io.Reader }

func isTrusted(r io.Reader) bool {
	switch r.(type) {
	case *Verified, trusted:
		return true
	}
	return false
}

type msgpackSer struct{}

func (msgpackSer) Spec() Spec { return Spec{Type: MsgpackName} }

var (
	msgpackEncoders = sync.Pool{New: func() any { return msgpack.NewEncoder(nil) }}
	msgpackDecoders = sync.Pool{New: func() any { return msgpack.NewDecoder(nil) }}
)

func (msgpackSer) Encode(w io.Writer, v any) error {
	enc := msgpackEncoders.Get().(*msgpack.Encoder)
	enc.Reset(w) // clears every flag
	enc.SetSortMapKeys(true)
	err := enc.Encode(v)
	enc.Reset(nil)
	msgpackEncoders.Put(enc)
	if err != nil {
		return fmt.Errorf("msgpack: encode %T: %w", v, err)
	}
	return nil
}

func (msgpackSer) Decode(r io.Reader, v any) error {
	if vr, ok := r.(*Verified); ok {
		if p, ok := v.(*[]byte); ok {
			if b, ok := vr.binInPlace(); ok {
				*p = b
				return nil
			}
		}
	}
	dec := msgpackDecoders.Get().(*msgpack.Decoder)
	dec.Reset(r) // clears every flag
	if isTrusted(r) {
		dec.DisableAllocLimit(true)
	}
	err := dec.Decode(v)
	dec.Reset(nil)
	msgpackDecoders.Put(dec)
	if err != nil {
		return fmt.Errorf("msgpack: decode into %T: %w", v, err)
	}
	return nil
}

type jsonSer struct{}

func (jsonSer) Spec() Spec { return Spec{Type: JSONName} }

func (jsonSer) Encode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("json: encode %T: %w", v, err)
	}
	return nil
}

func (jsonSer) Decode(r io.Reader, v any) error {
	var err error
	if vr, ok := r.(*Verified); ok {
		// The whole value is in memory already: decode it in place instead
		// of letting json.Decoder copy it into its own buffer.
		err = json.Unmarshal(vr.remaining(), v)
	} else {
		err = json.NewDecoder(r).Decode(v)
	}
	if err != nil {
		return fmt.Errorf("json: decode into %T: %w", v, err)
	}
	return nil
}

type gobSer struct{}

func (gobSer) Spec() Spec { return Spec{Type: GobName} }

func (gobSer) Encode(w io.Writer, v any) error {
	if err := gob.NewEncoder(w).Encode(v); err != nil {
		return fmt.Errorf("gob: encode %T: %w", v, err)
	}
	return nil
}

func (gobSer) Decode(r io.Reader, v any) error {
	if err := gob.NewDecoder(r).Decode(v); err != nil {
		return fmt.Errorf("gob: decode into %T: %w", v, err)
	}
	return nil
}
