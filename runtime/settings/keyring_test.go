package settings_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/runtime/settings"
)

// The keyring comes from RESULTGEN_KEYRING, else the file
// RESULTGEN_KEYRING_FILE names; a bad one is an *Error naming the setting
// that never quotes a key.
func TestKeyringSetting(t *testing.T) {
	dir := t.TempDir()
	k1 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	k2 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32))
	file := filepath.Join(dir, "keys")
	if err := os.WriteFile(file, []byte("# rotated 2026-12\nold:"+k1+"\n*new:"+k2+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	load := func(vars map[string]string) (settings.Settings, error) {
		vars[settings.Home] = filepath.Join(dir, "home")
		return settings.LoadFrom(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
	}
	s, err := load(map[string]string{settings.KeyringFile: file, settings.EncryptResults: "yes"})
	if err != nil || s.Keyring == nil || s.Keyring.Current() != "new" || !s.Keyring.Has("old") || !s.EncryptResults {
		t.Fatalf("from the file: %v, %v", err, s.Keyring)
	}
	s, err = load(map[string]string{settings.KeyringFile: file, settings.Keyring: "env:" + k1})
	if err != nil || s.Keyring.Current() != "env" || s.Keyring.Has("old") {
		t.Fatalf("the variable wins: %v, %v", err, s.Keyring)
	}
	if s, err := load(map[string]string{}); err != nil || s.Keyring != nil {
		t.Fatalf("none: %v, %v", err, s.Keyring)
	}
	for _, vars := range []map[string]string{
		{settings.Keyring: "k:" + k1[:20]},
		{settings.Keyring: k1},
		{settings.KeyringFile: filepath.Join(dir, "missing")},
	} {
		_, err := load(vars)
		var se *settings.Error
		if !errors.As(err, &se) || !errors.Is(err, settings.ErrInvalidValue) {
			t.Errorf("%v: %v, want an *Error wrapping ErrInvalidValue", vars, err)
			continue
		}
		if strings.Contains(err.Error(), k1[:12]) {
			t.Errorf("the error shows the key: %v", err)
		}
		if !strings.Contains(err.Error(), "RESULTGEN_KEYRING") {
			t.Errorf("the error names no setting: %v", err)
		}
	}
}
