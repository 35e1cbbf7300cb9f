package typeid

import (
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"sync"

	"github.com/resultgen/resultgen/internal/typeid/internal/canon"
)

// HashPrefix starts every Fingerprint hash.
const HashPrefix = "sha256:"

// Fingerprint identifies the shape of a Go type: its canonical description
// (see the package documentation for the grammar) and the SHA-256 of that
// description. Two types have equal fingerprints exactly when their
// descriptions are equal. Fingerprints are comparable with ==; the zero
// Fingerprint describes no type.
type Fingerprint struct {
	canonical string
	hash      string
}

// Of returns the fingerprint of T.
func Of[T any]() Fingerprint { return OfReflect(reflect.TypeFor[T]()) }

// OfReflect returns the fingerprint of t; a nil t gives the zero Fingerprint.
// Fingerprints are computed once per type and remembered.
func OfReflect(t reflect.Type) Fingerprint {
	if t == nil {
		return Fingerprint{}
	}
	if f, ok := memo.Load(t); ok {
		return f.(Fingerprint)
	}
	f := FromCanonical(canon.Describe(wrap(t)))
	memo.Store(t, f)
	return f
}

// memo maps a reflect.Type to its Fingerprint.
var memo sync.Map

// FromCanonical returns the fingerprint whose description is canonical,
// hashing it. It does not check that canonical is well formed; it is how
// package typeidtypes builds fingerprints, and how a description stored
// elsewhere is turned back into a Fingerprint.
func FromCanonical(canonical string) Fingerprint {
	sum := sha256.Sum256([]byte(canonical))
	return Fingerprint{canonical: canonical, hash: HashPrefix + hex.EncodeToString(sum[:])}
}

// Canonical returns the canonical description, e.g.
// `example.com/app.Row=struct{ID int "msgpack:\"id\""; At time.Time}`.
func (f Fingerprint) Canonical() string { return f.canonical }

// Hash returns "sha256:" followed by the 64 lowercase hex digits of the
// SHA-256 of the canonical description ("" for the zero Fingerprint).
func (f Fingerprint) Hash() string { return f.hash }

// IsZero reports whether f is the zero Fingerprint.
func (f Fingerprint) IsZero() bool { return f.hash == "" }

// String returns the hash followed by the description in parentheses.
func (f Fingerprint) String() string {
	if f.IsZero() {
		return "<no type>"
	}
	return f.hash + " (" + f.canonical + ")"
}
