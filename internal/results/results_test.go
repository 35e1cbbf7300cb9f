package results_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/results"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

// plainStore hides every optional interface of the store it wraps: no
// ranged reads, no metadata, like a minimal third-party backend.
type plainStore struct{ st storage.Storage }

func (p plainStore) Put(ctx context.Context, k string, r io.Reader, o storage.PutOptions) error {
	o.Metadata = nil
	return p.st.Put(ctx, k, r, o)
}
func (p plainStore) Get(ctx context.Context, k string) (io.ReadCloser, error) {
	return p.st.Get(ctx, k)
}
func (p plainStore) Stat(ctx context.Context, k string) (storage.Info, error) {
	return p.st.Stat(ctx, k)
}
func (p plainStore) Delete(ctx context.Context, k string) error { return p.st.Delete(ctx, k) }
func (p plainStore) List(ctx context.Context, prefix string) iter.Seq2[storage.Info, error] {
	return p.st.List(ctx, prefix)
}
func (p plainStore) String() string { return "plain" }

func local(t *testing.T) (*storage.Local, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, dir
}

func write(t *testing.T, st storage.Storage, key string, m record.Meta, ser serializer.Serializer, v any) {
	t.Helper()
	if _, err := record.Write(context.Background(), st, key, m, ser, v, storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestResultsListStatuses(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	stores := []struct {
		name      string
		st        storage.Storage
		sizeKnown bool
	}{
		{"memory", storage.NewMemory(), true},
		{"plain", plainStore{storage.NewMemory()}, false},
	}
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			st := sc.st
			write(t, st, "a", record.Meta{Task: "t1", Expires: now.Add(-time.Second)}, serializer.JSON(), []int{1, 2, 3})
			write(t, st, "b", record.Meta{Task: "t2", Expires: now.Add(time.Hour)}, serializer.Msgpack(), "bee")
			if _, err := record.WriteLiteral(ctx, st, "c", record.Meta{Task: "t1"}, "null", storage.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			st.Put(ctx, "d.txt", stringsReader("plain text"), storage.PutOptions{Size: -1})
			st.Put(ctx, "e.empty", stringsReader(""), storage.PutOptions{Size: -1})
			st.Put(ctx, "f.cut", stringsReader("RGRESULT\x00"), storage.PutOptions{Size: -1})

			var got []results.Entry
			for e, err := range results.List(ctx, st, results.ListOptions{Now: now}) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, e)
			}
			want := []struct {
				key     string
				status  results.Status
				expired bool
				task    string
			}{
				{"a", results.StatusRecord, true, "t1"},
				{"b", results.StatusRecord, false, "t2"},
				{"c", results.StatusRecord, false, "t1"},
				{"d.txt", results.StatusNotRecord, false, ""},
				// nothing proves an empty object, or one cut inside the
				// prefix, a record of ours: foreign
				{"e.empty", results.StatusNotRecord, false, ""},
				{"f.cut", results.StatusNotRecord, false, ""},
			}
			if len(got) != len(want) {
				t.Fatalf("listed %d, want %d: %v", len(got), len(want), got)
			}
			for i, w := range want {
				e := got[i]
				if e.Key != w.key || e.Status != w.status || e.Expired != w.expired || e.Meta.Task != w.task {
					t.Errorf("entry %d = %s %s expired=%v task=%q, want %+v", i, e.Key, e.Status, e.Expired, e.Meta.Task, w)
				}
			}
			if n, ok := got[0].PayloadSize(); ok != sc.sizeKnown || (ok && n != int64(len("[1,2,3]\n"))) {
				t.Errorf("payload size of a = %d, %v; want known=%v", n, ok, sc.sizeKnown)
			}
			if !errors.Is(got[3].Err, results.ErrNotRecord) {
				t.Errorf("d.txt error = %v, want ErrNotRecord", got[3].Err)
			}
			if !errors.Is(got[5].Err, results.ErrNotRecord) || !strings.Contains(got[5].Err.Error(), "ends after 9 bytes") {
				t.Errorf("f.cut error = %v, want ErrNotRecord saying where it ends", got[5].Err)
			}
			// Task filter keeps records of that task only.
			var keys []string
			for e, err := range results.List(ctx, st, results.ListOptions{Task: "t1"}) {
				if err != nil {
					t.Fatal(err)
				}
				keys = append(keys, e.Key)
			}
			if !slices.Equal(keys, []string{"a", "c"}) {
				t.Errorf("task t1 lists %q", keys)
			}
		})
	}
}

