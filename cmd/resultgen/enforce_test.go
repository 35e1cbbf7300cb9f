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

// wantDiagnostics is the golden case's want/diagnostics.txt: every
// problem as resultgen prints it, relative to the case's folder.
func wantDiagnostics(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(moduleRoot, "testdata", name, "want", "diagnostics.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// go generate enforces review's findings: errors fail the run and the
// package gets no file, each problem printed once (golden case
// errfindings); warnings are printed and pass unless -strict (case
// warnings); check says the same.
func TestGenerateEnforcesFindings(t *testing.T) {
	t.Setenv("RESULTGEN_RESULTS_PERSIST_BY_DEFAULT", "true") // generate judges with the built-in defaults, not these
	dir := copyCase(t, "errfindings")
	want := wantDiagnostics(t, "errfindings")
	for _, w := range []string{
		"errfindings.go:5:15: task F: json cannot encode the result: it is a channel",
		"errfindings.go:8:29: task G: cache_policy=inputs needs persisted results, but persist=false",
		`errfindings.go:11:1: func H: "// result:task" looks like a //result: directive but is not one`,
	} {
		if !strings.Contains(want, w) {
			t.Fatalf("premise: the case's diagnostics lack %q:\n%s", w, want)
		}
	}
	code, _, stderr := runCLI()
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if stderr != want {
		t.Errorf("stderr:\n%s\nwant each problem once:\n%s", stderr, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "result_gen.go")); !os.IsNotExist(err) {
		t.Errorf("a package with errors got a file: %v", err)
	}
	if code, _, stderr2 := runCLI("check"); code != 1 || stderr2 != want {
		t.Errorf("check: exit %d, stderr %q", code, stderr2)
	}
}

func TestGenerateWarnings(t *testing.T) {
	dir := copyCase(t, "warnings")
	want := wantDiagnostics(t, "warnings")
	const warn = "warnings.go:5:29: warning: task F: storage_key and cache_key_fn are both set"
	if !strings.HasPrefix(want, warn) {
		t.Fatalf("premise: the case's diagnostics are not the warning %q:\n%s", warn, want)
	}
	code, _, stderr := runCLI()
	if code != 0 || stderr != want {
		t.Fatalf("exit %d, stderr %q; want 0 and the warning", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "result_gen.go")); err != nil {
		t.Errorf("warnings alone must not stop the file: %v", err)
	}
	if code, _, stderr := runCLI("-strict"); code != 1 || !strings.Contains(stderr, warn) {
		t.Errorf("-strict: exit %d, stderr %q; want 1", code, stderr)
	}
}
