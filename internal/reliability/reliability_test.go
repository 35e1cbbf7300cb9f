// Package reliability is resultgen's adversarial suite: it does to the
// runtime what crashes, bit rot and hostile input do, and counts what got
// through. `make reliability` runs it at full size; `make test` runs it with
// bounded counts. Each row (test) prints its own figures; the suite ends
// with one line "N passed, M failed" and the figures, each of which must
// be 0:
//
//   - torn: records that a killed writer left readable but wrong, or
//     unreadable at a key (a reader must see the old record, the new one,
//     or nothing);
//   - missed: corruptions that Read did not detect;
//   - destroyed: objects a run overwrote though nothing proved resultgen
//     wrote them (a foreign file, a record cut short before its header's
//     CRC), judged by the runtime's own damaged-or-foreign decision;
//   - refused: damaged records of ours (their header or trailer intact)
//     that a run kept as foreign instead of replacing;
//   - served: runs that returned a value other than the one computed;
//   - escapes: files written outside the storage root through a hostile
//     parameter value;
//   - leftovers: temporary and lock files left behind after the store
//     cleaned up (`prune -tmp` at once, nothing back-dated);
//   - stale-served, false-stale: runs of stale generated code that served
//     or stored a record, and edits that change no code but lost the cache
//     (TestStaleGeneratedCode; its line counts the edits by class).
//
// Rows print their own figures as they end ("reliability: ROW: ...
// passed=N failed=M"); see each test for what they count.
//
// Flags (after -args): -kills N, -corruptions N, -hostile N, -holders N,
// -stale N scale the rounds. Rows on S3 need the MinIO of
// scripts/with-minio.sh (make reliability starts one) and skip, saying so,
// without it.
package reliability

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage"
)

var (
	kills       = flag.Int("kills", 8, "writer processes killed mid-write")
	corruptions = flag.Int("corruptions", 300, "corrupted copies per serializer")
	hostile     = flag.Int("hostile", 200, "random hostile parameter values (besides the fixed list)")
)

// figures are the counts every test adds to; all must end at 0. passed and
// failed count the checks (one per key read back, damaged copy, hostile
// value, cleanup).
var figures struct {
	torn, missed, destroyed, refused, served, escapes, leftovers, passed, failed atomic.Int64
}

// rows holds one line of figures per row, printed before the totals.
var rows struct {
	sync.Mutex
	lines []string
}

// row adds a line of figures for one row of the suite.
func row(format string, args ...any) {
	rows.Lock()
	rows.lines = append(rows.lines, fmt.Sprintf(format, args...))
	rows.Unlock()
}

// check counts one check and reports whether it passed.
func check(ok bool) bool {
	if ok {
		figures.passed.Add(1)
	} else {
		figures.failed.Add(1)
	}
	return ok
}

func TestMain(m *testing.M) {
	if dir := os.Getenv("RELIABILITY_WRITER"); dir != "" {
		writer(dir) // never returns: the parent kills it
	}
	flag.Parse()
	code := m.Run()
	for _, l := range rows.lines {
		fmt.Printf("reliability: %s\n", l)
	}
	fmt.Printf("reliability: torn=%d missed=%d destroyed=%d refused=%d served=%d escapes=%d leftovers=%d\n",
		figures.torn.Load(), figures.missed.Load(), figures.destroyed.Load(), figures.refused.Load(), figures.served.Load(),
		figures.escapes.Load(), figures.leftovers.Load())
	fmt.Print(staleSummary())
	fmt.Printf("reliability: %d passed, %d failed\n", figures.passed.Load(), figures.failed.Load())
	os.Exit(code)
}

