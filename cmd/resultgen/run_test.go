package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/modtest"
)

// moduleRoot is where the generator's testdata lives.
var moduleRoot, _ = filepath.Abs(filepath.Join("..", ".."))

// runCLI runs the command and returns its exit code and outputs.
func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// copyCase copies testdata/<name>'s input files into a fresh package
// directory (tempPackage) and makes it the working directory.
func copyCase(t *testing.T, name string) string {
	t.Helper()
	dir := copyCaseTo(t, name)
	t.Chdir(dir)
	return dir
}

// copyCaseTo copies testdata/<name>'s input files into a fresh package
// directory (tempPackage), for a parallel test, which names it by its path.
func copyCaseTo(t *testing.T, name string) string {
	t.Helper()
	dir := tempPackage(t, "tmp-cli-")
	files, _ := filepath.Glob(filepath.Join(moduleRoot, "testdata", name, "*.go"))
	if len(files) == 0 {
		t.Fatalf("no input files in testdata/%s", name)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// tempRoot holds the temporary packages of this package's tests: inside
// the module, so that they build against it, in this package's own
// testdata folder (which ./... skips). Never the module's testdata, whose
// folders are the golden cases that other packages' tests list.
var tempRoot = filepath.Join(moduleRoot, "cmd", "resultgen", "testdata")

// tempPackage makes a package folder under tempRoot, removed when the test
// ends: the same folder in every run of the test (modtest.StableDir), so
// that the programs built there come from go run's cache.
func tempPackage(t *testing.T, prefix string) string {
	t.Helper()
	if err := os.MkdirAll(tempRoot, 0o755); err != nil {
		t.Fatal(err)
	}
	return modtest.StableDir(t, tempRoot, prefix)
}

// moduleRel is the slash path of dir relative to the module root, as the
// generator prints positions: "cmd/resultgen/testdata/tmp-cli-123".
func moduleRel(t *testing.T, dir string) string {
	t.Helper()
	rel, err := filepath.Rel(moduleRoot, dir)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.ToSlash(rel)
}

// importPath is the import path of the package folder dir in the module.
func importPath(t *testing.T, dir string) string {
	return "github.com/resultgen/resultgen/" + moduleRel(t, dir)
}

func TestGenerateAndCheck(t *testing.T) {
	dir := copyCase(t, "hello")
	gen := filepath.Join(dir, "result_gen.go")

	code, _, stderr := runCLI("check")
	if code != 1 || !strings.Contains(stderr, "result_gen.go: missing") {
		t.Fatalf("check before generating: exit %d, stderr %q", code, stderr)
	}

	if code, _, stderr := runCLI("-v"); code != 0 || !strings.Contains(stderr, "result_gen.go: written") {
		t.Fatalf("generate: exit %d, stderr %q", code, stderr)
	}
	want, err := os.ReadFile(filepath.Join(moduleRoot, "testdata", "hello", "want", "result_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(gen)
	if err != nil {
		t.Fatal(err)
	}
	// the same package under another import path: only the path differs
	got = bytes.ReplaceAll(got, []byte(moduleRel(t, dir)), []byte("testdata/hello"))
	if !bytes.Equal(got, want) {
		t.Errorf("generated file differs from the golden one:\n%s", got)
	}

	if code, _, stderr := runCLI("check", "."); code != 0 || stderr != "" {
		t.Fatalf("check after generating: exit %d, stderr %q", code, stderr)
	}

	// an unchanged file is not rewritten
	old := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(gen, old, old); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI("-v"); code != 0 || !strings.Contains(stderr, "unchanged") {
		t.Fatalf("second generate: exit %d, stderr %q", code, stderr)
	}
	if fi, err := os.Stat(gen); err != nil || !fi.ModTime().Equal(old) {
		t.Errorf("unchanged file was rewritten (%v)", err)
	}

	// a changed directive makes the file stale
	src := filepath.Join(dir, "hello.go")
	b, _ := os.ReadFile(src)
	if err := os.WriteFile(src, bytes.Replace(b, []byte("hello-{"), []byte("hi-{"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCLI("check")
	if code != 1 || stderr != "result_gen.go: stale: run resultgen\n" {
		t.Fatalf("check of a stale file: exit %d, stderr %q", code, stderr)
	}

	// all directives gone: the file is stale, and generating removes it
	b, _ = os.ReadFile(src)
	b = bytes.Replace(b, []byte("//result:task"), []byte("// no directive:"), 1)
	b = bytes.Replace(b, []byte("return HelloWorldTask.Call(ctx, \"marvin\")"), []byte("return HelloWorld(ctx, \"marvin\")"), 1)
	if i := bytes.Index(b, []byte("\n// GreetLoud")); i >= 0 {
		b = b[:i+1] // it calls the wrapper too
	}
	if err := os.WriteFile(src, b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCLI("check")
	if code != 1 || !strings.Contains(stderr, "result_gen.go: stale: the package has no //result: directives") {
		t.Fatalf("check of a leftover file: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runCLI(); code != 0 {
		t.Fatalf("generate without directives: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(gen); !os.IsNotExist(err) {
		t.Errorf("leftover result_gen.go not removed: %v", err)
	}
	if code, _, stderr := runCLI("check"); code != 0 {
		t.Errorf("check without directives and without a file: exit %d, stderr %q", code, stderr)
	}
}

// TestDiagnosticsOutput: every problem, as file:line:col: message relative
// to the working directory, exit 1, nothing written.
func TestDiagnosticsOutput(t *testing.T) {
	dir := copyCase(t, "errtemplate")
	code, stdout, stderr := runCLI(".")
	if code != 1 || stdout != "" {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	want, err := os.ReadFile(filepath.Join(moduleRoot, "testdata", "errtemplate", "want", "diagnostics.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// the generator's diagnostics and review's findings on the same code,
	// as the golden case holds them
	if stderr != string(want) || !strings.Contains(stderr, ": warning: ") {
		t.Errorf("stderr:\n%s\nwant these errors and review's warnings:\n%s", stderr, want)
	}
	line := regexp.MustCompile(`^errtemplate\.go:\d+:\d+: (warning: )?task [A-Za-z]+: [a-z]`)
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if !line.MatchString(l) {
			t.Errorf("badly formatted diagnostic %q", l)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "result_gen.go")); !os.IsNotExist(err) {
		t.Errorf("a package with errors got a file: %v", err)
	}
	// check reports the same problems
	if code, _, stderr2 := runCLI("check"); code != 1 || stderr2 != stderr {
		t.Errorf("check: exit %d, stderr %q", code, stderr2)
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"-h"}, 0, "Usage:", ""},
		{[]string{"help"}, 0, "resultgen check", ""},
		{[]string{"-nope"}, 2, "", "flag provided but not defined"},
		{[]string{"check", "-nope"}, 2, "", "flag provided but not defined"},
		{[]string{".", "-v"}, 2, "", "must come before the packages"},
		{[]string{"review", "-format", "yaml"}, 2, "", "yaml"},
	} {
		code, stdout, stderr := runCLI(tc.args...)
		if code != tc.code || !strings.Contains(stdout, tc.stdout) || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", tc.args, code, stdout, stderr)
		}
	}
}

// TestBadPattern: a pattern matching nothing is reported, not a panic.
func TestBadPattern(t *testing.T) {
	copyCase(t, "hello")
	code, _, stderr := runCLI("./does-not-exist")
	if code != 1 || stderr == "" {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// TestCodeVersionAcrossRuns runs a generated task whose cache key is
// inputs+task_source three times, regenerating in between: a change two
// calls deep, in another package of the module, recomputes it; a comment
// change serves the cached result.
func TestCodeVersionAcrossRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test on generated code")
	}
	t.Parallel()
	dir := tempPackage(t, "tmp-cli-")
	imp := importPath(t, dir)
	write := func(name, src string) {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("task.go", `package codever

import "`+imp+`/helpers"

//result:task cache_policy=inputs+task_source
func Compute(n int) int { return helperA(n) }

func helperA(n int) int { return helpers.B(n) + 1 }
`)
	const helper = `package helpers

// B doubles n.
func B(n int) int { return n * 2 }
`
	write("helpers/b.go", helper)
	write("run_test.go", `package codever

import (
	"context"
	"fmt"
	"testing"
)

func TestRun(t *testing.T) {
	st := ComputeTask.State(context.Background(), 2)
	v, err := st.Result()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("STATE %s %d\n", st.Name(), v)
}
`)
	home := t.TempDir()
	var bin string // the test binary of the code written last
	generate := func(build bool) {
		t.Helper()
		old, _ := os.ReadFile(filepath.Join(dir, "result_gen.go"))
		if code, _, stderr := runCLI(dir); code != 0 {
			t.Fatalf("generate: exit %d, stderr %q", code, stderr)
		}
		if now, _ := os.ReadFile(filepath.Join(dir, "result_gen.go")); !build && !bytes.Equal(old, now) {
			t.Fatalf("generating unchanged code changed result_gen.go")
		}
		if build {
			bin = buildProgram(t, dir, true)
		}
	}
	run := func(want string) {
		t.Helper()
		cmd := exec.Command(bin, "-test.run=TestRun", "-test.v")
		cmd.Dir = dir
		cmd.Env = programEnv("RESULTGEN_HOME="+home, "RESULTGEN_LOCAL_STORAGE_PATH="+filepath.Join(home, "storage"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("generated code failed: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), "STATE "+want+"\n") {
			t.Fatalf("want STATE %s, got:\n%s", want, out)
		}
	}
	generate(true)
	run("Completed 5")
	generate(false) // nothing changed: the same file, so the same program
	run("Cached 5")

	write("helpers/b.go", strings.Replace(helper, "n * 2", "n * 3", 1))
	generate(true)
	run("Completed 7") // B's body, two calls deep, changed

	write("helpers/b.go", strings.Replace(strings.Replace(helper, "n * 2", "n*3 /* triple */", 1), "// B doubles n.", "// B triples n.", 1))
	generate(true)
	run("Cached 7") // only comments and layout changed
}
