package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage"
)

const encSecret = "Zq-private-diagnosis"

// putSealed writes an encrypted record of v at key under kr's current key.
func putSealed(t *testing.T, st storage.Storage, key string, kr *record.Keyring, v any) {
	t.Helper()
	ctx := record.WithSealing(context.Background(), kr)
	if _, err := record.Write(ctx, st, key, record.Meta{Task: "diagnose"}, serializer.JSON(), v, storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
}

func encKey(b byte) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, 32)) }

// show, ls and verify work on an encrypted record without its key, say the
// payload is encrypted and under which key id, and print neither the value
// nor a key; show -value with the keyring prints the value.
func TestResultsEncrypted(t *testing.T) {
	st, _ := resultsHome(t)
	kr, err := record.ParseKeyring("k7:" + encKey(7))
	if err != nil {
		t.Fatal(err)
	}
	putSealed(t, st, "diag.json", kr, map[string]string{"note": encSecret})
	t.Setenv(settings.Keyring, "")
	checks := map[string][]string{
		"show":        {"payload encrypted (key k7, " + record.CipherChunked + ")", "format version:", "4"},
		"show -value": {"payload encrypted (key k7", "value: not shown:", `key "k7"`},
		"ls":          {"diag.json", "encrypted, key k7"},
		"ls json":     {`"key_id": "k7"`},
		"verify":      {"OK", "diag.json", "payload encrypted (key k7"},
	}
	args := map[string][]string{
		"show":        {"results", "show", "diag.json"},
		"show -value": {"results", "show", "-value", "diag.json"},
		"ls":          {"results", "ls"},
		"ls json":     {"results", "ls", "-format", "json"},
		"verify":      {"results", "verify"},
	}
	for name, wants := range checks {
		code, out, errs := runCLI(args[name]...)
		if code != exitOK {
			t.Errorf("%s: exit %d\n%s%s", name, code, out, errs)
			continue
		}
		for _, w := range wants {
			if !strings.Contains(out, w) {
				t.Errorf("%s lacks %q:\n%s", name, w, out)
			}
		}
		for _, leak := range []string{encSecret, "Zq-", encKey(7)[:12]} {
			if strings.Contains(out+errs, leak) {
				t.Errorf("%s prints %q:\n%s%s", name, leak, out, errs)
			}
		}
	}
	t.Setenv(settings.Keyring, "k7:"+encKey(7))
	code, out, errs := call("results", "show", "-value", "diag.json")
	if code != exitOK || !strings.Contains(out, encSecret) {
		t.Errorf("show -value with the keyring: exit %d\n%s%s", code, out, errs)
	}
	if strings.Contains(out+errs, encKey(7)[:12]) {
		t.Errorf("show prints the key:\n%s%s", out, errs)
	}
}

// results rekey: dry first, then for real, then nothing left; the old key
// can leave the keyring after; a record whose key is missing fails the
// command and stays.
func TestResultsRekey(t *testing.T) {
	st, _ := resultsHome(t)
	old, err := record.ParseKeyring("old:" + encKey(1))
	if err != nil {
		t.Fatal(err)
	}
	putSealed(t, st, "a.json", old, map[string]string{"note": encSecret})
	putSealed(t, st, "b.json", old, []int{1, 2})
	put(t, st, "clear.json", record.Meta{Task: "c"}, serializer.JSON(), 3)

	t.Setenv(settings.Keyring, "")
	if code, _, errs := call("results", "rekey"); code != exitUsage || !strings.Contains(errs, settings.Keyring) {
		t.Errorf("without a keyring: exit %d, %s", code, errs)
	}
	t.Setenv(settings.Keyring, "old:"+encKey(1)+",*new:"+encKey(2))
	code, out, errs := call("results", "rekey", "-dry-run")
	if code != exitOK || strings.Count(out, "WOULD REKEY") != 2 || !strings.Contains(out, "old -> new") || !strings.Contains(errs, "2 would be re-wrapped") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = call("results", "rekey")
	if code != exitOK || strings.Count(out, "REKEYED") != 2 || !strings.Contains(errs, "2 re-wrapped, 0 already under key new, 1 in the clear") {
		t.Fatalf("rekey: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = call("results", "rekey")
	if code != exitOK || out != "" || !strings.Contains(errs, "0 re-wrapped, 2 already under key new") {
		t.Errorf("again: exit %d\n%s%s", code, out, errs)
	}
	t.Setenv(settings.Keyring, "new:"+encKey(2))
	if code, out, errs := call("results", "show", "-value", "a.json"); code != exitOK || !strings.Contains(out, encSecret) || !strings.Contains(out, "key new") {
		t.Errorf("show with the new key only: exit %d\n%s%s", code, out, errs)
	}
	t.Setenv(settings.Keyring, "other:"+encKey(3))
	code, out, errs = call("results", "rekey")
	if code != exitProblems || strings.Count(out, "FAILED") != 2 || !strings.Contains(out, `key "new"`) {
		t.Errorf("keys missing: exit %d\n%s%s", code, out, errs)
	}
	for _, leak := range []string{encSecret, encKey(1)[:12], encKey(2)[:12], encKey(3)[:12]} {
		if strings.Contains(out+errs, leak) {
			t.Errorf("rekey prints %q", leak)
		}
	}
}
