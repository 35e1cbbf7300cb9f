package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// hostileKeys are keys a cache_key_fn may return as they are: some valid
// (spaces at either end, non-ASCII, characters URLs and headers treat
// specially, the longest key and segment), some refused by the key rules
// (control characters, invalid UTF-8, reserved names, too long).
var hostileKeys = []string{
	" leading", "trailing ", " ", "  two  spaces  ", "a /b", "x/ y /z", " sp/x", "%20", "%", "a%2Fb", "%zz",
	"é/ü", "日本語.txt", "\u2028line sep", "\u00a0nbsp\u00a0", "emoji 🎉", "\ufeffbom", "\ufffd",
	"a:b", "*?", "<>|", `"quoted"`, "'single'", "back`tick", "q?x=1&y=2", "#frag", "a+b", "~", "{}", "^", "[]", "CON", "nul.txt",
	"-", "_", "...", ".env", ".x/.y", "a.", "a..b", "x/..y", " .x", ". .", "x/ . y",
	strings.Repeat("k", storage.MaxSegmentLen), strings.Repeat(strings.Repeat("s", storage.MaxSegmentLen)+"/", 3) + strings.Repeat("t", storage.MaxSegmentLen-1) + "/x", // 1,024 bytes
	strings.Repeat("é", storage.MaxSegmentLen/2),
	// refused by every store
	" .", ".. ", "x/ . /y", "\u00a0..\u00a0", "x/\u3000.",
	"", "\t", "tab\there", "line\nbreak", "\r", "del\x7f", "nul\x00", "\xff\xfe", "a//b", "/abs", "trailing/", ".", "..", "a/../b",
	".locks", ".locks/x", ".tmp-1", "x/.tmp-2-0011223344556677", ".index/x", ".runs/f/id", `back\slash`,
	strings.Repeat("k", storage.MaxSegmentLen+1), strings.Repeat("a/", storage.MaxKeyLen/2) + "b",
}

// TestKeyGrammarSameOnEveryStore runs a task whose cache_key_fn returns each
// hostile key as is, and one whose storage_key template substitutes it
// (escaped) into "{parameters[name]}.txt", on local storage and on S3
// (MinIO). Every key has one outcome on both: valid keys commit and are
// served from the cache on the next run (the body runs once); refused keys
// fail with storage.ErrInvalidKey before the body runs. The one rule an S3
// store adds, that its prefix and the key fit S3's 1,024-byte object
// names, is checked before the body runs too.
func TestKeyGrammarSameOnEveryStore(t *testing.T) {
	type outcome struct {
		ok   bool   // committed and served back
		fail string // the error, when refused
	}
	run := func(t *testing.T, ctx context.Context, backend storage.Storage, name, key string, template bool) outcome {
		t.Helper()
		def := &runtime.Def{Kind: runtime.KindTask, Name: name, Func: "example.com/app." + name, Params: []string{"name"},
			GoType: "string", Value: true, Config: runtime.Config{CacheKeyFn: true}}
		inv := runtime.Invocation[string]{Def: def, Options: []runtime.Option{runtime.StorageBackend(backend)}}
		if template {
			def.Config = runtime.Config{StorageKey: "{parameters[name]}.txt"}
			inv.StorageKey = func(runtime.KeyContext) (string, error) { return runtime.KeyValue(key) + ".txt", nil }
		} else {
			inv.CacheKey = func(context.Context) (string, error) { return key, nil }
		}
		var ran atomic.Int32
		inv.Body = func(context.Context) (string, error) { ran.Add(1); return "value of " + key, nil }
		first := runtime.Run(ctx, inv)
		if _, err := first.Result(); err != nil {
			if n := ran.Load(); n != 0 {
				t.Errorf("%q: the body ran %d times before the key was refused: %v", key, n, err)
			}
			if !errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("%q: %v; want an error wrapping storage.ErrInvalidKey", key, err)
			}
			return outcome{fail: err.Error()}
		}
		second := runtime.Run(ctx, inv)
		v, err := second.Result()
		if err != nil || v != "value of "+key || !second.IsCached() || ran.Load() != 1 {
			t.Errorf("%q: second run: %q, %v, state %s, body ran %d times; want the first run's value, cached, one body run",
				key, v, err, second.Name(), ran.Load())
			return outcome{fail: fmt.Sprint("second run: ", err)}
		}
		return outcome{ok: true}
	}
	const prefix = "team/results"
	stores := map[string]func(t *testing.T) storage.Storage{
		"local": func(t *testing.T) storage.Storage {
			st, err := storage.NewLocal(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
		"s3": func(t *testing.T) storage.Storage {
			srv := s3test.Shared(t)
			// A prefix, as stores usually have one.
			st, err := s3.Open(context.Background(), s3.Config{Bucket: srv.NewBucket(t, s3test.BucketOptions{}), Prefix: prefix,
				Endpoint: srv.Endpoint, Region: s3test.Region, Insecure: true, Credentials: srv.Creds()})
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
	}
	got := map[string]map[string]outcome{} // store -> case -> outcome
	for _, name := range []string{"local", "s3"} {
		t.Run(name, func(t *testing.T) {
			backend := stores[name](t)
			ctx, _, _ := newEngine(t, nil)
			res := map[string]outcome{}
			for i, key := range hostileKeys {
				for _, template := range []bool{false, true} {
					id := fmt.Sprintf("%t/%q", template, key)
					res[id] = run(t, ctx, backend, fmt.Sprintf("K%d_%t", i, template), key, template)
					if template && !res[id].ok && key != "" && len(runtime.KeyValue(key)+".txt") <= storage.MaxSegmentLen {
						t.Errorf("%q through the template: %s; an escaped value must make a valid key", key, res[id].fail)
					}
				}
			}
			got[name] = res
		})
	}
	if got["s3"] == nil || got["local"] == nil {
		return // skipped
	}
	valid := 0
	for i, key := range hostileKeys {
		if len(prefix)+1+len(key) <= s3.MaxObjectName || storage.ValidateKey(key) != nil {
			continue
		}
		// Too long for the S3 store's prefix: refused there, before the
		// body runs (run checks that), naming the prefix.
		id := fmt.Sprintf("%t/%q", false, key)
		if s := got["s3"][id]; s.ok || !strings.Contains(s.fail, "with the store's prefix") {
			t.Errorf("key %d (%d bytes) on S3 with prefix %q: ok=%v %s; want refused for the prefix", i, len(key), prefix, s.ok, s.fail)
		}
		delete(got["local"], id)
	}
	for id, l := range got["local"] {
		s := got["s3"][id]
		if l.ok != s.ok {
			t.Errorf("%s: local ok=%v (%s), s3 ok=%v (%s); want one outcome on every store", id, l.ok, l.fail, s.ok, s.fail)
		}
		if l.ok {
			valid++
		}
	}
	t.Logf("%d cases, %d valid on both stores", len(got["local"]), valid)
}
