package record_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

// BenchmarkSealed compares sealed and clear records: writing 1 KiB on
// local storage (P2's size), and writing and reading 256 MiB in memory
// (P4's size, without the disk, so the cipher's share shows in full).
// Compare each sealed/clear pair from one run.
func BenchmarkSealed(b *testing.B) {
	kr := keyring(b, "k1:"+testKey(1))
	small := make([]byte, 1<<10)
	for _, sealed := range []bool{false, true} {
		name := map[bool]string{false: "clear", true: "sealed"}[sealed]
		ctx := context.Background()
		if sealed {
			ctx = record.WithSealing(ctx, kr)
		}
		b.Run("write-1KiB-memory/"+name, func(b *testing.B) {
			st := storage.NewMemory()
			b.SetBytes(int64(len(small)))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := record.Write(ctx, st, fmt.Sprint("k", i%64), record.Meta{Task: "t"}, serializer.Msgpack(), small, storage.PutOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("write-1KiB-local/"+name, func(b *testing.B) {
			st, err := storage.NewLocal(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(small)))
			for i := 0; b.Loop(); i++ {
				if _, err := record.Write(ctx, st, fmt.Sprint("k", i%64), record.Meta{Task: "t"}, serializer.Msgpack(), small, storage.PutOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	big := make([]byte, 256<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	for _, sealed := range []bool{false, true} {
		name := map[bool]string{false: "clear", true: "sealed"}[sealed]
		ctx := context.Background()
		if sealed {
			ctx = record.WithSealing(ctx, kr)
		}
		for _, where := range []string{"memory", "local"} {
			var st storage.Storage = storage.NewMemory()
			if where == "local" {
				l, err := storage.NewLocal(b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				st = l
			}
			b.Run("write-256MiB-"+where+"/"+name, func(b *testing.B) {
				b.SetBytes(int64(len(big)))
				for b.Loop() {
					if _, err := record.Write(ctx, st, "big", record.Meta{Task: "t"}, serializer.Msgpack(), big, storage.PutOptions{}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("read-256MiB-"+where+"/"+name, func(b *testing.B) {
				if _, err := record.Write(ctx, st, "big", record.Meta{Task: "t"}, serializer.Msgpack(), big, storage.PutOptions{}); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(big)))
				for b.Loop() {
					var v []byte
					if _, err := record.Read(ctx, st, "big", nil, &v); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
