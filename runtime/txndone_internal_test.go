package runtime

import (
	"strconv"
	"testing"

	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage"
)

// The engine's memory of committed transactions stays bounded however
// many transactions a long-lived process runs, and keeps the latest.
func TestTxnDoneBounded(t *testing.T) {
	e := NewEngine(settings.Settings{LocalStoragePath: t.TempDir()})
	defer e.Close()
	st := storage.NewMemory()
	for i := range 3*txnDoneMax + 5 {
		e.doneTxn(txnDoneKey{st, strconv.Itoa(i)})
	}
	n := 0
	e.txnDone.Range(func(any, any) bool { n++; return true })
	if n == 0 || n > txnDoneMax {
		t.Errorf("%d transactions remembered, want 1 to %d", n, txnDoneMax)
	}
	if _, ok := e.txnDone.Load(txnDoneKey{st, strconv.Itoa(3*txnDoneMax + 4)}); !ok {
		t.Error("the latest committed transaction is not remembered")
	}
}