// writer overwrites records at a few keys as fast as it can, sizes 1 KiB
// to 1 MiB, until it is killed; every other write holds the key's lock,
// so kills leave lock files too. It prints "writing" when it starts.
func writer(dir string) {
	st, err := storage.NewLocal(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Println("writing")
	ctx := context.Background()
	for i := 0; ; i++ {
		payload := bytes.Repeat([]byte{byte(i)}, 1<<10+mrand.IntN(1<<20))
		key := fmt.Sprintf("k/%d", i%4)
		m := record.Meta{Key: key, Task: "writer", Created: time.Now()}
		unlock := func() error { return nil }
		if i%2 == 1 {
			if unlock, err = st.Lock(ctx, key, time.Minute); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
		}
		if _, err := record.Write(ctx, st, key, m, serializer.Msgpack(), payload, storage.PutOptions{Size: -1}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		if err := unlock(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
}

// TestKilledWriters kills writer processes at random moments once they
// write. Every object at a key must read back whole, as one of the payloads
// written (all bytes equal); temporary and lock files must be gone once the
// store has cleaned up, at once: their writers are dead. A kill lands
// mid-write when it leaves the writer's temporary file behind; at least one
// must, or the test proved nothing: it kills more writers (up to 4 times
// -kills) until one does.
func TestKilledWriters(t *testing.T) {
	if *kills == 0 {
		t.Skip("-kills 0")
	}
	dir := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{} // temporary files found after earlier kills
	n, midWrite := 0, 0
	for ; n < *kills || (midWrite == 0 && n < 4**kills); n++ {
		cmd := exec.Command(self, "-test.run=^$")
		cmd.Env = append(os.Environ(), "RELIABILITY_WRITER="+dir)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(out).ReadString('\n')
		if line == "writing\n" { // else it failed: Wait and stderr say why
			time.Sleep(time.Duration(mrand.IntN(100)) * time.Millisecond)
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if stderr.Len() > 0 || line != "writing\n" {
			t.Fatalf("writer failed: %q %s", line, stderr.String())
		}
		landed := false
		for _, p := range tempFiles(dir) {
			if !seen[p] {
				seen[p], landed = true, true
			}
		}
		if landed {
			midWrite++
		}
	}
	if !check(midWrite > 0) {
		t.Errorf("none of %d kills landed mid-write (no temporary file left behind): the test proved nothing", n)
	}

	st, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	torn := 0
	for i := range 4 {
		key := fmt.Sprintf("k/%d", i)
		var v []byte
		_, err := record.Read(ctx, st, key, serializer.Msgpack(), &v)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			check(true)
		case err != nil:
			check(false)
			torn++
			t.Errorf("%s: %v", key, err)
		case !check(len(v) > 0 && bytes.Count(v, v[:1]) == len(v)):
			torn++
			t.Errorf("%s: a mix of payloads (%d bytes)", key, len(v))
		}
	}
	figures.torn.Add(int64(torn))
	left := leftovers(t, st, dir)
	if !check(left == 0) {
		figures.leftovers.Add(int64(left))
		t.Errorf("%d temporary files left after cleanup", left)
	}
	row("killed writers: %d kills, %d mid-write (a temporary file left behind), %d torn, %d leftovers", n, midWrite, torn, left)
}

// tempFiles lists the temporary files of writes under dir.
func tempFiles(dir string) []string {
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), ".tmp-") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// leftovers cleans st up as `resultgen results prune -tmp` would and counts
// the temporary and lock files still in dir.
func leftovers(t *testing.T, st *storage.Local, dir string) int {
	t.Helper()
	cleanTemp(t, st)
	n := 0
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), ".") {
			n++
			t.Logf("left: %s", p)
		}
		return nil
	})
	return n
}

var allSerializers = func() []serializer.Serializer {
	out := []serializer.Serializer{serializer.Msgpack(), serializer.JSON(), serializer.Gob()}
	for _, inner := range []serializer.Serializer{serializer.Msgpack(), serializer.JSON()} {
		for _, c := range []string{serializer.Zstd, serializer.Gzip, serializer.Zlib} {
			s, err := serializer.Compressed(inner, c)
			if err != nil {
				panic(err)
			}
			out = append(out, s)
		}
	}
	return out
}()

type sample struct {
	ID    int
	Name  string
	Tags  []string
	Score float64
	Blob  []byte
}

// TestRandomCorruption flips bits in, overwrites bytes of, and truncates
// records of every serializer, written by the runtime, weighted across
// header, payload and trailer. Read must refuse every damaged copy; a run
// of the task must replace the copies that still prove resultgen wrote
// them (an intact header or trailer: provable) and keep the others as
// foreign, and never return a wrong value.
func TestRandomCorruption(t *testing.T) {
	ctx := context.Background()
	blob := make([]byte, 4096)
	_, _ = rand.Read(blob)
	v := sample{ID: 42, Name: "answer", Tags: []string{"a", "b"}, Score: 0.5, Blob: blob}
	for _, s := range allSerializers {
		t.Run(s.Spec().String(), func(t *testing.T) {
			r := newRunner(t, s, v)
			st := storage.NewMemory()
			good := r.record(t)
			var copies, missed, done [3]int // done: replaced, kept, broken
			for i := range *corruptions {
				bad := bytes.Clone(good)
				switch i % 3 {
				case 0: // one bit, anywhere; a third of them in the first and last 64 bytes
					off := mrand.IntN(len(bad))
					if i%2 == 0 {
						if j := mrand.IntN(128); j < 64 {
							off = j
						} else {
							off = len(bad) - 1 - (j - 64)
						}
					}
					bad[off] ^= 1 << mrand.IntN(8)
				case 1: // a run of random bytes
					off := mrand.IntN(len(bad))
					n := 1 + mrand.IntN(min(16, len(bad)-off))
					for j := range n {
						bad[off+j] = byte(mrand.IntN(256))
					}
					if bytes.Equal(bad, good) {
						continue
					}
				case 2: // truncated
					bad = bad[:mrand.IntN(len(bad))]
				}
				if err := st.Put(ctx, "r", bytes.NewReader(bad), storage.PutOptions{Size: int64(len(bad))}); err != nil {
					t.Fatal(err)
				}
				copies[i%3]++
				var got sample
				if _, err := record.Read(ctx, st, "r", s, &got); !check(errors.Is(err, record.ErrCorrupt)) {
					figures.missed.Add(1)
					missed[i%3]++
					t.Errorf("round %d: %v; want ErrCorrupt", i, err)
				}
				done[r.judge(t, fmt.Sprintf("round %d", i), bad, provable(t, good, bad), false)]++
			}
			row("corruption %s: %d bit flips, %d byte runs, %d truncations; missed by Read %d; a run replaced %d as damaged, kept %d as foreign, %d otherwise",
				s.Spec().String(), copies[0], copies[1], copies[2], missed[0]+missed[1]+missed[2], done[replaced], done[kept], done[broken])
		})
	}
}

