package examples_test

import (
	"bufio"
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/modtest"
)

// program is one complete Go program (a fenced go block starting with a
// package clause) in README.md, or one test file of the program before it.
type program struct {
	line    int    // where its block starts in README.md
	section string // the heading it stands under
	src     string
	test    bool // a test file (it imports "testing"): main_test.go of the program before it
}

// isTestFile reports whether src is a test file: it imports "testing".
func isTestFile(src string) bool {
	f, err := parser.ParseFile(token.NewFileSet(), "x.go", src, parser.ImportsOnly)
	if err != nil {
		return false
	}
	for _, im := range f.Imports {
		if im.Path.Value == `"testing"` {
			return true
		}
	}
	return false
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
				out = append(out, program{line: start, section: section, src: s, test: isTestFile(s)})
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

// freshModule makes a module outside the repository that uses this
// checkout as README's "From a checkout" says: go mod init, then the go
// commands of that section's block, run as written except that the clone's
// folder, ../resultgen, is this checkout.
func freshModule(t *testing.T) (dir string, goCmd, runBin func(name string, args ...string) string) {
	t.Helper()
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	// the same folder in every run: go run's cache then keeps the
	// programs (below), and a warm run links none of them
	dir = modtest.StableDir(t, os.TempDir(), "resultgen-readme-")
	home := filepath.Join(dir, ".resultgen")
	runBin = func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		// The go command's own module proxy settings: on a fresh
		// machine, go mod tidy needs go.mod files of versions that
		// this module's pruned graph never downloaded (GOPROXY=off
		// failed so in a fresh module cache). The replaced module
		// itself is never looked up.
		cmd.Env = append(os.Environ(), "RESULTGEN_HOME="+home, "RESULTGEN_LOCAL_STORAGE_PATH="+filepath.Join(home, "storage"),
			"GOFLAGS=", "GOWORK=off")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run := func(args ...string) string { t.Helper(); return runBin("go", args...) }
	run("mod", "init", "example.com/readme")
	// The checkout's go.sum stands in for the checksum database, which
	// this machine cannot reach; the sums it holds are still verified.
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	steps := readmeBlock(t, "From a checkout", "sh")
	ran := 0
	for line := range strings.Lines(steps) {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "go" {
			continue // git clone: the checkout is here already
		}
		for i := range f {
			f[i] = strings.ReplaceAll(f[i], "=../resultgen", "="+repo)
		}
		run(f[1:]...)
		ran++
	}
	if ran < 3 {
		t.Fatalf("README's \"From a checkout\" block has %d go commands, want replace, tool and tidy:\n%s", ran, steps)
	}
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\nreplace github.com/resultgen/resultgen => " + repo + "\n", "\ntool github.com/resultgen/resultgen/cmd/resultgen\n", "github.com/resultgen/resultgen v0.0.0-"} {
		if !strings.Contains(string(gomod), want) {
			t.Fatalf("after README's \"From a checkout\" commands, go.mod lacks %q:\n%s", want, gomod)
		}
	}
	return dir, func(name string, args ...string) string { t.Helper(); return run(append([]string{name}, args...)...) }, runBin
}

// readmeBlock returns the first fenced block of language lang under the
// README heading section.
func readmeBlock(t *testing.T, section, lang string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var (
		in, inBlock bool
		out         strings.Builder
	)
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSuffix(line, "\n")
		switch {
		case inBlock && strings.HasPrefix(line, "```"):
			return out.String()
		case inBlock:
			out.WriteString(line + "\n")
		case strings.HasPrefix(line, "#"):
			in = strings.TrimSpace(strings.TrimLeft(line, "#")) == section
		case in && line == "```"+lang:
			inBlock = true
		}
	}
	t.Fatalf("README.md has no %s block under a heading %q", lang, section)
	return ""
}

