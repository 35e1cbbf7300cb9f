package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoVet builds resultvet and runs it the way users do, as
// go vet -vettool, on copies of the analyzer's test packages.
func TestGoVet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	tmp := t.TempDir()
	tool := filepath.Join(tmp, "resultvet")
	if out, err := exec.Command("go", "build", "-o", tool, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cases := []struct {
		pkg  string
		fail bool
		want []string
	}{
		{"findings", true, []string{
			"findings.go:17:29: error: task Off: cache_policy=inputs needs persisted results",
			"warning: task Step: persist=false, but flow Pipeline has retries=2",
		}},
		{"clean", false, nil},
	}
	for _, c := range cases {
		t.Run(c.pkg, func(t *testing.T) {
			mod := filepath.Join(tmp, c.pkg)
			if err := os.MkdirAll(mod, 0o755); err != nil {
				t.Fatal(err)
			}
			src, err := os.ReadFile(filepath.Join("..", "..", "review", "testdata", "src", c.pkg, c.pkg+".go"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(mod, c.pkg+".go"), src, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module example.com/"+c.pkg+"\n\ngo 1.24\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("go", "vet", "-vettool="+tool, "./...")
			cmd.Dir = mod
			cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
			out, err := cmd.CombinedOutput()
			if failed := err != nil; failed != c.fail {
				t.Fatalf("go vet failed=%v, want %v: %v\n%s", failed, c.fail, err, out)
			}
			for _, w := range c.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}
