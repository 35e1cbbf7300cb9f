package storage_test

import (
	"path/filepath"
	"testing"

	"github.com/resultgen/resultgen/runtime/storage"
)

func TestLocation(t *testing.T) {
	base := t.TempDir()
	l, err := storage.NewLocal(base)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := storage.Location(l, "reports/q1.json"), filepath.Join(l.Base(), "reports", "q1.json"); got != want {
		t.Errorf("local location = %q, want %q", got, want)
	}
	if got, want := storage.Location(storage.NewMemory(), "reports/q1.json"), "memory/reports/q1.json"; got != want {
		t.Errorf("memory location = %q, want %q", got, want)
	}
}
