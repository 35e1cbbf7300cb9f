package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writePackage writes a one-file package (tempPackage) and makes it the
// working directory.
func writePackage(t *testing.T, src string) string {
	t.Helper()
	dir := tempPackage(t, "tmp-enforce-")
	if err := os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	return dir
}

// go generate enforces review's findings: errors fail the run and the
// package gets no file; warnings are printed and pass unless -strict; check
// says the same.
func TestGenerateEnforcesFindings(t *testing.T) {
	t.Setenv("RESULTGEN_RESULTS_PERSIST_BY_DEFAULT", "true") // generate judges with the built-in defaults, not these
	errSrc := `package p

//result:task serializer=json
func F() chan int { return nil }

//result:task persist=false cache_policy=inputs
func G(x int) int { return x }

// result:task
func H() int { return 1 }
`
	dir := writePackage(t, errSrc)
	code, _, stderr := runCLI()
	want := []string{
		"p.go:3:15: task F: json cannot encode the result: it is a channel",
		"p.go:6:29: task G: cache_policy=inputs needs persisted results, but persist=false",
		`p.go:9:1: func H: "// result:task" looks like a //result: directive but is not one`,
	}
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
	if strings.Count(stderr, "\n") != len(want) {
		t.Errorf("want %d lines (each problem once):\n%s", len(want), stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "result_gen.go")); !os.IsNotExist(err) {
		t.Errorf("a package with errors got a file: %v", err)
	}
	if code, _, stderr2 := runCLI("check"); code != 1 || !strings.Contains(stderr2, want[0]) {
		t.Errorf("check: exit %d, stderr %q", code, stderr2)
	}
}

func TestGenerateWarnings(t *testing.T) {
	dir := writePackage(t, `package p

//result:task storage_key=k cache_key_fn=key
func F() int { return 1 }

func key() string { return "k" }
`)
	code, _, stderr := runCLI()
	const warn = "p.go:3:29: warning: task F: storage_key and cache_key_fn are both set"
	if code != 0 || !strings.Contains(stderr, warn) {
		t.Fatalf("exit %d, stderr %q; want 0 and the warning", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "result_gen.go")); err != nil {
		t.Errorf("warnings alone must not stop the file: %v", err)
	}
	if code, _, stderr := runCLI("-strict"); code != 1 || !strings.Contains(stderr, warn) {
		t.Errorf("-strict: exit %d, stderr %q; want 1", code, stderr)
	}
}