func readAll(t *testing.T, st storage.Storage, key string) []byte {
	t.Helper()
	rc, err := st.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(rc); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// hostileValues are parameter values written to break out of a storage
// root or into resultgen's own names.
var hostileValues = []string{
	"..", "../..", "../../etc/passwd", "/", "/etc/passwd", "a/../../b", `..\..\x`, `C:\x`,
	".", "./x", "x/.", "", " ", "\x00", "a\x00b", "\n", "%2e%2e", "%2F", "..%2F..",
	".locks", ".locks/x", ".tmp-123", ".resultgen-tmp-1", ".", "...", "....",
	"\u2024\u2024", "\uff0e\uff0e", "ｘ/ｙ", "\xff\xfe", strings.Repeat("a", 300),
	strings.Repeat("../", 100), strings.Repeat("é", 200), "CON", "nul", "a:b", "*", "?",
}

// TestHostileKeys sends hostile parameter values through a storage-key
// template into real local storage. A run either succeeds with every file
// inside the root, or fails cleanly; it never writes outside the root.
func TestHostileKeys(t *testing.T) {
	values := append([]string(nil), hostileValues...)
	for range *hostile {
		b := make([]byte, 1+mrand.IntN(40))
		const alphabet = "./\\%.\x00abc\xff:"
		for i := range b {
			b[i] = alphabet[mrand.IntN(len(alphabet))]
		}
		values = append(values, string(b))
	}
	parent := t.TempDir()
	root := filepath.Join(parent, "root")
	env := map[string]string{settings.Home: filepath.Join(parent, "home"), settings.LocalStoragePath: root}
	s, err := settings.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	e := runtime.NewEngine(s, runtime.WithLogger(slog.New(slog.DiscardHandler)))
	defer e.Close()
	ctx := runtime.WithEngine(context.Background(), e)
	def := &runtime.Def{Kind: runtime.KindTask, Name: "hostile", Func: "example.com/r.Hostile", Params: []string{"v"},
		GoType: "string", Value: true, Config: runtime.Config{StorageKey: "in/{parameters[v]}/x"}}
	ran, refused, escapes := 0, 0, 0
	for _, v := range values {
		inv := runtime.Invocation[string]{
			Def:        def,
			StorageKey: func(runtime.KeyContext) (string, error) { return "in/" + runtime.KeyValue(v) + "/x", nil },
			Body:       func(context.Context) (string, error) { return v, nil },
		}
		got, err := runtime.Run(ctx, inv).Result()
		switch {
		case err != nil:
			// Escaping makes every value a valid segment but for two
			// cases the key rules refuse, clearly and before touching
			// anything: an empty value (an empty segment), and one over
			// 255 bytes once escaped.
			clean := errors.Is(err, storage.ErrInvalidKey) && strings.Contains(err.Error(), "task hostile") &&
				(v == "" || len(runtime.KeyValue(v)) > storage.MaxSegmentLen)
			if !check(clean) {
				t.Errorf("%q: %v; a parameter value, escaped, must make a valid key", v, err)
			}
			refused++
		case !check(got == v):
			t.Errorf("%q: got %q", v, got)
		default:
			ran++
		}
	}
	_ = filepath.WalkDir(parent, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		inside := strings.HasPrefix(p, root+string(filepath.Separator)) || strings.HasPrefix(p, filepath.Join(parent, "home")+string(filepath.Separator))
		if !check(inside) {
			figures.escapes.Add(1)
			escapes++
			t.Errorf("written outside the storage root: %s", p)
		}
		return nil
	})
	row("hostile keys: %d values, %d ran, %d failed cleanly (an invalid key, before running), %d files outside the root", len(values), ran, refused, escapes)
}
