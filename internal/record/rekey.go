package record

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/resultgen/resultgen/runtime/storage"
)

// Rekeyed is what Rekey did to one record.
type Rekeyed struct {
	From string // the key id it was sealed under ("" for a record in the clear)
	To   string // the key id it is (or, dry, would be) sealed under now
	// Changed: the data key was re-wrapped (or, dry, would be). False for
	// a record in the clear (Rekey does not encrypt it) or one already
	// under the current key.
	Changed bool
}

// Rekey re-wraps the data key of the sealed record at key under kr's
// current key, so that the keys it was sealed under can leave the keyring.
// Only the header changes (key id and wrapped key); the sealed payload and
// the trailer are streamed from the old object to the new one, their
// digest checked on the way (a damaged record fails and stays as it was),
// so a record of any size takes a chunk of memory. Idempotent: a record
// already under the current key, or in the clear, is left untouched
// (Changed false). dry reports what it would do, writing nothing; it still
// unwraps the data key, so a key missing from the keyring shows (ErrKeyMissing).
//
// The new record replaces the old atomically (st.Put). A run that wrote
// the key between Rekey's read and its write loses to it: run rekey while
// nothing writes the store.
func Rekey(ctx context.Context, st storage.Storage, key string, kr *Keyring, dry bool) (Rekeyed, error) {
	rc, err := st.Get(ctx, key)
	if err != nil {
		return Rekeyed{}, err
	}
	defer rc.Close()
	d, err := newReader(rc, key)
	if err != nil {
		return Rekeyed{}, Classify(ctx, st, key, err)
	}
	m := d.meta
	if m.Encryption == nil {
		return Rekeyed{}, nil
	}
	r := Rekeyed{From: m.Encryption.KeyID, To: kr.Current()}
	if r.From == r.To {
		return r, nil
	}
	bind := binding(key, &m)
	dk, err := unwrap(kr, key, &m, bind)
	if err != nil {
		return r, err
	}
	r.Changed = true
	if dry {
		return r, nil
	}
	e := *m.Encryption
	e.KeyID = kr.Current()
	if e.WrappedKey, err = kr.Wrap(e.KeyID, dk, wrapAAD(e.KeyID, bind)); err != nil {
		return r, fmt.Errorf("record %q: rekey: %w", storage.ShortKey(key), err)
	}
	e.NoncePrefix = slices.Clone(e.NoncePrefix)
	m.Encryption = &e
	head, err := encodeHeader(m, framingBinary)
	if err != nil {
		return r, fmt.Errorf("record %q: rekey: %w", storage.ShortKey(key), err)
	}
	body := io.MultiReader(bytes.NewReader(head), d, &trailerAfter{d: d})
	if err := st.Put(ctx, key, body, storage.PutOptions{Size: -1, Metadata: putMetadata(st, m, nil)}); err != nil {
		return r, err
	}
	return r, nil
}

// trailerAfter yields the trailer of the payload d read to its verified
// end: the same bytes the old object ended with.
type trailerAfter struct {
	d *Reader
	b []byte
}

func (t *trailerAfter) Read(p []byte) (int, error) {
	if t.b == nil {
		if !t.d.done {
			return 0, fmt.Errorf("record %q: rekey: the payload was not read to its end", storage.ShortKey(t.d.key))
		}
		t.b = encodeTrailer(t.d.n, t.d.h.Sum(nil))
	}
	if len(t.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, t.b)
	t.b = t.b[n:]
	return n, nil
}
