//go:build unix

package storage_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/modtest"

	"github.com/resultgen/resultgen/runtime/storage"
)

// The helper process: the test binary run again with RESULTGEN_TEST_HELPER
// set. "put DIR KEY" starts a Put whose body never ends, "lock DIR KEY"
// holds a lock; both print "ready" and wait to be killed.
func TestMain(m *testing.M) {
	if args := strings.Fields(os.Getenv("RESULTGEN_TEST_HELPER")); len(args) == 3 {
		helper(args[0], args[1], args[2])
		return
	}
	os.Exit(m.Run())
}

func helper(cmd, dir, key string) {
	st, err := storage.NewLocal(dir)
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	ctx := context.Background()
	switch cmd {
	case "put":
		pr, pw := io.Pipe()
		go func() {
			_, _ = pw.Write([]byte("RGRESULT half of a record"))
			// ready once the bytes are in the temporary file, not only
			// handed to Put
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
				m, _ := filepath.Glob(filepath.Join(dir, filepath.Dir(key), ".tmp-*"))
				if len(m) == 1 {
					if fi, err := os.Stat(m[0]); err == nil && fi.Size() > 0 {
						break
					}
				}
			}
			fmt.Println("ready")
			select {} // the rest never comes
		}()
		_ = st.Put(ctx, key, pr, storage.PutOptions{})
	case "lock":
		if _, err := st.Lock(ctx, key, time.Minute); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Println("ready")
		// not select {}: with no other goroutine the runtime would call
		// that a deadlock and exit, dropping the lock
		time.Sleep(time.Hour)
	}
	os.Exit(1)
}

// startHelper runs the helper and returns once it printed "ready".
func startHelper(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	return modtest.StartSelf(t, []string{"RESULTGEN_TEST_HELPER=" + strings.Join(args, " ")}, "ready", "-test.run=^$")
}

func kill(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}

// temps lists the temporary files under base by their names.
func temps(t *testing.T, st *storage.Local) map[string]storage.Temp {
	t.Helper()
	out := map[string]storage.Temp{}
	for tf, err := range st.Temps(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		out[tf.Name] = tf
	}
	return out
}

