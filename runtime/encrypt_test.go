package runtime_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
)

func b64Key(b byte) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, 32)) }

const secretValue = "Qwv-customer-card-4111"

func secretTask(opts ...runtime.Option) task[string] {
	def := &runtime.Def{Kind: runtime.KindTask, Name: "card", Func: "example.com/app.Card", Source: "sha256:1", GoType: "string", Value: true,
		Config: runtime.Config{Persist: ptr(true)}}
	tk := newTask(def, func(context.Context) (string, error) { return secretValue, nil }).WithOptions(opts...)
	tk.key = "card" // the same key in every process
	return tk
}

// onlyRecord returns the one record file under dir and its bytes.
func onlyRecord(t *testing.T, dir string) (string, []byte) {
	t.Helper()
	fs := files(t, dir)
	if len(fs) != 1 {
		t.Fatalf("want one record under %s, have %v", dir, fs)
	}
	b, err := os.ReadFile(filepath.Join(dir, fs[0]))
	if err != nil {
		t.Fatal(err)
	}
	return fs[0], b
}

// RESULTGEN_ENCRYPT_RESULTS=true with a keyring: the record on disk holds
// no byte of the value, and another process with the keyring reads it.
func TestEncryptResultsSetting(t *testing.T) {
	vars := map[string]string{settings.EncryptResults: "true", settings.Keyring: "k1:" + b64Key(1)}
	ctx, _, local := newEngine(t, vars)
	tk := secretTask()
	if v, err := tk.Call(ctx); err != nil || v != secretValue {
		t.Fatalf("%q, %v", v, err)
	}
	_, raw := onlyRecord(t, local)
	if bytes.Contains(raw, []byte("Qwv")) {
		t.Fatal("the record holds the value in the clear")
	}
	m, _, err := record.Decode(bytes.NewReader(raw))
	if err != nil || m.Version != record.VersionSealed || m.Encryption.KeyID != "k1" {
		t.Fatalf("record: %v, %+v", err, m)
	}
	vars[settings.LocalStoragePath] = local
	ctx2, _, _ := newEngine(t, vars)
	st := tk.State(ctx2)
	if v, err := st.Result(); err != nil || v != secretValue || st.Name() != runtime.StateCached {
		t.Fatalf("second process: %q, %v, state %s", v, err, st.Name())
	}
	if tk.calls.Load() != 1 {
		t.Errorf("body ran %d times", tk.calls.Load())
	}
}

// A process without the record's key fails the run, naming the key id,
// and neither runs the body nor touches the record.
func TestEncryptMissingKeyFailsAndKeeps(t *testing.T) {
	ctx, _, local := newEngine(t, map[string]string{settings.Keyring: "k1:" + b64Key(1)})
	tk := secretTask(runtime.Encrypt(true))
	if _, err := tk.Call(ctx); err != nil {
		t.Fatal(err)
	}
	name, before := onlyRecord(t, local)
	for what, vars := range map[string]map[string]string{
		"no keyring":    {settings.LocalStoragePath: local},
		"other key ids": {settings.LocalStoragePath: local, settings.Keyring: "k2:" + b64Key(1)},
		"wrong key":     {settings.LocalStoragePath: local, settings.Keyring: "k1:" + b64Key(2)},
	} {
		ctx2, _, _ := newEngine(t, vars)
		other := secretTask() // encryption off here: reading still needs the key
		_, err := other.Call(ctx2)
		if other.calls.Load() != 0 {
			t.Errorf("%s: the body ran (and would overwrite the record)", what)
		}
		want := runtime.ErrKeyMissing
		if what == "wrong key" {
			want = runtime.ErrDecrypt
		}
		if !errors.Is(err, want) || !strings.Contains(err.Error(), `"k1"`) {
			t.Errorf("%s: %v, want %v naming k1", what, err, want)
		}
		if strings.Contains(err.Error(), b64Key(1)[:10]) {
			t.Errorf("%s: the error shows the key: %v", what, err)
		}
		if _, after := onlyRecord(t, local); !bytes.Equal(before, after) {
			t.Fatalf("%s: the record %s was changed", what, name)
		}
	}
	if tk.calls.Load() != 1 {
		t.Errorf("body ran %d times", tk.calls.Load())
	}
}

// encrypt=true without a keyring fails the run before it computes;
// encrypt=false beats the setting; a bool is sealed too (not a literal).
func TestEncryptOptions(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	tk := secretTask(runtime.Encrypt(true))
	if _, err := tk.Call(ctx); !errors.Is(err, runtime.ErrKeyMissing) || !strings.Contains(err.Error(), settings.Keyring) {
		t.Errorf("encrypt=true without a keyring: %v", err)
	}
	if tk.calls.Load() != 0 {
		t.Errorf("the body ran")
	}

	vars := map[string]string{settings.EncryptResults: "true", settings.Keyring: "k1:" + b64Key(1)}
	ctx, _, local := newEngine(t, vars)
	if _, err := secretTask(runtime.Encrypt(false)).Call(ctx); err != nil {
		t.Fatal(err)
	}
	if _, raw := onlyRecord(t, local); !bytes.Contains(raw, []byte(secretValue)) {
		t.Error("encrypt=false: the record is not in the clear")
	}

	ctx, _, local = newEngine(t, vars)
	def := &runtime.Def{Kind: runtime.KindTask, Name: "flag", Func: "example.com/app.Flag", Source: "sha256:1", GoType: "bool", Value: true,
		Config: runtime.Config{Persist: ptr(true)}}
	flag := newTask(def, func(context.Context) (bool, error) { return true, nil })
	flag.key = "flag"
	if _, err := flag.Call(ctx); err != nil {
		t.Fatal(err)
	}
	_, raw := onlyRecord(t, local)
	if m, _, err := record.Decode(bytes.NewReader(raw)); err != nil || m.Literal != nil || m.Encryption == nil {
		t.Errorf("a sealed bool: %v, literal %v, encryption %+v", err, m.Literal, m.Encryption)
	}
	ctx2, _, _ := newEngine(t, map[string]string{settings.LocalStoragePath: local, settings.Keyring: vars[settings.Keyring]})
	flag.body = func(context.Context) (bool, error) { return false, nil }
	if v, err := flag.Call(ctx2); err != nil || !v {
		t.Errorf("read back: %v, %v", v, err)
	}
}

