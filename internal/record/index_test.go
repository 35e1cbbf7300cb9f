package record_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/storage"
)

// An index object reads back as written; a missing one is ErrNotFound and
// one larger than any header is refused unread.
func TestIndex(t *testing.T) {
	ctx := context.Background()
	st := storage.NewMemory()
	const fn = "example.com/app.Task"
	lit := "true"
	if _, err := record.ReadIndex(ctx, st, fn); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("missing index: %v", err)
	}
	if err := record.WriteIndex(ctx, st, record.Meta{Func: fn, Task: "Task", Key: "k", Literal: &lit}); err != nil {
		t.Fatal(err)
	}
	m, err := record.ReadIndex(ctx, st, fn)
	if err != nil || m.Func != fn || m.Task != "Task" || m.Key != "k" {
		t.Fatalf("index %+v, %v", m, err)
	}
	big := append([]byte(`{"task":"`), bytes.Repeat([]byte{'x'}, record.MaxHeaderSize)...)
	big = append(big, `"}`...)
	if err := st.Put(ctx, record.IndexKey(fn), bytes.NewReader(big), storage.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := record.ReadIndex(ctx, st, fn); !errors.Is(err, record.ErrCorrupt) {
		t.Fatalf("oversized index: %v", err)
	}
}
