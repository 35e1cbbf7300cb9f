package record_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

func manifest() *record.Manifest {
	return &record.Manifest{
		KeyFrom: "cache_policy", Policy: "inputs-v+run_id+task_source",
		Params: []record.ParamSum{{Name: "n", Hash: "0123456789abcdef"}, {Name: "v", Excluded: true}},
		Inputs: "abc", Source: "sha256:1",
		Units: []string{"func F 111111111111 app/f.go:3", "func helper 222222222222 app/h.go:9", "module golang.org/x/text@v0.1.0"},
		RunID: "run-1",
	}
}

// The manifest is kept in the header of both framings.
func TestManifestRoundTrip(t *testing.T) {
	ctx := context.Background()
	st := storage.NewMemory()
	in := record.Meta{Task: "F", Func: "app.F", Created: time.Now().UTC(), Manifest: manifest()}
	for _, ser := range []serializer.Serializer{serializer.JSON(), serializer.Msgpack()} {
		if _, err := record.Write(ctx, st, "k", in, ser, 1, storage.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		m, err := record.ReadMeta(ctx, st, "k")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(m.Manifest, in.Manifest) {
			t.Errorf("%s: manifest %+v, want %+v", ser.Spec(), m.Manifest, in.Manifest)
		}
	}
	// object metadata stays small: no manifest there
	info, _ := st.Stat(ctx, "k")
	for k, v := range info.Metadata {
		if strings.Contains(v, "helper") {
			t.Errorf("object metadata %s holds the manifest", k)
		}
	}
}

func TestCompare(t *testing.T) {
	a := record.Meta{Manifest: manifest(), TypeHash: "h1", GoType: "app.T", TypeDesc: `app.T=struct{N int; Rows []app.Row=struct{ID int}; Old string "json:\"old\""}`}
	b := a
	b.Manifest = manifest()
	b.Manifest.Params[0].Hash = "fedcba9876543210"
	b.Manifest.Source = "sha256:2"
	b.Manifest.Units = []string{"func F 111111111111 app/f.go:3", "func helper 333333333333 app/h.go:11", "func more 444444444444 app/m.go:1", "module golang.org/x/text@v0.2.0"}
	b.TypeHash, b.TypeDesc = "h2", `app.T=struct{N int64; Rows []app.Row=struct{ID int; Total float64}}`
	got := record.Compare(a, b)
	want := []string{
		"parameter n changed",
		"code changed: func helper (app/h.go:11)",
		"code changed: func more added (app/m.go:1)",
		"code changed: module golang.org/x/text v0.1.0 -> v0.2.0",
		"result type changed: field Total of app.Row added",
		"result type changed: field N: int -> int64",
		"result type changed: field Old removed",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Compare:\n got %q\nwant %q", got, want)
	}
	if d := record.Compare(a, a); len(d) != 0 {
		t.Errorf("Compare(a, a) = %q", d)
	}
}
