package generator

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestCheck: what the generator would write, compared with the disk, as
// `resultgen check` reports it.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/check\n\ngo 1.24\n")
	write("p.go", "package check\n\n//result:task\nfunc F() int { return 1 }\n")
	gen := filepath.Join(dir, GenFileName)
	check := func(want FileState) {
		t.Helper()
		_, got, err := Check(context.Background(), Config{Dir: dir}, ".")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Path != gen || got[0].State != want {
			t.Fatalf("Check: %+v, want one %s for %s", got, want, gen)
		}
	}
	check(Missing)
	res, err := Generate(context.Background(), Config{Dir: dir}, ".")
	if err != nil {
		t.Fatal(err)
	}
	write(GenFileName, string(res.Files[0].Content))
	check(UpToDate)
	write(GenFileName, string(res.Files[0].Content)+"\n// edited by hand\n")
	check(Stale)
	write("p.go", "package check\n\nfunc F() int { return 1 }\n")
	check(Obsolete)
	if _, err := os.Stat(gen); err != nil {
		t.Errorf("Check removed or moved the file: %v", err)
	}
}
