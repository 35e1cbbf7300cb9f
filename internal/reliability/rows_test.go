//go:build unix

package reliability

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/modtest"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

var holders = flag.Int("holders", 2, "lock holders stopped (local) and killed (S3) per store")

// openS3 opens a store on a fresh bucket of the MinIO that
// scripts/with-minio.sh started, under a prefix; it skips the (sub)test
// without one.
func openS3(t *testing.T, bucket, prefix string) *s3.Storage {
	t.Helper()
	srv := s3test.Shared(t)
	if bucket == "" {
		bucket = srv.NewBucket(t, s3test.BucketOptions{})
	}
	st, err := s3.Open(context.Background(), s3.Config{Bucket: bucket, Prefix: prefix, Endpoint: srv.Endpoint,
		Region: s3test.Region, Insecure: true, Credentials: srv.Creds()})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// testEngine is an engine over a temporary home, its logs going to logger
// (discarded when nil).
func testEngine(t *testing.T, vars map[string]string, logger *slog.Logger, opts ...runtime.EngineOption) context.Context {
	t.Helper()
	env := map[string]string{settings.Home: filepath.Join(t.TempDir(), "home")}
	for k, v := range vars {
		env[k] = v
	}
	s, err := settings.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	e := runtime.NewEngine(s, append([]runtime.EngineOption{runtime.WithLogger(logger)}, opts...)...)
	t.Cleanup(func() { _ = e.Close() })
	return runtime.WithEngine(context.Background(), e)
}

// asIsKeys are keys a cache_key_fn may return as they are, valid and not.
var asIsKeys = []string{
	" leading", "trailing ", " ", "  ", "a /b", "x/ y /z", "%20", "%", "%zz", "é/ü", "日本語", "\u2028", "\u00a0x\u00a0",
	"🎉 party", "\ufeff", "a:b", "*?<>|", `"q"`, "'", "`", "q?x=1&y=2", "#f", "a+b", "~", "{}", "[]", "CON", "...", ".env",
	" .", ".. ", "x/ . /y", "\u00a0.", " .x",
	"", "\t", "a\nb", "\r", "\x7f", "\x00", "\xff", "a//b", "/a", "a/", ".", "..", "a/../b", ".locks", ".locks/x",
	".tmp-1", ".tmp-1-0011223344556677", ".index/x", ".runs/f/i", `a\b`, strings.Repeat("k", 255), strings.Repeat("k", 256),
	strings.Repeat("s/", 511) + "ss", strings.Repeat("s/", 512) + "s",
}

// nests reports whether key extends one of keys as a folder ("a" and
// "a/b"), or one of them extends it: local storage cannot hold both (a
// file is in the way of the folder; the run says so), so random keys that
// nest are left out.
func nests(key string, keys []string) bool {
	for _, k := range keys {
		if strings.HasPrefix(key, k+"/") || strings.HasPrefix(k, key+"/") {
			return true
		}
	}
	return false
}

// TestHostileKeysEveryStore sends hostile keys, as a cache_key_fn returns
// them (used as they are) and through an escaped storage-key template,
// into a serializable task on local storage and on S3 (MinIO, when
// scripts/with-minio.sh runs the suite). Each key must have one outcome on
// both stores (diverged counts those that do not; a key too long for the
// S3 store's prefix is the one rule S3 adds), and a key refused must be
// refused before the body runs (late counts bodies run for nothing).
func TestHostileKeysEveryStore(t *testing.T) {
	keys := append([]string(nil), asIsKeys...)
	seen := map[string]bool{}
	for _, k := range keys {
		seen[k] = true
	}
	for range *hostile / 4 {
		b := make([]byte, 1+mrand.IntN(24))
		const alphabet = " ./\\%.\x00ab\xff:é\t-"
		for i := range b {
			b[i] = alphabet[mrand.IntN(len(alphabet))]
		}
		if k := string(b); !seen[k] && !nests(k, keys) { // one task per key: a second would be served the first's record
			seen[k] = true
			keys = append(keys, k)
		}
	}
	var diverged, late, storesRun atomic.Int64
	rowReport(t, "hostile keys, as is and escaped, local and s3", func() string {
		return fmt.Sprintf("keys=%d stores=%d diverged=%d late=%d", 2*len(keys), storesRun.Load(), diverged.Load(), late.Load())
	})
	const prefix = "reliability/keys"
	type outcome struct {
		ok   bool
		text string
	}
	outcomes := map[string][]outcome{} // "local", "s3"
	for _, name := range []string{"local", "s3"} {
		t.Run(name, func(t *testing.T) {
			var backend storage.Storage
			if name == "s3" {
				backend = openS3(t, "", prefix)
			} else {
				l, err := storage.NewLocal(t.TempDir())
				if err != nil {
					t.Fatal(err)
				}
				defer l.Close()
				backend = l
			}
			storesRun.Add(1)
			ctx := testEngine(t, nil, nil)
			var res []outcome
			for i, key := range keys {
				for _, template := range []bool{false, true} {
					def := &runtime.Def{Kind: runtime.KindTask, Name: fmt.Sprintf("k%d-%t", i, template), Func: fmt.Sprintf("example.com/r.K%d%t", i, template),
						Params: []string{"name"}, GoType: "string", Value: true,
						Config: runtime.Config{CacheKeyFn: !template, Isolation: runtime.Serializable}}
					inv := runtime.Invocation[string]{Def: def, Options: []runtime.Option{runtime.StorageBackend(backend)}}
					if template {
						def.Config.StorageKey = "{parameters[name]}.txt"
						inv.StorageKey = func(runtime.KeyContext) (string, error) { return runtime.KeyValue(key) + ".txt", nil }
					} else {
						inv.CacheKey = func(context.Context) (string, error) { return key, nil }
					}
					var ran atomic.Int32
					inv.Body = func(context.Context) (string, error) { ran.Add(1); return key, nil }
					v, err := runtime.Run(ctx, inv).Result()
					if err == nil {
						v2, err2 := runtime.Run(ctx, inv).Result()
						if !check(err2 == nil && v == key && v2 == key && ran.Load() == 1) {
							t.Errorf("%s %q (template %v): %q, %q, %v; body ran %d times", name, key, template, v, v2, err2, ran.Load())
						}
						res = append(res, outcome{ok: true})
						continue
					}
					if !check(errors.Is(err, storage.ErrInvalidKey) && ran.Load() == 0) {
						if ran.Load() != 0 {
							late.Add(1)
						}
						t.Errorf("%s %q (template %v): %v; body ran %d times; want ErrInvalidKey before the body", name, key, template, err, ran.Load())
					}
					res = append(res, outcome{text: err.Error()})
				}
			}
			outcomes[name] = res
		})
	}
	l, s := outcomes["local"], outcomes["s3"]
	if s == nil {
		return // no MinIO: skipped, and said so
	}
	for i, key := range keys {
		for j, template := range []bool{false, true} {
			lo, so := l[2*i+j], s[2*i+j]
			if !template && lo.ok && len(prefix)+1+len(key) > s3.MaxObjectName {
				lo = outcome{} // S3's own rule: checked before the body all the same
			}
			if !check(lo.ok == so.ok) {
				diverged.Add(1)
				t.Errorf("%q (template %v): local ok=%v %s; s3 ok=%v %s", key, template, lo.ok, lo.text, so.ok, so.text)
			}
		}
	}
}

// envHold makes TestHelperHold hold a serializable key: "local DIR" or
// "s3 BUCKET PREFIX".
const envHold = "RELIABILITY_HOLD"

var holdDef = &runtime.Def{Kind: runtime.KindTask, Name: "held", Func: "example.com/r.Held", GoType: "string", Value: true,
	Config: runtime.Config{StorageKey: "held", Isolation: runtime.Serializable}}

func holdRun(ctx context.Context, backend storage.Storage, body func(context.Context) (string, error)) (string, error) {
	return runtime.Run(ctx, runtime.Invocation[string]{
		Def:        holdDef,
		Options:    []runtime.Option{runtime.StorageBackend(backend)},
		StorageKey: func(runtime.KeyContext) (string, error) { return "held", nil },
		Body:       body,
	}).Result()
}

// TestHelperHold is the lock holder process of TestLockWaits: its
// serializable task's body says HOLDING and never returns.
func TestHelperHold(t *testing.T) {
	args := strings.Fields(os.Getenv(envHold))
	if len(args) == 0 {
		t.Skip("helper process of TestLockWaits")
	}
	var backend storage.Storage
	if args[0] == "s3" {
		backend = openS3(t, args[1], args[2])
	} else {
		l, err := storage.NewLocal(args[1])
		if err != nil {
			t.Fatal(err)
		}
		backend = l
	}
	_, err := holdRun(testEngine(t, nil, nil), backend, func(context.Context) (string, error) {
		fmt.Println("HOLDING")
		time.Sleep(time.Hour) // killed long before
		return "", nil
	})
	t.Fatal("not killed: ", err)
}

// startHold starts TestHelperHold and returns once its body holds the key.
func startHold(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	return modtest.StartSelf(t, []string{envHold + "=" + strings.Join(args, " ")}, "HOLDING", "-test.run=^TestHelperHold$", "-test.count=1")
}

// lineBuffer collects log lines.
type lineBuffer struct {
	mu    sync.Mutex
	lines []string
}

func (b *lineBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lines = append(b.lines, strings.Split(strings.TrimRight(string(p), "\n"), "\n")...)
	return len(p), nil
}

func (b *lineBuffer) matching(s string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, l := range b.lines {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return out
}

// TestLockWaits stops processes holding a serializable key on local
// storage and kills processes holding one on S3:
//
//   - local, holder stopped (SIGSTOP): the waiter must say once, at WARN,
//     who holds the key (silent counts waits not said, anonymous those
//     said or failed without the holder's pid) and give up after
//     RESULTGEN_LOCK_WAIT_TIMEOUT with runtime.ErrLockTimeout (unbounded
//     counts waits that did not), its body never run; once the holder is
//     killed the key is computed, and `prune -tmp` leaves no lock file
//     (leftovers);
//   - S3, holder killed (SIGKILL) on this machine: the waiter must take the
//     key over at once rather than wait the 30s lease out (waitedOut counts
//     takeovers slower than half the lease).
func TestLockWaits(t *testing.T) {
	var silent, anonymous, unbounded, waitedOut, leftover, rounds atomic.Int64
	rowReport(t, "lock waits, local stopped and s3 crashed holders", func() string {
		return fmt.Sprintf("holders=%d silent=%d anonymous=%d unbounded=%d waited_out=%d leftovers=%d",
			rounds.Load(), silent.Load(), anonymous.Load(), unbounded.Load(), waitedOut.Load(), leftover.Load())
	})
	t.Run("local", func(t *testing.T) {
		dir := t.TempDir()
		st, err := storage.NewLocal(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		for range *holders {
			rounds.Add(1)
			holder := startHold(t, "local", dir)
			pid := holder.Process.Pid
			if err := holder.Process.Signal(syscall.SIGSTOP); err != nil {
				t.Fatal(err)
			}
			logs := new(lineBuffer)
			ctx := testEngine(t, map[string]string{settings.LockWaitTimeout: "1s"}, slog.New(slog.NewTextHandler(logs, nil)),
				runtime.WithLockWaitNotice(100*time.Millisecond))
			var ran atomic.Int32
			body := func(context.Context) (string, error) { ran.Add(1); return "here", nil }
			_, err := holdRun(ctx, st, body)
			said := logs.matching("held by another process")
			named := fmt.Sprintf("pid=%d", pid)
			if !check(len(said) == 1) {
				silent.Add(1)
				t.Errorf("lines about the holder: %q; want one", said)
			} else if !check(strings.Contains(said[0], named) && strings.Contains(said[0], "since=")) {
				anonymous.Add(1)
				t.Errorf("the waiting line does not name the holder (%s, since): %s", named, said[0])
			}
			if !check(errors.Is(err, runtime.ErrLockTimeout) && ran.Load() == 0) {
				unbounded.Add(1)
				t.Errorf("run behind a stopped holder: %v, body ran %d times; want ErrLockTimeout before the body", err, ran.Load())
			} else if !check(strings.Contains(err.Error(), fmt.Sprintf("pid %d ", pid))) {
				anonymous.Add(1)
				t.Errorf("the timeout does not name the holder (pid %d): %v", pid, err)
			}
			_ = holder.Process.Kill()
			_ = holder.Wait()
			if v, err := holdRun(ctx, st, body); !check(err == nil && v == "here" && ran.Load() == 1) {
				t.Errorf("run after the holder died: %q, %v, body ran %d times", v, err, ran.Load())
			}
			if err := st.Delete(context.Background(), "held"); err != nil {
				t.Fatal(err)
			}
		}
		// The killed holders' lock files are idle: prune -tmp removes them.
		if n := leftovers(t, st, dir); !check(n == 0) {
			leftover.Add(int64(n))
			figures.leftovers.Add(int64(n))
			t.Errorf("%d lock or temporary files left after cleanup", n)
		}
	})
	t.Run("s3", func(t *testing.T) {
		if storage.BootID() == "" {
			t.Skip("no boot id on this system: a crashed holder's lease is waited out")
		}
		srv := s3test.Shared(t)
		bucket := srv.NewBucket(t, s3test.BucketOptions{})
		const prefix = "reliability/locks"
		st := openS3(t, bucket, prefix)
		ctx := testEngine(t, nil, nil)
		for range *holders {
			rounds.Add(1)
			holder := startHold(t, "s3", bucket, prefix)
			_ = holder.Process.Kill()
			_ = holder.Wait()
			start := time.Now()
			v, err := holdRun(ctx, st, func(context.Context) (string, error) { return "here", nil })
			took := time.Since(start)
			if !check(err == nil && v == "here") {
				t.Errorf("run after the holder was killed: %q, %v", v, err)
			}
			if !check(took < settings.DefaultLeaseTTL/2) {
				waitedOut.Add(1)
				t.Errorf("took the key %v after its holder was killed on this machine; want at once, far within the lease (%v)", took, settings.DefaultLeaseTTL)
			}
			if err := st.Delete(context.Background(), "held"); err != nil {
				t.Fatal(err)
			}
		}
	})
}
