package reliability

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/results"
	"github.com/resultgen/resultgen/runtime/storage"
)

// cleanTemp lets the temporary files in dir age past storage.StaleTempAge
// (the writers were killed: nobody writes them any more), then removes the
// stale ones as `resultgen results prune -tmp` does.
func cleanTemp(t *testing.T, st *storage.Local, dir string) {
	t.Helper()
	old := time.Now().Add(-2 * storage.StaleTempAge)
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), ".") {
			_ = os.Chtimes(p, old, old)
		}
		return nil
	})
	for p, err := range results.PruneTemps(context.Background(), st, results.PruneOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if p.Err != nil {
			t.Errorf("prune %s: %v", p.Key, p.Err)
		}
	}
}
