package record

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"reflect"
	"unsafe"

	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

// readWhole is readOpened for a binary-framed record held whole in b: the
// prefix, header CRC, trailer CRC, payload length and payload SHA-256 are
// checked in place, with no reader and no copy, before accept sees the
// header and before a byte of the payload is decoded. shared says b is
// not the caller's (a store's own memory): a decoded value never aliases
// it then.
//
// ok is false, with nothing called or decoded, when b is anything but an
// intact binary record (JSON framing, damage of any kind): the caller then
// reads b through the general path, which finds and reports what is wrong
// exactly as it would have.
func readWhole(b []byte, key string, ser serializer.Serializer, rv reflect.Value, accept func(Meta) error, shared bool) (m Meta, ok bool, err error) {
	if len(b) < Overhead || string(b[:len(magic)]) != magic || binary.BigEndian.Uint16(b[8:10]) != Version {
		return Meta{}, false, nil
	}
	hlen := int64(binary.BigEndian.Uint32(b[10:14]))
	headerEnd := prefixSize + hlen + crcSize
	if hlen > MaxHeaderSize || headerEnd+trailerSize > int64(len(b)) {
		return Meta{}, false, nil
	}
	hb := b[prefixSize : prefixSize+hlen]
	if crc32.Update(crc32.Checksum(b[len(magic):prefixSize], castagnoli), castagnoli, hb) != binary.BigEndian.Uint32(b[prefixSize+hlen:]) {
		return Meta{}, false, nil
	}
	tr := b[len(b)-trailerSize:]
	payload := b[headerEnd : len(b)-trailerSize : len(b)-trailerSize]
	if string(tr[44:48]) != endMagic || crc32.Checksum(tr[:40], castagnoli) != binary.BigEndian.Uint32(tr[40:44]) ||
		binary.BigEndian.Uint64(tr[:8]) != uint64(len(payload)) {
		return Meta{}, false, nil
	}
	sum := sha256.Sum256(payload)
	if !bytes.Equal(sum[:], tr[8:40]) {
		return Meta{}, false, nil
	}
	var text string
	if shared || len(b) <= borrowMax {
		// b never changes (a store's memory, or a small buffer of ours whose
		// header part nothing writes): the Meta's strings are slices of it.
		text = unsafe.String(unsafe.SliceData(hb), len(hb))
	} else {
		text = string(hb)
	}
	meta, err := parseHeaderText(hb, text)
	if err != nil || meta.Literal != nil && len(payload) != 0 {
		return Meta{}, false, nil
	}
	if accept != nil {
		if err := accept(meta); err != nil {
			return meta, true, err
		}
	}
	meta.Size = int64(len(payload))
	meta.Checksum = checksumOf(sum[:])
	meta, err = decodePayload(key, meta, payload, ser, rv, shared)
	return meta, true, err
}

// borrowMax is the largest buffer of its own readWhole lets a Meta's strings
// point into (and keep alive): beyond it they get a copy of the header.
const borrowMax = 8 << 10

// decodePayload sets rv's element from a verified payload (or the
// literal), replacing it only with a fully decoded value. shared: see
// readWhole.
func decodePayload(key string, meta Meta, payload []byte, ser serializer.Serializer, rv reflect.Value, shared bool) (Meta, error) {
	if meta.Literal != nil {
		if err := setLiteral(rv.Elem(), *meta.Literal); err != nil {
			return Meta{}, fmt.Errorf("record %q: %w: %w", storage.ShortKey(key), ErrDecode, err)
		}
		return meta, nil
	}
	s := ser
	if s == nil || !s.Spec().Equal(*meta.Serializer) {
		var err error
		if s, err = serializer.New(*meta.Serializer); err != nil {
			return Meta{}, fmt.Errorf("record %q: %w: %w", storage.ShortKey(key), ErrDecode, err)
		}
	}
	var in *serializer.Verified
	if shared {
		in = serializer.NewVerifiedShared(payload)
	} else {
		in = serializer.NewVerified(payload)
	}
	fresh := reflect.New(rv.Elem().Type())
	if err := decodeSafe(s, in, fresh.Interface()); err != nil {
		return Meta{}, fmt.Errorf("record %q: %w: %s into %s: %w", storage.ShortKey(key), ErrDecode, meta.Serializer.String(), rv.Elem().Type(), err)
	}
	rv.Elem().Set(fresh.Elem())
	return meta, nil
}

// readInMemory reads a record held whole in b: in place by readWhole when
// it is an intact binary record, else through the general path, which finds
// and reports what is wrong. shared says b is a store's own memory (see
// readWhole): the general path then reads the payload into a buffer of its
// own rather than handing out slices of b.
func readInMemory(ctx context.Context, st storage.Storage, key string, b []byte, shared bool, ser serializer.Serializer, rv reflect.Value, accept func(Meta) error) (Meta, error) {
	if m, ok, err := readWhole(b, key, ser, rv, accept, shared); ok {
		return m, err
	}
	src := io.Reader(bytes.NewReader(b))
	if !shared {
		src = &owned{Reader: bytes.NewReader(b), b: b}
	}
	return readOpened(ctx, st, key, src, int64(len(b)), ser, rv, accept)
}
