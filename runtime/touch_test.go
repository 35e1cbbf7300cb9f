package runtime_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A hit refreshes the record's last use (its file's mtime) when it is older
// than TouchEvery, and leaves it alone otherwise.
func TestHitTouchesRecordHourly(t *testing.T) {
	ctx, _, dir := newEngine(t, nil)
	def := sumDef("sha256:a", "aaaaaaaaaaaa", "int")
	st := runSum(ctx, def, 1)
	path := filepath.Join(dir, st.Key())
	old := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	if st := runSum(ctx, def, 1); !st.IsCached() {
		t.Fatalf("not cached: %s", st.CacheReason())
	}
	fi, _ := os.Stat(path)
	if time.Since(fi.ModTime()) > time.Minute {
		t.Fatalf("hit left mtime at %v", fi.ModTime())
	}
	recent := time.Now().Add(-10 * time.Minute).Truncate(time.Second)
	if err := os.Chtimes(path, recent, recent); err != nil {
		t.Fatal(err)
	}
	runSum(ctx, def, 1)
	if fi, _ := os.Stat(path); !fi.ModTime().Equal(recent) {
		t.Errorf("a hit within the hour touched the record: %v", fi.ModTime())
	}
}
