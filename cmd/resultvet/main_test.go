package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/resultgen/resultgen/generator"
	"github.com/resultgen/resultgen/internal/modtest"
	"github.com/resultgen/resultgen/internal/sweep"
)

// TestGoVet builds resultvet and runs it the way users do, as
// go vet -vettool, on copies of the analyzer's test packages.
func TestGoVet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	tmp := t.TempDir()
	tool, err := modtest.Executable(".", ".", tmp)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	// review's packages, with no generated file: findings has errors, so
	// resultgen could not generate one; clean is checked without the
	// generated-file check, which would say its file is missing
	cases := []struct {
		pkg   string
		src   string // the package's one file; default: review's testdata
		flags []string
		fail  bool
		want  []string
	}{
		{pkg: "findings", fail: true, want: []string{
			"findings.go:17:29: error: task Off: cache_policy=inputs needs persisted results",
			"warning: task Step: persist=false, but flow Pipeline has retries=2",
			"findings.go:2:1: result_gen.go cannot be generated: resultgen reports 13 error(s), the first: findings.go:17:29: task Off: cache_policy=inputs needs persisted results",
		}},
		{pkg: "clean", flags: []string{"-generated=false"}},
		// warnings only: resultgen exits 0 on them (1 with -strict), go vet
		// exits 1 on any finding, as README's Review says
		{pkg: "warnings", src: warningsOnly, flags: []string{"-generated=false"}, fail: true, want: []string{
			"warnings.go:13:49: warning: task Step: persist=false, but flow Pipeline has retries=2",
		}},
	}
	for _, c := range cases {
		t.Run(c.pkg, func(t *testing.T) {
			mod := filepath.Join(tmp, c.pkg)
			if err := os.MkdirAll(mod, 0o755); err != nil {
				t.Fatal(err)
			}
			src := []byte(c.src)
			if c.src == "" {
				var err error
				src, err = os.ReadFile(filepath.Join("..", "..", "review", "testdata", "src", c.pkg, c.pkg+".go"))
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(mod, c.pkg+".go"), src, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module example.com/"+c.pkg+"\n\ngo 1.24\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := goVet(mod, tool, c.flags...)
			if failed := err != nil; failed != c.fail {
				t.Fatalf("go vet failed=%v, want %v: %v\n%s", failed, c.fail, err, out)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}

	// the generated files: stale, missing and obsolete ones are reported at
	// the package clause, a fresh one is not
	t.Run("generated", func(t *testing.T) {
		mod := generatedModule(t)
		out, err := goVet(mod, tool)
		if err == nil {
			t.Fatalf("go vet passed, want it to fail:\n%s", out)
		}
		for _, c := range generatedCases {
			file := filepath.Join(c.pkg, c.pkg+".go")
			if c.from != "" || c.pkg == "fresh" {
				file = filepath.Join(c.pkg, generator.GenFileName)
			}
			want := ""
			if c.want != "" {
				want = fmt.Sprintf("%s:%d:1: %s", file, packageLine(t, filepath.Join(mod, file)), c.want)
			}
			var got []string
			for line := range strings.Lines(out) {
				if strings.HasPrefix(line, c.pkg+string(filepath.Separator)) {
					got = append(got, strings.TrimSpace(line))
				}
			}
			switch {
			case want == "" && len(got) > 0:
				t.Errorf("%s: go vet reports %q, want nothing", c.pkg, got)
			case want != "" && (len(got) != 1 || got[0] != want):
				t.Errorf("%s: go vet reports %q, want %q", c.pkg, got, want)
			}
		}
	})
}

// warningsOnly is a package on which review finds a warning and no error.
const warningsOnly = `package warnings

import "context"

// Step is one step.
//
//result:task persist=false
func Step(n int) int { return n + 1 }

// Pipeline retries.
//
//result:flow retries=2
func Pipeline(ctx context.Context) int { return Step(1) }
`

// goVet runs go vet with tool and flags on every package of the module in
// dir.
func goVet(dir, tool string, flags ...string) (string, error) {
	cmd := exec.Command("go", append(append([]string{"vet", "-vettool=" + tool}, flags...), "./...")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off", "GOPROXY=off")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// generatedCases are the packages of testdata/src and what the generated
// file check says about each: from names the version of the package, in
// testdata/before, that its result_gen.go was generated from (the package
// itself for fresh, none for missing).
var generatedCases = []struct {
	pkg, from, want string
}{
	{pkg: "fresh"},
	{pkg: "stale", from: "before", want: "result_gen.go is stale: it differs from what resultgen would generate now; run go generate (or resultgen ./stale)"},
	{pkg: "stalecode", from: "before", want: "result_gen.go is stale: it differs from what resultgen would generate now; run go generate (or resultgen ./stalecode)"},
	{pkg: "missing", want: "result_gen.go is missing: the package has //result: directives; run go generate (or resultgen ./missing)"},
	{pkg: "obsolete", from: "before", want: "result_gen.go is obsolete: the package has no //result: directives left; run resultgen ./obsolete, which removes it"},
}

// TestSweepGenerated runs the generated-file analyzer on the test packages, with
// the expectations of their // want comments: on the package clause of
// missing.go, and, added here, on that of each generated file that is
// stale or obsolete.
func TestSweepGenerated(t *testing.T) {
	sweep.Skip(t)
	if testing.Short() {
		t.Skip("loads the runtime and its dependencies from source")
	}
	mod := generatedModule(t)
	var patterns []string
	for _, c := range generatedCases {
		patterns = append(patterns, "./"+c.pkg)
	}
	analysistest.Run(t, mod, generator.Analyzer, patterns...)
}

// generatedModule writes, into a temporary folder, a module that requires
// this one (replaced by its folder) and holds the packages of testdata/src,
// each with the result_gen.go generator.Generate writes for the version
// its case names, and returns its folder. A stale or obsolete file gets a
// // want comment on its package clause (after it is generated).
func generatedModule(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	mod := t.TempDir()
	if err := modtest.FreshModule(root, mod, "example.com/vettest"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOWORK", "off")
	t.Setenv("GOPROXY", "off")

	for _, c := range generatedCases {
		from := c.from
		if c.pkg == "fresh" {
			from = "src"
		}
		if from != "" {
			copyPackage(t, filepath.Join("testdata", from, c.pkg), filepath.Join(mod, c.pkg))
			res, err := generator.Generate(context.Background(), generator.Config{Dir: mod}, "./"+c.pkg)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Files) != 1 || len(res.Diagnostics) > 0 {
				t.Fatalf("generate %s from %s: %d file(s), diagnostics %v", c.pkg, from, len(res.Files), res.Diagnostics)
			}
			content := string(res.Files[0].Content)
			if c.want != "" {
				clause := "\npackage " + c.pkg + "\n"
				if !strings.Contains(content, clause) {
					t.Fatalf("generated %s lacks %q:\n%s", c.pkg, clause, content)
				}
				content = strings.Replace(content, clause, "\npackage "+c.pkg+" // want `^"+regexp.QuoteMeta(c.want)+"$`\n", 1)
			}
			write(t, res.Files[0].Path, content)
		}
		copyPackage(t, filepath.Join("testdata", "src", c.pkg), filepath.Join(mod, c.pkg))
	}

	// the premise: the edits of stale and stalecode change what resultgen
	// generates, and fresh is fresh
	_, checked, err := generator.Check(context.Background(), generator.Config{Dir: mod}, "./fresh", "./stale", "./stalecode")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checked {
		want := generator.Stale
		if filepath.Base(filepath.Dir(c.Path)) == "fresh" {
			want = generator.UpToDate
		}
		if c.State != want {
			t.Fatalf("premise: %s is %s, want %s", c.Path, c.State, want)
		}
	}
	return mod
}

// copyPackage copies the .go files of folder from into folder to.
func copyPackage(t *testing.T, from, to string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(from, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s (%v)", from, err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(to, filepath.Base(f)), string(src))
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// packageLine is the line of the package clause of the Go file at path.
func packageLine(t *testing.T, path string) int {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for line := range strings.Lines(string(src)) {
		n++
		if strings.HasPrefix(line, "package ") {
			return n
		}
	}
	t.Fatalf("%s has no package clause", path)
	return 0
}
