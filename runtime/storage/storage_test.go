package storage_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/storagetest"
)

func TestLocalConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Storage {
		st, err := storage.NewLocal(filepath.Join(t.TempDir(), "store"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}

func TestMemoryConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Storage { return storage.NewMemory() })
}

func TestValidateKey(t *testing.T) {
	for _, key := range []string{"a", "a/b/c.json", "hello-world.json", "..x", "x..", ".hidden/.x", "ünï/ключ", "a b", "a:b", " ", " leading", "trailing ", " .x", ". .", "...",
		strings.Repeat("x", 255), strings.Repeat("x/", 511) + "x"} {
		if err := storage.ValidateKey(key); err != nil {
			t.Errorf("ValidateKey(%q) = %v, want nil", key, err)
		}
	}
	for _, tc := range []struct{ key, why string }{
		{"", "empty key"},
		{"/etc/passwd", "absolute path"},
		{"../x", `".." segment`},
		{"a/../../b", `".." segment`},
		{"a//b", "empty segment"},
		{".", `"." segment`},
		{" .", `segment 1 is " .": "." or ".." between spaces`},
		{"a/.. /b", `segment 2 is ".. "`},
		{"\u00a0.\u00a0", "between spaces"},
		{"a/", "ends with a slash"},
		{"a\x00b", "NUL"},
		{`a\b`, "backslash"},
		{"a\tb", "control character"},
		{"\xff", "UTF-8"},
		{".tmp-1", "reserved for temporary files"},
		{".locks", "reserved for lock files"},
		{strings.Repeat("x", 1025), "longer than 1024"},
		{strings.Repeat("x", 256), "segment 1 is longer than 255 bytes (256 bytes)"},
		{"a/" + strings.Repeat("é", 128), "segment 2 is longer than 255 bytes (256 bytes)"},
	} {
		err := storage.ValidateKey(tc.key)
		if !errors.Is(err, storage.ErrInvalidKey) || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("ValidateKey(%.20q) = %v, want ErrInvalidKey saying %q", tc.key, err, tc.why)
		}
		if err != nil && len(err.Error()) > 600 {
			t.Errorf("ValidateKey(%.20q): a %d-byte error: %v", tc.key, len(err.Error()), err)
		}
	}
	for _, p := range []string{"", "a", "a/", "a/b", "a/.", "a/..", "."} {
		if err := storage.ValidatePrefix(p); err != nil {
			t.Errorf("ValidatePrefix(%q) = %v", p, err)
		}
	}
	for _, p := range []string{"/", "/a", "../", "a//", "a/../b", "a\\"} {
		if err := storage.ValidatePrefix(p); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("ValidatePrefix(%q) = %v, want ErrInvalidKey", p, err)
		}
	}
}

