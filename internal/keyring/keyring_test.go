package keyring_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/resultgen/resultgen/internal/keyring"
)

func key(b byte) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, 32)) }

// Wrap and Unwrap round-trip under one id and aad, and fail under another
// key, id or aad; MAC depends on the current key only.
func TestWrapAndMAC(t *testing.T) {
	kr, err := keyring.Parse("a:" + key(1) + ",*b:" + key(2))
	if err != nil {
		t.Fatal(err)
	}
	dk := bytes.Repeat([]byte{9}, 32)
	w, err := kr.Wrap("a", dk, []byte("aad"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := kr.Unwrap("a", w, []byte("aad")); err != nil || !bytes.Equal(got, dk) {
		t.Fatalf("unwrap: %v", err)
	}
	if _, err := kr.Unwrap("b", w, []byte("aad")); !errors.Is(err, keyring.ErrUnwrap) {
		t.Errorf("under another key: %v", err)
	}
	if _, err := kr.Unwrap("a", w, []byte("other")); !errors.Is(err, keyring.ErrUnwrap) {
		t.Errorf("with another aad: %v", err)
	}
	if _, err := kr.Wrap("c", dk, nil); err == nil {
		t.Error("wrap under a missing id")
	}
	same, _ := keyring.Parse("b:" + key(2))
	other, _ := keyring.Parse("a:" + key(1))
	if !bytes.Equal(kr.MAC([]byte("x")), same.MAC([]byte("x"))) || bytes.Equal(kr.MAC([]byte("x")), other.MAC([]byte("x"))) {
		t.Error("MAC does not follow the current key")
	}
	if k2, err := keyring.New("b", map[string][]byte{"a": bytes.Repeat([]byte{1}, 32), "b": bytes.Repeat([]byte{2}, 32)}); err != nil || k2.Current() != "b" || !k2.Has("a") {
		t.Errorf("New: %v", err)
	}
}