func stringsReader(s string) io.Reader { return &sliceReader{b: []byte(s)} }

type sliceReader struct{ b []byte }

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func TestResultsListOrderAndEarlyStop(t *testing.T) {
	st, _ := local(t)
	var want []string
	for i := range 60 {
		k := fmt.Sprintf("k/%03d", i)
		want = append(want, k)
		write(t, st, k, record.Meta{}, serializer.JSON(), i)
	}
	var got []string
	for e, err := range results.List(context.Background(), st, results.ListOptions{Workers: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e.Key)
	}
	if !slices.Equal(got, want) {
		t.Errorf("order: got %q", got)
	}
	n := 0
	for range results.List(context.Background(), st, results.ListOptions{Workers: 2}) {
		if n++; n == 5 {
			break // must return, leaving no work behind (-race, goroutine checks)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var lastErr error
	for _, err := range results.List(ctx, st, results.ListOptions{}) {
		lastErr = err
	}
	if !errors.Is(lastErr, context.Canceled) {
		t.Errorf("cancelled list ends with %v, want context.Canceled", lastErr)
	}
	for _, err := range results.List(context.Background(), st, results.ListOptions{Prefix: "../"}) {
		if !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("bad prefix: %v", err)
		}
	}
}

func TestResultsValue(t *testing.T) {
	ctx := context.Background()
	st, _ := local(t)
	zm, _ := serializer.Compressed(serializer.Msgpack(), serializer.Gzip)
	type pair struct {
		A int
		B []string
	}
	write(t, st, "m", record.Meta{}, serializer.Msgpack(), map[int]pair{7: {1, []string{"x"}}})
	write(t, st, "j", record.Meta{}, serializer.JSON(), pair{2, nil})
	write(t, st, "z", record.Meta{}, zm, []float64{1.5, math.Inf(1)})
	write(t, st, "g", record.Meta{GoType: "main.pair"}, serializer.Gob(), pair{3, nil})
	if _, err := record.WriteLiteral(ctx, st, "l", record.Meta{}, "false", storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key, want string
	}{
		{"m", `{"7":{"A":1,"B":["x"]}}`},
		{"j", `{"A":2,"B":null}`},
		{"z", `[1.5,"+Inf"]`},
		{"l", `false`},
	}
	for _, tt := range tests {
		v, m, err := results.Value(ctx, st, tt.key)
		if err != nil {
			t.Errorf("%s: %v", tt.key, err)
			continue
		}
		b, err := json.Marshal(results.JSONValue(v))
		if err != nil || string(b) != tt.want || m.Key != tt.key {
			t.Errorf("%s: value %s (%v), meta key %q; want %s", tt.key, b, err, m.Key, tt.want)
		}
	}
	_, m, err := results.Value(ctx, st, "g")
	if !errors.Is(err, results.ErrNeedsType) || m.GoType != "main.pair" {
		t.Errorf("gob: %v (meta %+v), want ErrNeedsType with the metadata", err, m)
	}
	if _, _, err := results.Value(ctx, st, "absent"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("absent: %v", err)
	}
}

func TestResultsVerifyAndRemove(t *testing.T) {
	ctx := context.Background()
	st, dir := local(t)
	for _, k := range []string{"a", "b", "c"} {
		write(t, st, k, record.Meta{}, serializer.Msgpack(), make([]byte, 1000))
	}
	os.WriteFile(filepath.Join(dir, "x.txt"), []byte("not mine"), 0o600)
	p := filepath.Join(dir, "b")
	b, _ := os.ReadFile(p)
	b[len(b)-60] ^= 1 // last payload byte
	os.WriteFile(p, b, 0o600)

	problems := map[string]results.Problem{}
	for c, err := range results.Verify(ctx, st, results.VerifyOptions{Workers: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		problems[c.Key] = c.Problem()
		if c.Err == nil && (c.Meta.Size != 1000+3 || c.Read < 1003) {
			t.Errorf("%s: size %d read %d", c.Key, c.Meta.Size, c.Read)
		}
	}
	want := map[string]results.Problem{"a": "", "b": results.ProblemChecksum, "c": "", "x.txt": results.ProblemNotRecord}
	if fmt.Sprint(problems) != fmt.Sprint(want) {
		t.Errorf("problems %v, want %v", problems, want)
	}
	if c := results.VerifyKey(ctx, st, "zz"); c.Problem() != results.ProblemMissing {
		t.Errorf("missing key: %v", c.Err)
	}

	_, err := results.Remove(ctx, st, []string{"a", "zz", "x.txt", "a/../b"}, results.RemoveOptions{})
	if !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("remove with a bad key: %v", err)
	}
	_, err = results.Remove(ctx, st, []string{"a", "zz", "x.txt"}, results.RemoveOptions{})
	if !errors.Is(err, storage.ErrNotFound) || !errors.Is(err, results.ErrNotRecord) {
		t.Errorf("remove: %v, want ErrNotFound and ErrNotRecord", err)
	}
	if _, err := st.Stat(ctx, "a"); err != nil {
		t.Fatalf("a removed by a failed Remove: %v", err)
	}
	removed, err := results.Remove(ctx, st, []string{"b", "x.txt", "b"}, results.RemoveOptions{Force: true})
	if err != nil || !slices.Equal(removed, []string{"b", "x.txt"}) {
		t.Errorf("remove -force: %q, %v", removed, err)
	}
}

func TestResultsCriteria(t *testing.T) {
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	m := record.Meta{Task: "t", Created: now.Add(-49 * time.Hour), Expires: now}
	tests := []struct {
		c     results.Criteria
		match bool
		why   string
	}{
		{results.Criteria{Expired: true}, true, "expired 2026-05-01T00:00:00Z"},
		{results.Criteria{OlderThan: 48 * time.Hour}, true, "created 49h0m0s ago"},
		{results.Criteria{OlderThan: 50 * time.Hour}, false, ""},
		{results.Criteria{Task: "t", Expired: true}, true, "task t; expired 2026-05-01T00:00:00Z"},
		{results.Criteria{Task: "u", Expired: true}, false, ""},
	}
	for _, tt := range tests {
		match, why := tt.c.Match(m, now)
		if match != tt.match || why != tt.why {
			t.Errorf("%+v: %v %q, want %v %q", tt.c, match, why, tt.match, tt.why)
		}
	}
	if err := (results.Criteria{Prefix: "a/"}).Validate(); !errors.Is(err, results.ErrNoCriteria) {
		t.Errorf("prefix alone: %v", err)
	}
	if err := (results.Criteria{OlderThan: -time.Hour}).Validate(); err == nil {
		t.Error("negative older-than accepted")
	}
}

func TestResultsFormat(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB", math.MaxInt64: "8.0 EiB"} {
		if got := results.FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	js, _ := serializer.Parse("compressed/json", "")
	for _, tt := range []struct {
		m       record.Meta
		expired bool
		ser     string
		exp     string
	}{
		{record.Meta{}, false, "literal", "never"},
		{record.Meta{Serializer: &js, Expires: now}, true, "compressed/json+zstd", "EXPIRED"},
		{record.Meta{Serializer: &js, Expires: now}, false, "compressed/json+zstd", "2026-01-01T00:00:00Z"},
	} {
		if s, e := results.FormatSerializer(tt.m), results.FormatExpires(tt.m, tt.expired); s != tt.ser || e != tt.exp {
			t.Errorf("%+v: %q %q, want %q %q", tt.m, s, e, tt.ser, tt.exp)
		}
	}
}

// Records written with serializer=json are JSON documents; every command
// reads them like binary ones, and a user's JSON file is not a record.
func TestJSONRecords(t *testing.T) {
	ctx := context.Background()
	st, dir := local(t)
	now := time.Now()
	write(t, st, "r.json", record.Meta{Task: "t"}, serializer.JSON(), map[string][]int{"a": {1, 2}})
	os.WriteFile(filepath.Join(dir, "mine.json"), []byte(`{"resultgen": "x"}`), 0o600)

	b, _ := os.ReadFile(filepath.Join(dir, "r.json"))
	var doc struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || string(bytes.TrimSpace(doc.Value)) != `{"a":[1,2]}` {
		t.Fatalf("record is not JSON with .value: %v\n%s", err, b)
	}
	e, err := results.Show(ctx, st, "r.json", now)
	if err != nil || e.Status != results.StatusRecord || e.Meta.Task != "t" || e.Meta.Size != int64(len(`{"a":[1,2]}`+"\n")) {
		t.Errorf("Show: %+v, %v", e, err)
	}
	v, _, err := results.Value(ctx, st, "r.json")
	if js, _ := json.Marshal(results.JSONValue(v)); err != nil || string(js) != `{"a":[1,2]}` {
		t.Errorf("Value: %s, %v", js, err)
	}
	if c := results.VerifyKey(ctx, st, "r.json"); c.Err != nil || c.Read != int64(len(b)) || c.Meta.Size != e.Meta.Size {
		t.Errorf("VerifyKey: %+v", c)
	}
	if e, err := results.Show(ctx, st, "mine.json", now); err != nil || e.Status != results.StatusNotRecord {
		t.Errorf("Show of a user's JSON file: %+v, %v", e, err)
	}
	if c := results.VerifyKey(ctx, st, "mine.json"); c.Problem() != results.ProblemNotRecord {
		t.Errorf("VerifyKey of a user's JSON file: %v", c.Err)
	}
	b[bytes.Index(b, []byte(`"value":`))+10] ^= 1 // in the value
	os.WriteFile(filepath.Join(dir, "r.json"), b, 0o600)
	if c := results.VerifyKey(ctx, st, "r.json"); c.Problem() != results.ProblemChecksum {
		t.Errorf("VerifyKey of a damaged JSON record: %v", c.Err)
	}
}

// TestPruneToSize removes the least recently used records, ties broken by
// key order, until the store is within the limit, and never a foreign file.
func TestPruneToSize(t *testing.T) {
	ctx := context.Background()
	st, dir := local(t)
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	// Uses: k0 oldest ... k5 newest; k2 and k3 used at the same time.
	uses := map[string]time.Time{
		"k0": base, "k1": base.Add(time.Hour), "k2": base.Add(2 * time.Hour),
		"k3": base.Add(2 * time.Hour), "k4": base.Add(3 * time.Hour), "k5": base.Add(4 * time.Hour),
	}
	// Records differ by a few bytes (their creation times' digits), so
	// the limits below are sums of the records' own sizes.
	sizes := map[string]int64{}
	for k, at := range uses {
		write(t, st, k, record.Meta{Task: "t"}, serializer.JSON(), strings.Repeat("x", 100))
		if err := os.Chtimes(filepath.Join(dir, k), at, at); err != nil {
			t.Fatal(err)
		}
		info, err := st.Stat(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		sizes[k] = info.Size
	}
	sum := func(keys ...string) (n int64) {
		for _, k := range keys {
			n += sizes[k]
		}
		return n
	}
	newest3 := sum("k3", "k4", "k5")
	if err := os.WriteFile(filepath.Join(dir, "foreign"), make([]byte, 10_000), 0o600); err != nil {
		t.Fatal(err)
	}
	prune := func(max int64, dry bool) []string {
		var got []string
		for p, err := range results.PruneToSize(ctx, st, "", max, results.PruneOptions{DryRun: dry}) {
			if err != nil || p.Err != nil {
				t.Fatalf("PruneToSize(%d): %v %v", max, err, p.Err)
			}
			if p.Removed == dry {
				t.Errorf("PruneToSize(%d, dry %v): %s removed = %v", max, dry, p.Key, p.Removed)
			}
			got = append(got, p.Key)
		}
		return got
	}
	// Keeping 3 records' worth removes k0, k1 and k2 (k2 before k3: key order).
	if got, want := prune(newest3, true), []string{"k0", "k1", "k2"}; !slices.Equal(got, want) {
		t.Errorf("dry run removes %q, want %q", got, want)
	}
	if got := prune(newest3+sum("k0", "k1", "k2"), false); len(got) != 0 {
		t.Errorf("a store within the limit lost %q", got)
	}
	if got, want := prune(newest3+sizes["k2"]/2, false), []string{"k0", "k1", "k2"}; !slices.Equal(got, want) {
		t.Errorf("prune removed %q, want %q", got, want)
	}
	if got, want := prune(0, false), []string{"k3", "k4", "k5"}; !slices.Equal(got, want) {
		t.Errorf("prune to 0 removed %q, want %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "foreign")); err != nil {
		t.Errorf("prune removed a file resultgen did not write: %v", err)
	}
}