// snapshot lists every path under dir, with its mode.
func snapshot(t *testing.T, dir string) map[string]fs.FileMode {
	t.Helper()
	out := map[string]fs.FileMode{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = fi.Mode()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLocalLayoutAndModes(t *testing.T) {
	base := filepath.Join(t.TempDir(), "store")
	st, err := storage.NewLocal(base)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, k := range []string{"hello.json", "reports/2026/q1.msgpack"} {
		if err := st.Put(ctx, k, strings.NewReader(k), storage.PutOptions{Size: -1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Put(ctx, "hello.json", strings.NewReader("again"), storage.PutOptions{IfAbsent: true}); !errors.Is(err, storage.ErrExists) {
		t.Fatalf("IfAbsent over an existing key: %v", err)
	}
	// The record of key K is the file BASE/K.
	b, err := os.ReadFile(filepath.Join(base, "reports", "2026", "q1.msgpack"))
	if err != nil || string(b) != "reports/2026/q1.msgpack" {
		t.Fatalf("BASE/KEY holds %q, %v", b, err)
	}
	want := map[string]fs.FileMode{
		".":                       fs.ModeDir | 0o700,
		"hello.json":              0o600,
		"reports":                 fs.ModeDir | 0o700,
		"reports/2026":            fs.ModeDir | 0o700,
		"reports/2026/q1.msgpack": 0o600,
	}
	got := snapshot(t, base)
	for p, m := range want {
		if got[p] != m {
			t.Errorf("%s: mode %v, want %v", p, got[p], m)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("unexpected file left in the store: %s", p)
		}
	}
	if st.String() != "local:"+base {
		t.Errorf("String() = %q", st.String())
	}
}

func TestLocalHostileKeysTouchNothing(t *testing.T) {
	parent := t.TempDir()
	base := filepath.Join(parent, "store")
	st, err := storage.NewLocal(base)
	if err != nil {
		t.Fatal(err)
	}
	// A file outside the store a hostile key might reach.
	if err := os.WriteFile(filepath.Join(parent, "x"), []byte("outside"), 0o600); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, parent)
	ctx := context.Background()
	for _, key := range storagetest.HostileKeys {
		_ = st.Put(ctx, key, strings.NewReader("evil"), storage.PutOptions{})
		_ = st.Delete(ctx, key)
		if u, err := st.Lock(ctx, key, time.Second); err == nil {
			_ = u()
			t.Errorf("Lock(%q) succeeded", key)
		}
	}
	after := snapshot(t, parent)
	if len(before) != len(after) {
		t.Errorf("hostile keys changed the file system:\nbefore %v\nafter  %v", before, after)
	}
	if b, _ := os.ReadFile(filepath.Join(parent, "x")); string(b) != "outside" {
		t.Errorf("file outside the store changed: %q", b)
	}
}

func TestLocalSymlinkEscape(t *testing.T) {
	parent := t.TempDir()
	outside := filepath.Join(parent, "outside")
	if err := os.Mkdir(outside, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(parent, "store")
	st, err := storage.NewLocal(base)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(base, "evil")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(base, "secret-link")); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := st.Put(ctx, "evil/new", strings.NewReader("x"), storage.PutOptions{}); !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("Put through a symlink out of the store: %v, want ErrInvalidKey", err)
	}
	if _, err := st.Get(ctx, "evil/secret"); !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("Get through a symlinked folder: %v, want ErrInvalidKey", err)
	}
	if _, err := st.Get(ctx, "secret-link"); !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("Get of a symlink leading out: %v, want ErrInvalidKey", err)
	}
	if _, err := st.Stat(ctx, "evil/secret"); !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("Stat through a symlinked folder: %v, want ErrInvalidKey", err)
	}
	if _, err := st.GetRange(ctx, "evil/secret", 0, 1); !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("GetRange through a symlinked folder: %v, want ErrInvalidKey", err)
	}
	if err := st.Delete(ctx, "evil/secret"); !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("Delete through a symlinked folder: %v, want ErrInvalidKey", err)
	}
	var listed []string
	for info, err := range st.List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, info.Key)
	}
	if len(listed) != 0 {
		t.Errorf("List shows what lies outside the store: %q", listed)
	}
	if got := snapshot(t, outside); len(got) != 2 {
		t.Errorf("outside folder changed: %v", got)
	}
}

