package examples_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// program is one complete Go program (a fenced go block starting with a
// package clause) in README.md.
type program struct {
	line    int    // where its block starts in README.md
	section string // the heading it stands under
	src     string
}

// readmePrograms extracts every complete Go program from README.md. Blocks
// that are fragments (no package clause) are left out: they are not meant to
// compile on their own.
func readmePrograms(t *testing.T) []program {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var (
		out     []program
		section string
		inGo    bool
		start   int
		src     strings.Builder
	)
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case inGo && strings.HasPrefix(line, "```"):
			inGo = false
			if s := src.String(); strings.HasPrefix(strings.TrimSpace(s), "package ") {
				out = append(out, program{line: start, section: section, src: s})
			}
		case inGo:
			src.WriteString(line + "\n")
		case line == "```go":
			inGo, start = true, n
			src.Reset()
		case strings.HasPrefix(line, "#"):
			section = strings.TrimSpace(strings.TrimLeft(line, "#"))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// freshModule makes a module outside the repository that depends on this
// checkout the way a user's module depends on a release: a require line, a
// replace pointing here (the stand-in for the module proxy), and resultgen
// added with `go get -tool`, as README's Install says.
func freshModule(t *testing.T) (dir string, goCmd func(args ...string) string) {
	t.Helper()
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	gomod := "module example.com/readme\n\ngo 1.26\n\n" +
		"require github.com/resultgen/resultgen v0.0.0-00010101000000-000000000000\n\n" +
		"replace github.com/resultgen/resultgen => " + repo + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	// The checkout's go.sum stands in for the checksum database, which
	// this machine cannot reach; the sums it holds are still verified.
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(dir, ".resultgen")
	run := func(extra []string, args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "RESULTGEN_HOME="+home, "RESULTGEN_LOCAL_STORAGE_PATH="+filepath.Join(home, "storage"), "GOFLAGS=")
		cmd.Env = append(cmd.Env, extra...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	// An unpublished module cannot be looked up on the proxy (it answers
	// 403 here, not 404); everything it needs is in the module cache.
	run([]string{"GOPROXY=off"}, "get", "-tool", "github.com/resultgen/resultgen/cmd/resultgen")
	return dir, func(args ...string) string { t.Helper(); return run(nil, args...) }
}

// TestREADMEPrograms sets up a fresh module as README's Install section
// says and puts every complete program of README.md in it, one package
// each. Then, as a new user would: go mod tidy (before anything imports the
// runtime), go generate, go build, go mod tidy again, and the quickstart
// runs twice, computing its greetings and then loading them; the reader of
// "Reading a result later" prints what it stored.
func TestREADMEPrograms(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a fresh module")
	}
	progs := readmePrograms(t)
	var quickstart, reader, durable string
	for _, p := range progs {
		switch p.section {
		case "Durable runs":
			durable = fmt.Sprintf("p%d", p.line)
		case "Quickstart":
			quickstart = fmt.Sprintf("p%d", p.line)
		case "Reading a result later":
			reader = fmt.Sprintf("p%d", p.line)
		}
	}
	if quickstart == "" || reader == "" || durable == "" {
		t.Fatalf("README.md has %d complete programs; quickstart %q, reader %q, durable %q", len(progs), quickstart, reader, durable)
	}

	dir, goCmd := freshModule(t)
	goCmd("mod", "tidy")
	if b, _ := os.ReadFile(filepath.Join(dir, "go.mod")); !bytes.Contains(b, []byte("require github.com/resultgen/resultgen")) {
		t.Fatalf("go mod tidy before the first generate dropped resultgen:\n%s", b)
	}
	for _, p := range progs {
		pkg := filepath.Join(dir, fmt.Sprintf("p%d", p.line))
		if err := os.Mkdir(pkg, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(pkg, "main.go"), []byte(p.src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	goCmd("mod", "tidy")
	goCmd("generate", "./...")
	for _, p := range progs {
		if !strings.Contains(p.src, "\n//result:") {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("p%d", p.line), "result_gen.go")); err != nil {
			t.Errorf("README.md:%d (%s): go generate wrote no result_gen.go", p.line, p.section)
		}
	}
	goCmd("vet", "./...")
	goCmd("build", "-o", t.TempDir()+string(filepath.Separator), "./...")
	// now the generated files import the runtime: tidy makes the
	// requirement direct and keeps the tool
	goCmd("mod", "tidy")
	gomod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
	if !regexp.MustCompile(`(?m)^\s*github.com/resultgen/resultgen v\S+$|^require github.com/resultgen/resultgen v\S+$`).Match(gomod) ||
		!bytes.Contains(gomod, []byte("\ntool github.com/resultgen/resultgen/cmd/resultgen\n")) {
		t.Errorf("after generating, go mod tidy left go.mod without a direct requirement or the tool line:\n%s", gomod)
	}

	want := "[hello world hello foo hello bar] <nil>\n"
	if out := goCmd("run", "./"+quickstart); out != want {
		t.Errorf("quickstart printed %q, want %q (and nothing else: runs are quiet by default)", out, want)
	}
	storage := filepath.Join(dir, ".resultgen", "storage")
	for _, name := range []string{"world", "foo", "bar"} {
		if _, err := os.Stat(filepath.Join(storage, "hello-"+name+".json")); err != nil {
			t.Errorf("quickstart left no record for %s: %v", name, err)
		}
	}
	if out := goCmd("run", "./"+quickstart); out != want {
		t.Errorf("second quickstart run printed %q, want %q", out, want)
	}
	if out := goCmd("run", "./"+reader); out != "hello world\n" {
		t.Errorf("the reader printed %q, want the quickstart's greeting", out)
	}
	const steps = "order-42 step 1, order-42 step 2, order-42 step 3 (resumed 0)\n"
	if out := goCmd("run", "./"+durable); out != "Completed: "+steps+"Cached: "+steps {
		t.Errorf("the durable-runs program printed %q", out)
	}
	if out := goCmd("run", "./"+durable); out != "Cached: "+steps+"Cached: "+steps {
		t.Errorf("the durable-runs program, run again, printed %q; want the finished run, Cached", out)
	}
}
