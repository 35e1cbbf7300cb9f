package record_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/storage"
)

// Rotation: Rekey moves a record from the old key to the current one
// (dry first, writing nothing), after which the old key can leave the
// keyring; it is idempotent, leaves records in the clear alone, and never
// writes a record it cannot open or whose payload is damaged.
func TestRekey(t *testing.T) {
	ctx := context.Background()
	old := keyring(t, "old:"+testKey(1))
	both := keyring(t, "old:"+testKey(1)+",*new:"+testKey(2))
	onlyNew := keyring(t, "new:"+testKey(2))
	big := bytes.Repeat([]byte("0123456789abcdef"), 3<<16) // 3 MiB: many chunks
	for _, sc := range stores() {
		t.Run(sc.name, func(t *testing.T) {
			st := sc.new(t)
			if _, err := record.Write(record.WithSealing(ctx, old), st, "big", record.Meta{Task: "t"}, nil, big, storage.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			if _, err := record.Write(ctx, st, "clear", record.Meta{Task: "t"}, nil, 7, storage.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			before := rawObject(t, st, "big")

			r, err := record.Rekey(ctx, st, "big", both, true)
			if err != nil || !r.Changed || r.From != "old" || r.To != "new" {
				t.Fatalf("dry run: %+v, %v", r, err)
			}
			if !bytes.Equal(before, rawObject(t, st, "big")) {
				t.Fatal("a dry run changed the record")
			}
			if _, err := record.Rekey(ctx, st, "big", onlyNew, false); !errors.Is(err, record.ErrKeyMissing) {
				t.Fatalf("without the old key: %v", err)
			}
			if !bytes.Equal(before, rawObject(t, st, "big")) {
				t.Fatal("a failed rekey changed the record")
			}
			if r, err = record.Rekey(ctx, st, "big", both, false); err != nil || !r.Changed {
				t.Fatalf("rekey: %+v, %v", r, err)
			}
			var got []byte
			m, err := record.Read(record.WithKeyring(ctx, onlyNew), st, "big", nil, &got)
			if err != nil || !bytes.Equal(got, big) || m.Encryption.KeyID != "new" {
				t.Fatalf("after rekey, with the new key only: %v, key %v", err, m.Encryption)
			}
			if hm, err := record.Head(ctx, st, "big"); err != nil || hm.Encryption == nil || hm.Encryption.KeyID != "new" {
				t.Errorf("Head after rekey: %v, %+v", err, hm.Encryption)
			}
			after := rawObject(t, st, "big")
			if r, err = record.Rekey(ctx, st, "big", both, false); err != nil || r.Changed || !bytes.Equal(after, rawObject(t, st, "big")) {
				t.Errorf("again: %+v, %v (must change nothing)", r, err)
			}
			if r, err = record.Rekey(ctx, st, "clear", both, false); err != nil || r.Changed || r.From != "" {
				t.Errorf("a record in the clear: %+v, %v", r, err)
			}

			// a damaged payload: refused, left as it was
			dmg := bytes.Clone(after)
			dmg[len(dmg)/2] ^= 1
			putRaw(t, st, "big", dmg)
			if _, err := record.Rekey(ctx, st, "big", keyring(t, "new:"+testKey(2)+",*newer:"+testKey(3)), false); !errors.Is(err, record.ErrChecksum) {
				t.Errorf("damaged: %v, want ErrChecksum", err)
			}
			if !bytes.Equal(dmg, rawObject(t, st, "big")) {
				t.Error("a damaged record was rewritten")
			}
		})
	}
}
