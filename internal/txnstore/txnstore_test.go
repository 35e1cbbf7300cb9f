package txnstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/txnstore"
	"github.com/resultgen/resultgen/runtime/storage"
)

// Discard removes the records a transaction staged, then its markers,
// and never an object it did not write: a user's file at a listed key,
// nor a record another run wrote there since.
func TestDiscardRemovesOnlyItsOwn(t *testing.T) {
	ctx := context.Background()
	st, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	put := func(key, txn string) {
		t.Helper()
		m := record.Meta{Task: "t", Key: key, Created: time.Now(), Labels: map[string]string{}}
		if txn != "" {
			m.Labels[txnstore.Label] = txn
		}
		if _, err := record.WriteLiteral(ctx, st, key, m, "true", storage.PutOptions{Size: -1}); err != nil {
			t.Fatal(err)
		}
	}
	m := txnstore.NewMarker("t1", time.Now())
	m.Keys = []string{"ours", "theirs", "users.txt", "gone"}
	m.TxnKeys = []string{"nightly"}
	if err := txnstore.WritePending(ctx, st, m); err != nil {
		t.Fatal(err)
	}
	put("ours", "t1")
	put("theirs", "t2")
	if err := st.Put(ctx, "users.txt", strings.NewReader("mine"), storage.PutOptions{Size: 4}); err != nil {
		t.Fatal(err)
	}
	if err := txnstore.WriteKey(ctx, st, "nightly", "t1", true); err != nil {
		t.Fatal(err)
	}
	if done, err := txnstore.Committed(ctx, st, "nightly"); err != nil || done {
		t.Fatalf("committed %v %v while the marker is pending", done, err)
	}
	open, err := txnstore.List(ctx, st)
	if err != nil || len(open) != 1 || open[0].Txn != "t1" || open[0].Abandoned(time.Now()) {
		t.Fatalf("list %+v %v, want t1 in progress (this process)", open, err)
	}
	removed, err := txnstore.Clean(ctx, st, open[0])
	if err != nil || len(removed) != 1 || removed[0] != "ours" {
		t.Fatalf("removed %q %v, want ours alone", removed, err)
	}
	for key, want := range map[string]bool{"ours": false, "theirs": true, "users.txt": true, txnstore.KeyMarker("nightly"): false, txnstore.PendingKey("t1"): false} {
		_, err := st.Stat(ctx, key)
		if got := err == nil; got != want || err != nil && !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("%s: present %v (%v), want %v", key, got, err, want)
		}
	}
}
