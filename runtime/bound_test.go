package runtime_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime"
)

type user struct{ Name string }

type order struct {
	ID    int
	Total float64
}

// orderV2 is order after a release renamed a field.
type orderV2 struct {
	ID  int
	Sum float64
}

func keyedDef(name, goType, key string) *runtime.Def {
	d := taskDef(name, true, runtime.Config{StorageKey: key})
	d.GoType = goType
	return d
}

func keyed[R any](def *runtime.Def, v R) task[R] {
	t := newTask(def, func(context.Context) (R, error) { return v, nil })
	t.key = def.Config.StorageKey
	return t
}

// Two tasks of different result types share a storage key: the second one
// fails with ErrKeyConflict naming the key, both tasks and both types, and
// the first one's record is untouched.
func TestKeyConflict(t *testing.T) {
	ctx, _, local := newEngine(t, nil)
	users := keyed(keyedDef("Users", "example.com/app.User", "report"), user{"ann"})
	orders := keyed(keyedDef("Orders", "example.com/app.Order", "report"), order{ID: 7, Total: 9.5})
	if _, err := users.Call(ctx); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(local, "report"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := orders.Call(ctx)
	if !errors.Is(err, runtime.ErrKeyConflict) || v != (order{}) {
		t.Fatalf("second task: %+v, %v; want ErrKeyConflict and no value", v, err)
	}
	for _, want := range []string{"resultgen results rm report -storage local:" + local, "example.com/app.Users", "example.com/app.User", "example.com/app.Orders", "example.com/app.Order", "storage_key"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if orders.calls.Load() != 0 {
		t.Errorf("the conflicting task's body ran %d times; the conflict is found before running", orders.calls.Load())
	}
	if after, _ := os.ReadFile(filepath.Join(local, "report")); !bytes.Equal(before, after) {
		t.Error("the first task's record was changed")
	}
	// refresh_cache does not overwrite it either
	if _, err := orders.WithOptions(runtime.RefreshCache(true)).Call(ctx); !errors.Is(err, runtime.ErrKeyConflict) {
		t.Errorf("refresh over another task's record: %v; want ErrKeyConflict", err)
	}
	if u, err := users.Call(ctx); err != nil || u.Name != "ann" {
		t.Errorf("the first task afterwards: %+v, %v", u, err)
	}

	// int and float64 decode into each other without complaint in msgpack;
	// here they conflict
	count := keyed(keyedDef("Count", "int", "num"), 3)
	ratio := keyed(keyedDef("Ratio", "float64", "num"), 0.5)
	if _, err := count.Call(ctx); err != nil {
		t.Fatal(err)
	}
	if v, err := ratio.Call(ctx); !errors.Is(err, runtime.ErrKeyConflict) || v != 0 {
		t.Errorf("Ratio over Count's record: %v, %v; want ErrKeyConflict", v, err)
	}
}

// Two functions of the same result type may share a key: a storage key
// names one result, and the type promise holds.
func TestSharedKeySameType(t *testing.T) {
	ctx, _, _ := newEngine(t, nil)
	a := keyed(keyedDef("A", "string", "greeting"), "from a")
	b := keyed(keyedDef("B", "string", "greeting"), "from b")
	if _, err := a.Call(ctx); err != nil {
		t.Fatal(err)
	}
	st := b.State(ctx)
	if v, err := st.Result(); v != "from a" || err != nil || !st.IsCached() {
		t.Errorf("B: %s %q, %v; want A's record", st.Name(), v, err)
	}
}

// The same task, after its result type changed (a field renamed between
// releases): the old record is stale, recomputed and replaced, and the state
// says why. The value is never decoded into the new type.
func TestResultTypeChanged(t *testing.T) {
	var logs syncBuffer
	ctx, _, _ := newEngine(t, nil, runtime.WithLogger(slogText(&logs)))
	v1 := keyed(keyedDef("Report", "example.com/app.Order", "orders/7"), order{ID: 7, Total: 9.5})
	if _, err := v1.Call(ctx); err != nil {
		t.Fatal(err)
	}
	v2 := keyed(keyedDef("Report", "example.com/app.Order", "orders/7"), orderV2{ID: 7, Sum: 12})
	st := v2.State(ctx)
	v, err := st.Result()
	if err != nil || v != (orderV2{ID: 7, Sum: 12}) || st.IsCached() {
		t.Fatalf("after the type change: %s %+v, %v; want recomputed", st.Name(), v, err)
	}
	if !strings.HasPrefix(st.CacheReason(), "result type changed") {
		t.Errorf("CacheReason %q; want it to say the result type changed", st.CacheReason())
	}
	if !strings.Contains(logs.String(), `msg="task Report: Completed"`) || !strings.Contains(logs.String(), `computed="result type changed`) {
		t.Errorf("the run's log line does not say why it computed:\n%s", logs.String())
	}
	st = v2.State(ctx)
	if v, err := st.Result(); err != nil || v.Sum != 12 || !st.IsCached() {
		t.Errorf("next run: %s %+v, %v; want the replaced record", st.Name(), v, err)
	}
}

// A file at a key that resultgen did not write is never overwritten or
// removed: the run fails, naming the key, the store and how to free it.
func TestForeignFileIsNeverDestroyed(t *testing.T) {
	ctx, _, local := newEngine(t, nil)
	mine := []byte(`{"user": "my own report"}`)
	if err := os.MkdirAll(local, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(local, "report.json"), mine, 0o644); err != nil {
		t.Fatal(err)
	}
	rep := keyed(keyedDef("Report", "string", "report.json"), "computed")
	for _, tc := range []struct {
		name string
		t    task[string]
	}{{"run", rep}, {"refresh", rep.WithOptions(runtime.RefreshCache(true))}} {
		v, err := tc.t.Call(ctx)
		if !errors.Is(err, runtime.ErrForeignObject) || v != "" {
			t.Errorf("%s: %q, %v; want ErrForeignObject", tc.name, v, err)
			continue
		}
		for _, want := range []string{"resultgen results rm -force report.json -storage local:" + local} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error lacks %q: %v", tc.name, want, err)
			}
		}
	}
	if got, _ := os.ReadFile(filepath.Join(local, "report.json")); !bytes.Equal(got, mine) {
		t.Errorf("the user's file changed: %q", got)
	}
	if rep.calls.Load() != 0 {
		t.Errorf("body ran %d times; the foreign file is found before running", rep.calls.Load())
	}
}