// Two Local stores on one folder stand for two processes: their in-process
// locks are separate, so only flock keeps them apart.
func TestLocalLockAcrossInstances(t *testing.T) {
	base := t.TempDir()
	a, err := storage.NewLocal(base)
	if err != nil {
		t.Fatal(err)
	}
	b, err := storage.NewLocal(base)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	unlock, err := a.Lock(ctx, "k", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	if u, err := b.Lock(short, "k", time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		if u != nil {
			_ = u()
		}
		t.Fatalf("second instance took a held lock: %v", err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	u, err := b.Lock(ctx, "k", time.Minute)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	_ = u()
}

func TestLocalIfAbsentAcrossInstances(t *testing.T) {
	base := t.TempDir()
	var stores []*storage.Local
	for range 4 {
		st, err := storage.NewLocal(base)
		if err != nil {
			t.Fatal(err)
		}
		stores = append(stores, st)
	}
	results := make(chan error, len(stores))
	for i, st := range stores {
		go func() {
			results <- st.Put(context.Background(), "k", bytes.NewReader([]byte{byte(i)}), storage.PutOptions{IfAbsent: true})
		}()
	}
	var wins int
	for range stores {
		switch err := <-results; {
		case err == nil:
			wins++
		case !errors.Is(err, storage.ErrExists):
			t.Error(err)
		}
	}
	if wins != 1 {
		t.Errorf("%d winners", wins)
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for p := range snapshot(t, base) {
			if !yield(p) {
				return
			}
		}
	})
	if !slices.Equal(names, []string{".", "k"}) {
		t.Errorf("store holds %q, want only k", names)
	}
}

// A local store opened with NoCreate on a missing folder holds nothing,
// refuses writes, and never creates the folder.
func TestOpenLocalNoCreate(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "absent")
	st, err := storage.OpenLocal(dir, storage.LocalOptions{NoCreate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for info, err := range st.List(ctx, "") {
		t.Errorf("List yields %v, %v", info, err)
	}
	for tmp, err := range st.Temps(ctx) {
		t.Errorf("Temps yields %v, %v", tmp, err)
	}
	if _, err := st.Get(ctx, "k"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Get: %v", err)
	}
	if _, err := st.Stat(ctx, "k"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat: %v", err)
	}
	if err := st.Delete(ctx, "k"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Delete: %v", err)
	}
	if err := st.Put(ctx, "k", strings.NewReader("v"), storage.PutOptions{}); err == nil || errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Put: %v", err)
	}
	if _, err := st.Lock(ctx, "k", time.Second); err == nil {
		t.Error("Lock succeeded")
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the folder was created: %v", err)
	}
	// An existing folder opens as usual.
	st2, err := storage.OpenLocal(t.TempDir(), storage.LocalOptions{NoCreate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	if err := st2.Put(ctx, "k", strings.NewReader("v"), storage.PutOptions{}); err != nil {
		t.Errorf("Put on an existing folder: %v", err)
	}
}

// Write-if-absent on local storage, committed with renameat2
// (RENAME_NOREPLACE, Linux) and with the link-and-unlink fallback: the
// first writer wins, the others get ErrExists and change nothing, a folder
// in the way is named, and no temporary file is left behind.
func TestLocalIfAbsentCommitPaths(t *testing.T) {
	for _, mode := range []string{"renameat2", "link"} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			base := t.TempDir()
			st, err := storage.NewLocal(base)
			if err != nil {
				t.Fatal(err)
			}
			if mode == "link" {
				st.CommitsWithLink()
			}
			put := func(key, v string) error {
				return st.Put(ctx, key, strings.NewReader(v), storage.PutOptions{IfAbsent: true})
			}
			if err := put("a/k", "first"); err != nil {
				t.Fatal(err)
			}
			if mode == "renameat2" && goruntime.GOOS == "linux" && !st.RenamesNoReplace() {
				t.Log("renameat2 with RENAME_NOREPLACE is unsupported on this file system: the link path ran")
			}
			if err := put("a/k", "second"); !errors.Is(err, storage.ErrExists) {
				t.Fatalf("second write-if-absent: %v", err)
			}
			if err := put("a", "over a folder"); err == nil || !strings.Contains(err.Error(), "folder of other keys") {
				t.Fatalf("write-if-absent over a folder: %v", err)
			}
			results := make(chan error, 4)
			for i := range 4 {
				go func() { results <- put("race", strconv.Itoa(i)) }()
			}
			wins := 0
			for range 4 {
				switch err := <-results; {
				case err == nil:
					wins++
				case !errors.Is(err, storage.ErrExists):
					t.Error(err)
				}
			}
			if wins != 1 {
				t.Errorf("%d writers won the race", wins)
			}
			rc, err := st.Get(ctx, "a/k")
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if string(got) != "first" {
				t.Errorf("a/k holds %q, want the first write", got)
			}
			names := slices.Sorted(func(yield func(string) bool) {
				for p := range snapshot(t, base) {
					if !yield(p) {
						return
					}
				}
			})
			if !slices.Equal(names, []string{".", "a", "a/k", "race"}) {
				t.Errorf("store holds %q", names)
			}
		})
	}
}

// TestLocalLockHolder: LockHolder sees a lock another Local instance holds,
// with its holder, and none before, after release, or on a lock file left
// by a holder that is gone; it never takes the lock from a holder.
func TestLocalLockHolder(t *testing.T) {
	base := t.TempDir()
	a, err := storage.NewLocal(base)
	if err != nil {
		t.Fatal(err)
	}
	b, err := storage.NewLocal(base)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, held, err := b.LockHolder(ctx, "runs/k"); err != nil || held {
		t.Fatalf("LockHolder before any lock = %v, %v; want not held", held, err)
	}
	unlock, err := a.Lock(ctx, "runs/k", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	h, held, err := b.LockHolder(ctx, "runs/k")
	if err != nil || !held || h.PID != os.Getpid() {
		t.Fatalf("LockHolder of a held lock = %+v, %v, %v; want held by pid %d", h, held, err, os.Getpid())
	}
	// Looking did not take it: another taker still waits.
	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	if u, err := b.Lock(short, "runs/k", time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		if u != nil {
			_ = u()
		}
		t.Fatalf("a held lock was free after LockHolder: %v", err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if _, held, err := b.LockHolder(ctx, "runs/k"); err != nil || held {
		t.Fatalf("LockHolder after release = %v, %v; want not held", held, err)
	}
	// A lock file nobody holds (its holder was killed) is not held.
	sum := sha256.Sum256([]byte("runs/k"))
	if err := os.MkdirAll(filepath.Join(base, ".locks"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, ".locks", hex.EncodeToString(sum[:])+".lock"), []byte(`{"pid":99999999,"host":"x","since":"2026-01-01T00:00:00Z"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, held, err := b.LockHolder(ctx, "runs/k"); err != nil || held {
		t.Fatalf("LockHolder of a dead holder's file = %v, %v; want not held", held, err)
	}
}
