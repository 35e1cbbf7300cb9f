package runtime_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/storage"
)

// A long parameter in a storage-key template gives a short error and a
// short log line: the task, the key shortened with a hash, the store, and
// what to do. A segment over 255 bytes is refused in every store, not only
// where the file system refuses it.
func TestLongKeyErrors(t *testing.T) {
	for _, n := range []int{300, 5000} {
		logs := &syncBuffer{}
		ctx, _, local := newEngine(t, nil, runtime.WithLogger(slogText(logs)))
		hello := helloTask{calls: new(atomic.Int64)}
		name := strings.Repeat("x", n)
		st := hello.State(ctx, name)
		err := st.Err()
		if err == nil {
			t.Fatalf("%d-byte parameter: the run completed", n)
		}
		if !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("%d-byte parameter: %v, want ErrInvalidKey", n, err)
		}
		msg := err.Error()
		for _, want := range []string{"task hello_world", "local:" + local, "sha256:", "longer than", "cache_key_fn"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%d-byte parameter: error lacks %q: %s", n, want, msg)
			}
		}
		if len(msg) > 800 {
			t.Errorf("%d-byte parameter: a %d-byte error: %s", n, len(msg), msg)
		}
		if len(logs.String()) > 1500 {
			t.Errorf("%d-byte parameter: a %d-byte log: %s", n, len(logs.String()), logs)
		}
		if hello.calls.Load() != 0 {
			t.Errorf("%d-byte parameter: the body ran", n)
		}
	}
}

// A record file where another key needs a folder: the error says a file is
// in the way, which file, the task and the store.
func TestFileInTheWayOfKey(t *testing.T) {
	ctx, _, local := newEngine(t, nil)
	task := func(key string) task[int] {
		tk := newTask(taskDef("notes", true, runtime.Config{StorageKey: key}), func(context.Context) (int, error) { return 1, nil })
		tk.key = key
		return tk
	}
	if _, err := task("notes.txt").Call(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := task("notes.txt/notes.txt").Call(ctx)
	if err == nil {
		t.Fatal("a key under a record file completed")
	}
	msg := err.Error()
	for _, want := range []string{"notes:", `"notes.txt/notes.txt"`, "a file is in the way of the folder the key needs", `"notes.txt" is a file`, "local:" + local, filepath.Join(local, "notes.txt")} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, "not a directory") {
		t.Errorf("error still shows the system's words: %s", msg)
	}
	if _, err := os.Stat(filepath.Join(local, "notes.txt")); err != nil {
		t.Errorf("the record in the way was touched: %v", err)
	}
}

// A serializable run that cannot take its lock names the task, the key
// and the store.
func TestSerializableLockErrorNamesTask(t *testing.T) {
	ctx, _, local := newEngine(t, nil)
	release := make(chan struct{})
	started := make(chan struct{})
	cfg := runtime.Config{StorageKey: "slow.msgpack", Isolation: runtime.Serializable}
	holder := newTask(taskDef("slow", true, cfg), func(context.Context) (int, error) {
		close(started)
		<-release
		return 1, nil
	})
	holder.key = "slow.msgpack"
	f := holder.Submit(ctx)
	<-started
	waiter := newTask(taskDef("impatient", true, cfg), func(context.Context) (int, error) { return 2, nil })
	waiter.key = "slow.msgpack"
	wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err := waiter.Call(wctx)
	close(release)
	if _, herr := f.Result(); herr != nil {
		t.Fatal(herr)
	}
	if err == nil {
		t.Fatal("the waiter did not fail")
	}
	msg := err.Error()
	for _, want := range []string{"task impatient", "serializable", `"slow.msgpack"`, "local:" + local} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q: %s", want, msg)
		}
	}
}