func age(t *testing.T, path string, d time.Duration) {
	t.Helper()
	old := time.Now().Add(-d)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

// A writer killed in the middle of a Put leaves its temporary file, named
// with its process id and this machine's BootID. Its writer is provably
// gone, so the file is stale at once, however young: Temps says so, and
// the first Put into that folder by a new store removes it.
func TestKilledWriterTempFile(t *testing.T) {
	if storage.BootID() == "" {
		t.Skip("no boot id on this system: a dead writer's file goes by age (TestTempFileJudgment)")
	}
	base := t.TempDir()
	cmd := startHelper(t, "put", base, "reports/q1")
	pid := cmd.Process.Pid
	st, err := storage.NewLocal(base)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var tf storage.Temp
	for _, tf = range temps(t, st) {
	}
	prefix := fmt.Sprintf("reports/.tmp-%d-%s-", pid, storage.BootID())
	if !strings.HasPrefix(tf.Name, prefix) || tf.PID != pid || !tf.Here || !tf.Alive || tf.Stale || tf.Kind != storage.TempWrite || tf.Size == 0 {
		t.Fatalf("the running writer's file: %+v, want %s… of pid %d, alive, here", tf, prefix, pid)
	}
	if removed, err := st.RemoveTemp(ctx, tf); removed || err != nil {
		t.Fatalf("RemoveTemp of a running writer's file: %v, %v", removed, err)
	}
	kill(t, cmd)

	found := temps(t, st)
	if len(found) != 1 {
		t.Fatalf("temporary files after the kill: %v", found)
	}
	for _, tf = range found {
	}
	if tf.PID != pid || !tf.Here || tf.Alive || !tf.Stale || tf.Age(time.Now()) > time.Minute {
		t.Fatalf("the killed writer's young file: %+v, want stale at once", tf)
	}
	path := filepath.Join(base, filepath.FromSlash(tf.Name))

	// Opening a store removes nothing; its first Put into the folder does.
	st2, err := storage.NewLocal(base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("opening a store removed a file before writing there: %v", err)
	}
	if err := st2.Put(ctx, "reports/q2", strings.NewReader("x"), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the dead writer's temporary file is still there after a Put into its folder: %v", err)
	}
}

// deadPID returns the id of a process that ran and exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// How each temporary file is judged, by its name and age: a running
// writer's file is never removed, however old; a dead writer's file of
// this machine at once; a file of another machine or boot, or named by an
// older version without a boot id, by age alone (and its pid, where it
// can mean something). Names outside the grammar (a user's ".tmp-notes")
// are never listed nor removed, however old. RemoveTemp refuses what is
// not a temporary file.
func TestTempFileJudgment(t *testing.T) {
	base := t.TempDir()
	ctx := context.Background()
	boot := storage.BootID()
	dead := deadPID(t)
	other := "ffffffffffffffff"
	if boot == other {
		other = "0000000000000000"
	}
	type file struct {
		name       string
		age        time.Duration
		listed     bool
		stale      bool
		needsBoot  bool // only meaningful where this system has a boot id
		pid        int
		here       bool
		alive      bool
		removedPut bool
	}
	files := []file{
		{name: fmt.Sprintf(".tmp-%d-0011223344556677", os.Getpid()), age: 10 * storage.StaleTempAge, listed: true, pid: os.Getpid(), alive: true},
		{name: ".tmp-8899aabbccddeeff", age: 2 * storage.StaleTempAge, listed: true, stale: true, removedPut: true},
		{name: ".tmp-0123456789abcdef", listed: true},
		{name: fmt.Sprintf(".tmp-%d-1111111111111111", dead), listed: true, pid: dead},
		{name: fmt.Sprintf(".tmp-%d-2222222222222222", dead), age: 2 * storage.StaleTempAge, listed: true, pid: dead, stale: true, removedPut: true},
		{name: fmt.Sprintf(".tmp-%d-%s-3333333333333333", dead, boot), needsBoot: true, listed: true, pid: dead, here: true, stale: true, removedPut: true},
		{name: fmt.Sprintf(".tmp-%d-%s-4444444444444444", os.Getpid(), boot), needsBoot: true, age: 10 * storage.StaleTempAge, listed: true, pid: os.Getpid(), here: true, alive: true},
		{name: fmt.Sprintf(".tmp-%d-%s-5555555555555555", dead, other), listed: true, pid: dead},
		{name: fmt.Sprintf(".tmp-%d-%s-6666666666666666", os.Getpid(), other), age: 2 * storage.StaleTempAge, listed: true, pid: os.Getpid(), stale: true, removedPut: true},
		// not resultgen's names: a user's files
		{name: ".tmp-notes.txt", age: 10 * storage.StaleTempAge},
		{name: ".tmp-1-00", age: 10 * storage.StaleTempAge},
		{name: fmt.Sprintf(".tmp-%d-%s-3333333333333333.bak", dead, boot), age: 10 * storage.StaleTempAge},
		{name: fmt.Sprintf(".tmp-0%d-0011223344556677", dead), age: 10 * storage.StaleTempAge},
		{name: ".tmp-0123456789ABCDEF", age: 10 * storage.StaleTempAge},
		{name: ".tmp-", age: 10 * storage.StaleTempAge},
		{name: fmt.Sprintf(".tmp-%d--0011223344556677", dead), age: 10 * storage.StaleTempAge},
	}
	for _, f := range files {
		if f.needsBoot && boot == "" {
			continue
		}
		p := filepath.Join(base, f.name)
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		age(t, p, f.age)
	}
	deep := filepath.Join(base, "a", "b", ".tmp-1-0011223344556677")
	if err := os.MkdirAll(filepath.Dir(deep), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(deep, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	age(t, deep, 2*storage.StaleTempAge)

	st, err := storage.NewLocal(base)
	if err != nil {
		t.Fatal(err)
	}
	got := temps(t, st)
	for _, f := range files {
		if f.needsBoot && boot == "" {
			continue
		}
		tf, listed := got[f.name]
		if listed != f.listed {
			t.Errorf("%s: listed=%v, want %v", f.name, listed, f.listed)
			continue
		}
		if listed && (tf.Stale != f.stale || tf.PID != f.pid || tf.Here != f.here || tf.Alive != f.alive) {
			t.Errorf("%s: stale=%v pid=%d here=%v alive=%v, want stale=%v pid=%d here=%v alive=%v",
				f.name, tf.Stale, tf.PID, tf.Here, tf.Alive, f.stale, f.pid, f.here, f.alive)
		}
	}
	if tf := got["a/b/.tmp-1-0011223344556677"]; tf.PID != 1 || !tf.Alive || tf.Stale { // pid 1 is always alive
		t.Errorf("a file of a live pid: %+v", tf)
	}
	if err := st.Put(ctx, "k", strings.NewReader("v"), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.needsBoot && boot == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(base, f.name)); (err == nil) == f.removedPut {
			t.Errorf("%s: exists=%v after a Put into the base, want %v", f.name, err == nil, !f.removedPut)
		}
	}
	if _, err := os.Stat(deep); err != nil {
		t.Errorf("a file of a live pid in another folder: %v", err)
	}
	for _, name := range []string{"k", ".tmp-notes.txt", ".tmp-1-00"} {
		if removed, err := st.RemoveTemp(ctx, storage.Temp{Name: name, Kind: storage.TempWrite}); removed || err == nil {
			t.Errorf("RemoveTemp(%s): %v, %v; want it refused", name, removed, err)
		}
		if _, err := os.Stat(filepath.Join(base, name)); err != nil {
			t.Errorf("%s is gone: %v", name, err)
		}
	}
}

// Lock files do not pile up: 100 keys locked and released leave none.
func TestLockFilesBounded(t *testing.T) {
	base := t.TempDir()
	st, err := storage.NewLocal(base)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := range 100 {
		unlock, err := st.Lock(ctx, fmt.Sprintf("key/%d", i), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if err := unlock(); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(base, ".locks"))
	if len(entries) > 0 {
		t.Errorf("%d lock files left after 100 released locks", len(entries))
	}
}

// Many lockers of one key in two stores (standing for two processes: only
// flock keeps them apart) never overlap, although every release removes
// the lock file others wait on: a read-modify-write counter loses nothing.
func TestLockRemovalKeepsExclusion(t *testing.T) {
	base := t.TempDir()
	var stores [2]*storage.Local
	for i := range stores {
		var err error
		if stores[i], err = storage.NewLocal(base); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	counter := filepath.Join(t.TempDir(), "counter")
	if err := os.WriteFile(counter, []byte("0"), 0o600); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	const each = 25
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := stores[g%2]
			for range each {
				unlock, err := st.Lock(ctx, "shared", time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := os.ReadFile(counter)
				n, _ := strconv.Atoi(string(b))
				time.Sleep(50 * time.Microsecond)
				_ = os.WriteFile(counter, []byte(strconv.Itoa(n+1)), 0o600)
				if err := unlock(); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if b, _ := os.ReadFile(counter); string(b) != strconv.Itoa(8*each) {
		t.Errorf("counter %s after %d locked increments", b, 8*each)
	}
	if entries, _ := os.ReadDir(filepath.Join(base, ".locks")); len(entries) > 0 {
		t.Errorf("%d lock files left", len(entries))
	}
}

// A lock held by another process excludes this one; when that process is
// killed its lock dies, its file stays, and the file is idle: Temps judges
// it stale, the next Lock takes it, and the file goes away.
func TestLockAcrossProcesses(t *testing.T) {
	base := t.TempDir()
	cmd := startHelper(t, "lock", base, "k")
	st, err := storage.NewLocal(base)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	got := temps(t, st)
	if len(got) != 1 {
		t.Fatalf("lock files while held: %v", got)
	}
	for _, tf := range got {
		if tf.Kind != storage.TempLock || tf.Stale {
			t.Errorf("a held lock file: %+v", tf)
		}
		if removed, err := st.RemoveTemp(ctx, tf); removed || err != nil {
			t.Errorf("RemoveTemp of a held lock file: %v, %v", removed, err)
		}
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if u, err := st.Lock(short, "k", time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		if u != nil {
			_ = u()
		}
		t.Fatalf("took a lock another process holds: %v", err)
	}
	kill(t, cmd)
	for _, tf := range temps(t, st) {
		if !tf.Stale {
			t.Errorf("the dead holder's lock file: %+v, want stale", tf)
		}
	}
	u, err := st.Lock(ctx, "k", time.Minute)
	if err != nil {
		t.Fatalf("lock after the holder died: %v", err)
	}
	if err := u(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(filepath.Join(base, ".locks")); len(entries) > 0 {
		t.Errorf("%d lock files left", len(entries))
	}
}

// A waiter for a lock another process holds hears once whom it waits for:
// the holder's pid, host and since when it holds the key, which the holder
// wrote into its lock file.
func TestLockWaiterHearsHolder(t *testing.T) {
	base := t.TempDir()
	before := time.Now().Add(-time.Second)
	cmd := startHelper(t, "lock", base, "k")
	st, err := storage.NewLocal(base)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var heard []storage.LockHolder
	trace := &storage.LockTrace{Waiting: func(h storage.LockHolder) {
		mu.Lock()
		heard = append(heard, h)
		mu.Unlock()
	}}
	ctx, cancel := context.WithTimeout(storage.WithLockTrace(context.Background(), trace), 300*time.Millisecond)
	defer cancel()
	if u, err := st.Lock(ctx, "k", time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		if u != nil {
			_ = u()
		}
		t.Fatalf("took a lock another process holds: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	host, _ := os.Hostname()
	if len(heard) != 1 {
		t.Fatalf("Waiting called %d times: %v; want once", len(heard), heard)
	}
	h := heard[0]
	if h.PID != cmd.Process.Pid || h.Host != host || h.Since.Before(before) || h.Since.After(time.Now()) || !h.Expires.IsZero() {
		t.Errorf("heard %+v; want pid %d on %s, since it took the lock", h, cmd.Process.Pid, host)
	}
	if s := h.String(); !strings.Contains(s, fmt.Sprintf("pid %d on host %s since ", cmd.Process.Pid, host)) {
		t.Errorf("holder in words: %q", s)
	}
}
