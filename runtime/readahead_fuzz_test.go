package runtime

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
)

// A steps index is read from storage, where anything may be: parsing
// never panics, and what it accepts is consistent: one size per key, each
// packed record a piece of the object, together all of the pack, and what
// it writes (JSON, a newline, the records) reads back the same.
func FuzzParseStepsIndex(f *testing.F) {
	idx := stepsIndex{Format: stepsFormat, Flow: "example.com/app.Steps", Code: "sha256:x", Params: "p", Keys: []string{"a", "b", "c"}, Sizes: []int{3, -1, 2}}
	js, _ := json.Marshal(idx)
	f.Add(slices.Concat(js, []byte("\nrecxy")))
	v1 := idx
	v1.Format, v1.Sizes = stepsFormatV1, nil
	js1, _ := json.Marshal(v1)
	f.Add(js1)
	f.Add([]byte("{not json"))
	f.Add(slices.Concat(js, []byte("\nrec")))
	f.Fuzz(func(t *testing.T, b []byte) {
		idx, packed, err := parseStepsIndex(b)
		if err != nil || packed == nil {
			return
		}
		if len(packed) != len(idx.Keys) || len(idx.Sizes) != len(idx.Keys) {
			t.Fatalf("%d records and %d sizes for %d keys", len(packed), len(idx.Sizes), len(idx.Keys))
		}
		var pack []byte
		for i, r := range packed {
			if (r == nil) != (idx.Sizes[i] < 0) || r != nil && len(r) != idx.Sizes[i] {
				t.Fatalf("record %d: %d bytes, size %d", i, len(r), idx.Sizes[i])
			}
			pack = append(pack, r...)
		}
		_, tail, _ := bytes.Cut(b, []byte("\n"))
		if !bytes.Equal(pack, tail) {
			t.Fatalf("the records are not the pack")
		}
		js, err := json.Marshal(idx)
		if err != nil {
			t.Fatal(err)
		}
		again, packed2, err := parseStepsIndex(slices.Concat(js, []byte("\n"), pack))
		if err != nil || !slices.Equal(again.Keys, idx.Keys) || !slices.Equal(again.Sizes, idx.Sizes) || len(packed2) != len(packed) {
			t.Fatalf("written again, reads %+v, %v", again, err)
		}
	})
}
