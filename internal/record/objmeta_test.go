package record_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

// The object metadata of a record carries any valid key, task name and
// label as printable ASCII without a space at either end (what S3 keeps in
// an HTTP header), and Head, which answers from that metadata, gives them
// back unchanged.
func TestObjectMetadataCarriesAnyKey(t *testing.T) {
	ctx := context.Background()
	for _, key := range []string{" leading", "trailing ", " ", "  two  spaces  ", "x/ y /z", "%20", "%", "é/ü 日本", "\u00a0nbsp\u00a0", "a+b?c#d"} {
		st := storage.NewMemory()
		m := record.Meta{Task: " task ", GoType: "string", Created: time.Now(), Labels: map[string]string{" label ": " value "}}
		if _, err := record.Write(ctx, st, key, m, serializer.JSON(), "v", storage.PutOptions{Size: -1}); err != nil {
			t.Fatalf("%q: %v", key, err)
		}
		info, err := st.Stat(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if len(info.Metadata) == 0 {
			t.Fatal("memory storage kept no metadata")
		}
		for k, v := range info.Metadata {
			if v != strings.TrimSpace(v) || strings.IndexFunc(v, func(r rune) bool { return r < 0x20 || r > 0x7e }) >= 0 {
				t.Errorf("%q: metadata %s = %q: not printable ASCII without spaces at either end", key, k, v)
			}
		}
		got, err := record.Head(ctx, st, key)
		if err != nil {
			t.Fatal(err)
		}
		if got.Key != key || got.Task != " task " || got.Labels[" label "] != " value " {
			t.Errorf("%q: Head gives key %q, task %q, labels %v", key, got.Key, got.Task, got.Labels)
		}
	}
}