// TestREADMEPrograms sets up a fresh module as README's Install section
// says and puts every complete program of README.md in it, one package
// each. Then, as a new user would: go mod tidy (before anything imports the
// runtime), go generate, go vet (which type-checks every program as the
// compiler would: each compiles as pasted), go test of README's test file,
// go run of the programs it runs, go mod tidy again, and the quickstart
// runs twice, computing its greetings and then loading them; the reader of
// "Reading a result later" prints what it stored. Linking only the
// programs it runs, which go run's cache keeps, spares a link per program.
func TestREADMEPrograms(t *testing.T) {
	t.Parallel()
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

	dir, goCmd, runBin := freshModule(t)
	goCmd("mod", "tidy")
	if b, _ := os.ReadFile(filepath.Join(dir, "go.mod")); !regexp.MustCompile(`(?m)^(require |\t)github.com/resultgen/resultgen v`).Match(b) {
		t.Fatalf("go mod tidy before the first generate dropped resultgen:\n%s", b)
	}
	var tested []string // packages with a test file: ./p<line>
	last := ""
	for _, p := range progs {
		name, file := fmt.Sprintf("p%d", p.line), "main.go"
		if p.test {
			if last == "" {
				t.Fatalf("README.md:%d (%s): a test file before any program", p.line, p.section)
			}
			name, file = last, "main_test.go"
			tested = append(tested, "./"+name)
		} else {
			last = name
		}
		pkg := filepath.Join(dir, name)
		if err := os.MkdirAll(pkg, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(pkg, file), []byte(p.src), 0o644); err != nil {
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
	if len(tested) == 0 {
		t.Error(`README.md has no test file (a go block importing "testing"); "Testing your tasks" shows one`)
	}
	goCmd("test", append([]string{"-count=1"}, tested...)...) // README's tests pass as pasted
	// the programs as go run builds them, from go run's cache
	bins := map[string]string{}
	for _, p := range []string{quickstart, reader, durable} {
		bin, err := modtest.Executable(dir, "./"+p, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		bins[p] = bin
	}
	program := func(name string) string { t.Helper(); return runBin(bins[name]) } // as go run prints
	// now the generated files import the runtime: tidy makes the
	// requirement direct and keeps the tool
	goCmd("mod", "tidy")
	gomod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
	if !regexp.MustCompile(`(?m)^\s*github.com/resultgen/resultgen v\S+$|^require github.com/resultgen/resultgen v\S+$`).Match(gomod) ||
		!bytes.Contains(gomod, []byte("\ntool github.com/resultgen/resultgen/cmd/resultgen\n")) {
		t.Errorf("after generating, go mod tidy left go.mod without a direct requirement or the tool line:\n%s", gomod)
	}

	// the quickstart says, as README shows, that the first run computed
	// each greeting and the second loaded it
	storage := filepath.Join(dir, ".resultgen", "storage")
	quick := func(state string) string {
		var b strings.Builder
		for _, name := range []string{"world", "foo", "bar"} {
			fmt.Fprintf(&b, "%-9s %-13q -> %s\n", state, "hello "+name, filepath.Join(storage, "hello-"+name+".json"))
		}
		return b.String() + "flow greet returned 3 greetings\n"
	}
	if out, want := program(quickstart), quick("Completed"); out != want {
		t.Errorf("quickstart printed\n%s\nwant (and nothing else: runs are quiet by default)\n%s", out, want)
	}
	for _, name := range []string{"world", "foo", "bar"} {
		if _, err := os.Stat(filepath.Join(storage, "hello-"+name+".json")); err != nil {
			t.Errorf("quickstart left no record for %s: %v", name, err)
		}
	}
	if out, want := program(quickstart), quick("Cached"); out != want {
		t.Errorf("second quickstart run printed\n%s\nwant\n%s", out, want)
	}
	if out := program(reader); out != "hello world\n" {
		t.Errorf("the reader printed %q, want the quickstart's greeting", out)
	}
	const steps = "order-42 step 1, order-42 step 2, order-42 step 3 (resumed 0)\n"
	if out := program(durable); out != "Completed: "+steps+"Cached: "+steps {
		t.Errorf("the durable-runs program printed %q", out)
	}
	if out := program(durable); out != "Cached: "+steps+"Cached: "+steps {
		t.Errorf("the durable-runs program, run again, printed %q; want the finished run, Cached", out)
	}
}

// TestREADMEQuickstartIsTheExample checks that README's quickstart is the
// program of examples/quickstart, comments aside (gofmt'd), with the same
// directives, so what README says it prints is what the example's test
// checks.
func TestREADMEQuickstartIsTheExample(t *testing.T) {
	t.Parallel()
	norm := func(name, src string) string {
		t.Helper()
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		var directives []string
		for _, g := range f.Comments {
			for _, c := range g.List {
				if strings.HasPrefix(c.Text, "//result:") || strings.HasPrefix(c.Text, "//go:generate") {
					directives = append(directives, c.Text)
				}
			}
		}
		f.Comments, f.Doc = nil, nil
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok {
				fn.Doc = nil
			}
		}
		var b strings.Builder
		if err := format.Node(&b, fset, f); err != nil {
			t.Fatal(err)
		}
		return strings.Join(directives, "\n") + "\n" + b.String()
	}
	var readme string
	for _, p := range readmePrograms(t) {
		if p.section == "Quickstart" {
			readme = p.src
		}
	}
	example, err := os.ReadFile(filepath.Join("quickstart", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := norm("README.md", readme), norm("main.go", string(example)); a != b {
		t.Errorf("README's quickstart and examples/quickstart/main.go differ beyond comments:\nREADME:\n%s\nexample:\n%s", a, b)
	}
}
