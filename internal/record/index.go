package record

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/resultgen/resultgen/runtime/storage"
)

// IndexKey is the key of the index object of the function fn (its import
// path and name, runtime.Def.Func) in any store: ".index/" and the first
// 32 hex digits of the SHA-256 of fn.
func IndexKey(fn string) string {
	sum := sha256.Sum256([]byte(fn))
	return storage.IndexKey(hex.EncodeToString(sum[:16]))
}

// WriteIndex stores m, a committed record's Meta (its header: manifest,
// type, key, created), as the index object of the function that wrote it:
// the runtime explains a later miss against it without listing the store.
// It is one small, unconditional Put, without fsync on local storage
// (PutOptions.NoSync): an index lost in a crash only makes the next miss
// unexplained.
func WriteIndex(ctx context.Context, st storage.Storage, m Meta) error {
	js, err := headerJSON(m)
	if err != nil {
		return err
	}
	return st.Put(ctx, IndexKey(m.Func), bytes.NewReader(js), storage.PutOptions{Size: int64(len(js)), NoSync: true})
}

// ReadIndex reads the index object of fn (see WriteIndex); a missing one
// gives an error wrapping storage.ErrNotFound, one larger than
// MaxHeaderSize an error wrapping ErrCorrupt.
func ReadIndex(ctx context.Context, st storage.Storage, fn string) (Meta, error) {
	rc, err := st.Get(ctx, IndexKey(fn))
	if err != nil {
		return Meta{}, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, MaxHeaderSize+1))
	if err != nil {
		return Meta{}, err
	}
	if len(b) > MaxHeaderSize {
		return Meta{}, corrupt(IndexKey(fn), MaxHeaderSize, nil, fmt.Sprintf("index object exceeds %d bytes", MaxHeaderSize))
	}
	return parseHeader(b)
}
