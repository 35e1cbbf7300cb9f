// Package keyring holds the key-encryption keys that seal results at rest
// (internal/record's sealed records): keys by id, one of them current, and
// the primitives that use them (Wrap, Unwrap, MAC). A keyring never prints
// its keys: String and every fmt verb show the ids only, and no error
// quotes a key.
//
// Its spelling (RESULTGEN_KEYRING, or a file named by
// RESULTGEN_KEYRING_FILE) is "id:base64key[,id2:base64key...]": 32-byte
// AES-256 keys in standard or URL base64, entries separated by commas,
// spaces or newlines, lines starting with '#' ignored. The first key is
// current unless one is marked with a leading '*'.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

const (
	keySize = 32
	tagSize = 16
)

// Keyring holds key-encryption keys by id, one of them current (the one new
// records and Rekey wrap under). It never prints its keys: String and
// every fmt verb show the ids only.
type Keyring struct {
	ids     []string
	aeads   map[string]cipher.AEAD
	macKey  []byte // derived from the current key (see MAC)
	current string
}

// New returns a keyring of the 32-byte keys by id, current among
// them.
func New(current string, keys map[string][]byte) (*Keyring, error) {
	k := &Keyring{aeads: map[string]cipher.AEAD{}, current: current}
	for _, id := range slices.Sorted(func(yield func(string) bool) {
		for id := range keys {
			if !yield(id) {
				return
			}
		}
	}) {
		if err := k.add(id, keys[id]); err != nil {
			return nil, err
		}
	}
	if _, ok := k.aeads[current]; !ok {
		return nil, fmt.Errorf("keyring: current key %q is not among its keys", current)
	}
	k.macKey = deriveMACKey(keys[current])
	return k, nil
}

// ValidID reports whether id may name a key: 1 to 64 letters, digits,
// '-', '_' or '.'.
func ValidID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func (k *Keyring) add(id string, key []byte) error {
	if !ValidID(id) {
		return fmt.Errorf("keyring: key id %q: use 1 to 64 letters, digits, '-', '_' or '.'", id)
	}
	if _, dup := k.aeads[id]; dup {
		return fmt.Errorf("keyring: key id %q appears twice", id)
	}
	if len(key) != keySize {
		return fmt.Errorf("keyring: key %q has %d bytes, want 32 (AES-256; make one with `openssl rand -base64 32`)", id, len(key))
	}
	a, err := newGCM(key)
	if err != nil {
		return fmt.Errorf("keyring: key %q: %w", id, err)
	}
	k.ids = append(k.ids, id)
	k.aeads[id] = a
	return nil
}

// Parse parses a keyring spelled "id:base64key[,id2:base64key...]"
// (commas, spaces or newlines between entries; lines starting with '#'
// are comments, for key files). The first key is current unless one is
// marked with a leading '*' ("old:...,*new:..."). Keys are 32 bytes in
// standard or URL base64, padded or not. Errors never quote a key.
func Parse(spec string) (*Keyring, error) {
	var lines []string
	for l := range strings.Lines(spec) {
		if t := strings.TrimSpace(l); !strings.HasPrefix(t, "#") {
			lines = append(lines, t)
		}
	}
	fields := strings.FieldsFunc(strings.Join(lines, ","), func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	if len(fields) == 0 {
		return nil, errors.New("keyring: no keys (spell it id:base64key[,id2:base64key])")
	}
	k := &Keyring{aeads: map[string]cipher.AEAD{}}
	var current []byte
	marked := false
	for i, f := range fields {
		mark := strings.HasPrefix(f, "*")
		f = strings.TrimPrefix(f, "*")
		id, b64, ok := strings.Cut(f, ":")
		if !ok {
			return nil, fmt.Errorf("keyring: entry %d has no ':' between the key id and the key (spell it id:base64key)", i+1)
		}
		key, err := decodeKey(b64)
		if err != nil {
			return nil, fmt.Errorf("keyring: key %q is not base64", id)
		}
		if err := k.add(id, key); err != nil {
			return nil, err
		}
		switch {
		case mark && marked:
			return nil, errors.New("keyring: more than one key is marked current ('*')")
		case mark || i == 0 && !marked:
			k.current, current, marked = id, key, mark
		}
	}
	k.macKey = deriveMACKey(current)
	return k, nil
}

func decodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if b, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawURLEncoding.DecodeString(s)
}

// Current returns the id of the key new records are wrapped under.
func (k *Keyring) Current() string { return k.current }

// IDs returns the keyring's key ids in the order given.
func (k *Keyring) IDs() []string { return slices.Clone(k.ids) }

// Has reports whether the keyring holds a key of that id.
func (k *Keyring) Has(id string) bool { _, ok := k.aeads[id]; return ok }

// String names the keys, never their bytes.
func (k *Keyring) String() string {
	if k == nil {
		return "keyring(none)"
	}
	return fmt.Sprintf("keyring(current %s; ids %s)", k.current, strings.Join(k.ids, ", "))
}

// Format prints String for every verb (%v, %+v, %#v, %s, ...): a keyring
// logged or printed by mistake shows no key.
func (k *Keyring) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// MAC returns a keyed hash (HMAC-SHA-256) of data under a key derived from
// the current key, for hashes stored next to sealed records (the runtime's
// key manifest): unlike a plain hash, it is no oracle for guessing a
// low-entropy value without the key.
func (k *Keyring) MAC(data []byte) []byte {
	m := hmac.New(sha256.New, k.macKey)
	m.Write(data)
	return m.Sum(nil)
}

func deriveMACKey(key []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("resultgen manifest hmac v1"))
	return m.Sum(nil)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// Wrap seals the data key dk under the key id (AES-256-GCM, a random
// nonce): nonce | sealed dk | tag, with aad authenticated.
func (k *Keyring) Wrap(id string, dk, aad []byte) ([]byte, error) {
	a, ok := k.aeads[id]
	if !ok {
		return nil, fmt.Errorf("keyring: no key %q", id)
	}
	nonce := make([]byte, a.NonceSize(), a.NonceSize()+len(dk)+tagSize)
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return a.Seal(nonce, nonce, dk, aad), nil
}

// ErrUnwrap: a wrapped key does not open (wrong key, other aad, changed).
var ErrUnwrap = errors.New("keyring: wrapped key does not open")

// Unwrap opens what Wrap sealed under the key id with the same aad.
func (k *Keyring) Unwrap(id string, wrapped, aad []byte) ([]byte, error) {
	a, ok := k.aeads[id]
	if !ok {
		return nil, fmt.Errorf("keyring: no key %q", id)
	}
	ns := a.NonceSize()
	if len(wrapped) < ns+tagSize {
		return nil, ErrUnwrap
	}
	dk, err := a.Open(nil, wrapped[:ns], wrapped[ns:], aad)
	if err != nil {
		return nil, ErrUnwrap
	}
	return dk, nil
}