// A damaged record of ours is recomputed and replaced, with a WARN line.
func TestDamagedRecordReplaced(t *testing.T) {
	var logs syncBuffer
	ctx, _, local := newEngine(t, nil, runtime.WithLogger(slogText(&logs)))
	rep := keyed(keyedDef("Report", "string", "r"), "fresh")
	if _, err := rep.Call(ctx); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(local, "r")
	b, _ := os.ReadFile(path)
	b[len(b)-60] ^= 0xff // in the payload or trailer: a checksum mismatch
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	st := rep.State(ctx)
	if v, err := st.Result(); v != "fresh" || err != nil || st.IsCached() || st.CacheReason() != "a damaged record was replaced" {
		t.Errorf("%s %q, %v, reason %q; want recomputed", st.Name(), v, err, st.CacheReason())
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "damaged") {
		t.Errorf("no WARN line about the damaged record:\n%s", logs.String())
	}
	if st := rep.State(ctx); !st.IsCached() {
		t.Errorf("after replacing: %s, want Cached", st.Name())
	}
}

// With serializer=json a record is a JSON document; a user's JSON file
// that merely looks like one is still foreign, and a damaged JSON record of
// ours is replaced.
func TestJSONLookalikeIsForeign(t *testing.T) {
	ctx, _, local := newEngine(t, nil)
	def := keyedDef("Report", "string", "report.json")
	def.Config.Serializer = "json"
	rep := keyed(def, "computed")
	if err := os.MkdirAll(local, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, mine := range []string{`{"resultgen": "x"}`, `{"resultgen":1}`, `{"a":1}`} {
		if err := os.WriteFile(filepath.Join(local, "report.json"), []byte(mine), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := rep.Call(ctx); !errors.Is(err, runtime.ErrForeignObject) {
			t.Errorf("%s: %v; want ErrForeignObject", mine, err)
		}
		if got, _ := os.ReadFile(filepath.Join(local, "report.json")); string(got) != mine {
			t.Errorf("the user's file changed: %q", got)
		}
	}
	os.Remove(filepath.Join(local, "report.json"))
	if v, err := rep.Call(ctx); v != "computed" || err != nil {
		t.Fatalf("%q, %v", v, err)
	}
	b, _ := os.ReadFile(filepath.Join(local, "report.json"))
	if !bytes.HasPrefix(b, []byte(`{"resultgen":3,`)) || !bytes.Contains(b, []byte(`"value":"computed"`)) {
		t.Fatalf("not a JSON record:\n%s", b)
	}
	b[bytes.Index(b, []byte(`"value":`))+10] ^= 1
	if err := os.WriteFile(filepath.Join(local, "report.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if st := rep.State(ctx); st.IsCached() || st.CacheReason() != "a damaged record was replaced" {
		t.Errorf("%s, reason %q; want recomputed", st.Name(), st.CacheReason())
	}
}

// Reference[T] decodes only a record of T's type.
func TestReferenceTypeMismatch(t *testing.T) {
	ctx, e, _ := newEngine(t, nil)
	if _, err := keyed(keyedDef("Report", "example.com/app.Order", "o"), order{ID: 1, Total: 2}).Call(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := e.OpenStorage("")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := runtime.Reference[order](st, "o").Get(ctx); err != nil || v.Total != 2 {
		t.Errorf("Reference[order]: %+v, %v", v, err)
	}
	v, err := runtime.Reference[orderV2](st, "o").Get(ctx)
	if !errors.Is(err, runtime.ErrTypeMismatch) || v != (orderV2{}) {
		t.Fatalf("Reference[orderV2]: %+v, %v; want ErrTypeMismatch", v, err)
	}
	for _, want := range []string{"example.com/app.Order", "orderV2"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

// One flipped bit in the first bytes of a record of ours (binary framing,
// and the JSON framing's prefix) is damage, not a foreign file: the next
// run recomputes and replaces the record instead of refusing the key.
func TestDamagedStartReplaced(t *testing.T) {
	ctx, _, local := newEngine(t, nil)
	for _, ser := range []string{"msgpack", "json"} {
		def := keyedDef("Report", "string", "start-"+ser)
		def.Config.Serializer = ser
		rep := keyed(def, "fresh")
		if _, err := rep.Call(ctx); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(local, "start-"+ser)
		intact, _ := os.ReadFile(path)
		for i := range 8 {
			for bit := range 8 {
				b := bytes.Clone(intact)
				b[i] ^= 1 << bit
				if err := os.WriteFile(path, b, 0o600); err != nil {
					t.Fatal(err)
				}
				calls := rep.calls.Load()
				st := rep.State(ctx)
				if v, err := st.Result(); v != "fresh" || err != nil || st.IsCached() || rep.calls.Load() != calls+1 {
					t.Fatalf("%s, byte %d bit %d flipped: %s %q, %v; want recomputed", ser, i, bit, st.Name(), v, err)
				}
				now, _ := os.ReadFile(path)
				if _, _, err := record.Decode(bytes.NewReader(now)); err != nil {
					t.Fatalf("%s, byte %d bit %d flipped: the record was not replaced: %v", ser, i, bit, err)
				}
			}
		}
	}
}