// cache_in_memory=false: the value is read back from its encrypted record
// when asked for.
func TestEncryptReadBack(t *testing.T) {
	ctx, _, _ := newEngine(t, map[string]string{settings.Keyring: "k1:" + b64Key(1)})
	st := secretTask(runtime.Encrypt(true), runtime.CacheInMemory(false)).State(ctx)
	if v, err := st.Result(); err != nil || v != secretValue {
		t.Fatalf("%q, %v", v, err)
	}
}

// approved is a task keyed by its inputs (cache_policy=inputs) with a
// parameter of two possible values.
func approvedInv(approved bool, opts ...runtime.Option) runtime.Invocation[string] {
	def := &runtime.Def{Kind: runtime.KindTask, Name: "decide", Func: "example.com/app.Decide", Source: "sha256:1",
		Params: []string{"approved"}, GoType: "string", Value: true,
		Config: runtime.Config{Persist: ptr(true), CachePolicy: "inputs"}}
	return runtime.Invocation[string]{
		Def: def, Options: opts,
		Inputs: func(h *runtime.Hasher) error {
			if h.Param("approved") {
				h.Bool(approved)
			}
			return nil
		},
		Body: func(context.Context) (string, error) { return "decided", nil },
	}
}

// With encryption on, neither the object's key nor the manifest's hashes
// are plain hashes of the inputs: a bool parameter cannot be told from
// them without the keyring. Another process with the keyring still finds
// the record.
func TestEncryptKeyedManifest(t *testing.T) {
	plainCtx, _, plainDir := newEngine(t, nil)
	if _, err := runtime.Call(plainCtx, approvedInv(true)); err != nil {
		t.Fatal(err)
	}
	plainName, plainRaw := onlyRecord(t, plainDir)
	pm, _, _ := record.Decode(bytes.NewReader(plainRaw))

	vars := map[string]string{settings.Keyring: "k1:" + b64Key(1)}
	ctx, _, dir := newEngine(t, vars)
	if _, err := runtime.Call(ctx, approvedInv(true, runtime.Encrypt(true))); err != nil {
		t.Fatal(err)
	}
	name, raw := onlyRecord(t, dir)
	m, _, err := record.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if m.Manifest == nil || !m.Manifest.Keyed || len(m.Manifest.Params) != 1 || pm.Manifest == nil || len(pm.Manifest.Params) != 1 {
		t.Fatalf("manifests: %+v, %+v", m.Manifest, pm.Manifest)
	}
	if m.Manifest.Params[0].Hash == pm.Manifest.Params[0].Hash || m.Manifest.Inputs == pm.Manifest.Inputs || name == plainName {
		t.Errorf("a plain hash next to the encrypted record: key %s, params %+v, inputs %s", name, m.Manifest.Params, m.Manifest.Inputs)
	}
	for _, h := range []string{pm.Manifest.Params[0].Hash, pm.Manifest.Inputs} {
		if bytes.Contains(raw, []byte(h)) {
			t.Errorf("the record holds the plain hash %s", h)
		}
	}
	vars[settings.LocalStoragePath] = dir
	ctx2, _, _ := newEngine(t, vars)
	st := runtime.Run(ctx2, approvedInv(true, runtime.Encrypt(true)))
	if _, err := st.Result(); err != nil || st.Name() != runtime.StateCached {
		t.Errorf("another process: %v, state %s", err, st.Name())
	}
}

// A record written in the clear before encryption was turned on is
// recomputed and replaced by an encrypted one.
func TestEncryptReplacesClearRecord(t *testing.T) {
	ctx, _, local := newEngine(t, nil)
	if _, err := secretTask().Call(ctx); err != nil {
		t.Fatal(err)
	}
	if _, raw := onlyRecord(t, local); !bytes.Contains(raw, []byte(secretValue)) {
		t.Fatal("not in the clear to begin with")
	}
	ctx2, _, _ := newEngine(t, map[string]string{settings.LocalStoragePath: local, settings.Keyring: "k1:" + b64Key(1), settings.EncryptResults: "true"})
	st := secretTask().State(ctx2)
	if v, err := st.Result(); err != nil || v != secretValue || st.Name() != runtime.StateCompleted {
		t.Fatalf("%q, %v, state %s", v, err, st.Name())
	}
	if _, raw := onlyRecord(t, local); bytes.Contains(raw, []byte("Qwv")) {
		t.Error("the clear record was kept")
	}
}
