package generator

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/sweep"
)

var update = flag.Bool("update", false, "rewrite testdata/*/want from the generator's output (and the programs' output)")

// root is the module root, where testdata lives.
const root = ".."

// The golden corpus is testdata/<case> at the module root, one folder per
// case, each an input package with its wanted output in want/:
//
//   - want/result_gen.go: the file Generate writes for the package (absent:
//     it writes none);
//   - want/diagnostics.txt: every diagnostic Generate reports for the case,
//     the generator's own and review's findings, one a line as resultgen
//     prints them ("file:line:col: [warning: ]message[ (fix: ...)]", file
//     relative to the case folder; absent: none);
//   - want/program_out.txt: for a main package, what the program prints on
//     stdout when built with every case's wanted result_gen.go in place and
//     run in an empty folder, with its own resultgen home and local storage
//     (to make a case a program case, create the file empty, then -update).
//
// The wanted files are vetted, and programs built, with -tags corpusrun: a
// file with //go:build corpusrun is the program's only, not the
// generator's, which loads the default build configuration. A program
// that names the runtime's API does so in such a file, as hellorun does,
// so that generating the corpus does not load the runtime from source.
//
// A case may import another case (the two are generated together, as
// `resultgen ./...` would), which is how a first generation across packages
// is tested. TestSweepCorpus is the one runner; go test ./generator -update
// rewrites want/ from what the generator (and the programs) give now.
const corpusDir = "testdata"

// goldenCases lists the corpus cases: folders of testdata with Go files.
func goldenCases(t testing.TB) []string {
	t.Helper()
	cases, err := goldenCaseNames()
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

// goldenCaseNames is goldenCases for callers without a testing.TB.
func goldenCaseNames() ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, corpusDir))
	if err != nil {
		return nil, err
	}
	var cases []string
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), "tmp") {
			continue
		}
		if m, _ := filepath.Glob(filepath.Join(root, corpusDir, e.Name(), "*.go")); len(m) > 0 {
			cases = append(cases, e.Name())
		}
	}
	if len(cases) < 10 {
		return nil, fmt.Errorf("found only %d golden cases", len(cases))
	}
	return cases, nil
}

func casePatterns(cases []string) []string {
	out := make([]string, len(cases))
	for i, c := range cases {
		out[i] = "./" + corpusDir + "/" + c
	}
	return out
}

// casePrefix is the import path of the corpus's folder.
const casePrefix = "github.com/resultgen/resultgen/" + corpusDir + "/"

// importedCases are the cases that case c's files import.
func importedCases(t *testing.T, c string) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(root, corpusDir, c, "*.go"))
	var out []string
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			continue // the generator reports it
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if rest, ok := strings.CutPrefix(path, casePrefix); ok && !slices.Contains(out, rest) {
				out = append(out, rest)
			}
		}
	}
	return out
}

// generateCases generates the cases as two runs of Generate: the cases
// that import no other case, which import only the standard library and
// so load their dependencies from export data, and the cases that import
// other cases, with those, which load from source (a package of the
// module is followed by code versions), as the standard library is then.
// One run of all would load every case from source.
func generateCases(t *testing.T, cases []string) (*Result, string) {
	t.Helper()
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	var leaves, linked []string
	for _, c := range cases {
		if imps := importedCases(t, c); len(imps) > 0 {
			for _, x := range append(imps, c) {
				if !slices.Contains(linked, x) {
					linked = append(linked, x)
				}
			}
		}
	}
	for _, c := range cases {
		if !slices.Contains(linked, c) {
			leaves = append(leaves, c)
		}
	}
	res := &Result{}
	for _, group := range [][]string{leaves, linked} {
		if len(group) == 0 {
			continue
		}
		r, err := Generate(context.Background(), Config{Dir: abs}, casePatterns(group)...)
		if err != nil {
			t.Fatal(err)
		}
		res.Files = append(res.Files, r.Files...)
		res.Diagnostics = append(res.Diagnostics, r.Diagnostics...)
	}
	return res, abs
}

// TestCorpus generates every case of the golden corpus (generateCases)
// and compares each case's file and diagnostics with want/; generating twice
// gives identical bytes. Then (unless -short) it vets every package of the
// cases without errors with the wanted files in place (through the go
// command's -overlay), so the golden files are known to compile against
// the real runtime API, and builds and runs each case with a
// want/program_out.txt, comparing what it prints. A sweep (see
// internal/sweep): -race made it 14 CPU-seconds instead of 5, and the
// generator's concurrency is raced by the package's other tests; make
// test runs it without -race, and so does `go test -update`.
func TestSweepCorpus(t *testing.T) {
	sweep.Skip(t)
	cases := goldenCases(t)
	res, abs := generateCases(t, cases)
	again, _ := generateCases(t, cases)

	files := map[string][]byte{}
	for _, f := range res.Files {
		files[f.Path] = f.Content
	}
	if len(again.Files) != len(res.Files) {
		t.Fatalf("second run generated %d files, first %d", len(again.Files), len(res.Files))
	}
	for i, f := range again.Files {
		if f.Path != res.Files[i].Path || !bytes.Equal(f.Content, res.Files[i].Content) {
			t.Errorf("second run generated different bytes for %s", f.Path)
		}
	}
	diags := map[string]*strings.Builder{}
	errs := map[string]bool{} // cases with errors, not only warnings
	for _, d := range res.Diagnostics {
		c := caseOf(abs, d.Pos.Filename)
		if c == "" {
			t.Errorf("diagnostic outside any case: %s", d)
			continue
		}
		errs[c] = errs[c] || !d.Warning
		if diags[c] == nil {
			diags[c] = &strings.Builder{}
		}
		diags[c].WriteString(d.Rel(filepath.Join(abs, corpusDir, c)).String() + "\n")
	}

	for _, c := range cases {
		t.Run(c, func(t *testing.T) {
			dir := filepath.Join(abs, corpusDir, c)
			gotFile := files[filepath.Join(dir, GenFileName)]
			var gotDiags []byte
			if b := diags[c]; b != nil {
				gotDiags = []byte(b.String())
			}
			if gotFile != nil && errs[c] {
				t.Errorf("got both a file and errors:\n%s", gotDiags)
			}
			want := filepath.Join(dir, "want")
			checkGolden(t, filepath.Join(want, GenFileName), gotFile)
			checkGolden(t, filepath.Join(want, "diagnostics.txt"), gotDiags)
		})
	}
	if t.Failed() && !*update {
		return // compiling and running the wanted files would only repeat it
	}
	if testing.Short() {
		t.Log("-short: the wanted files are not compiled, the programs not run")
		return
	}
	var ok []string
	for _, c := range cases {
		if !errs[c] {
			ok = append(ok, c)
		}
	}
	corpusCompiles(t, abs, ok)
}

// corpusCompiles vets the cases (which have no errors) with every case's
// wanted result_gen.go in place, then builds the cases with a
// want/program_out.txt, runs each and compares its output.
func corpusCompiles(t *testing.T, abs string, cases []string) {
	overlay := map[string]map[string]string{"Replace": {}}
	for _, c := range goldenCases(t) {
		want := filepath.Join(abs, corpusDir, c, "want", GenFileName)
		if _, err := os.Stat(want); err == nil {
			overlay["Replace"][filepath.Join(abs, corpusDir, c, GenFileName)] = want
		}
	}
	if len(overlay["Replace"]) < 3 {
		t.Fatalf("only %d cases with a wanted file", len(overlay["Replace"]))
	}
	b, err := json.Marshal(overlay)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	ov := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(ov, b, 0o644); err != nil {
		t.Fatal(err)
	}
	goCmd := func(args ...string) {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = abs
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s of the cases with their wanted files: %v\n%s", args[0], err, out)
		}
	}
	goCmd(append([]string{"vet", "-tags=corpusrun", "-overlay=" + ov}, casePatterns(cases)...)...)

	var programs []string
	for _, c := range cases {
		if _, err := os.Stat(filepath.Join(abs, corpusDir, c, "want", "program_out.txt")); err == nil {
			programs = append(programs, c)
		}
	}
	if len(programs) == 0 {
		t.Fatal("no case has a want/program_out.txt")
	}
	bin := filepath.Join(tmp, "bin") + string(filepath.Separator)
	goCmd(append([]string{"build", "-tags=corpusrun", "-overlay=" + ov, "-o", bin}, casePatterns(programs)...)...)
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "RESULTGEN_") })
	for _, c := range programs {
		t.Run(c+"/program", func(t *testing.T) {
			home := t.TempDir()
			cmd := exec.Command(filepath.Join(bin, c))
			cmd.Dir = home
			cmd.Env = append(env, "RESULTGEN_HOME="+filepath.Join(home, "home"), "RESULTGEN_LOCAL_STORAGE_PATH="+filepath.Join(home, "storage"))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s: %v\n%s%s", c, err, out, stderr.Bytes())
			}
			checkGolden(t, filepath.Join(abs, corpusDir, c, "want", "program_out.txt"), out)
		})
	}
}

func caseOf(abs, file string) string {
	rel, err := filepath.Rel(filepath.Join(abs, corpusDir), file)
	if err != nil || strings.HasPrefix(rel, "..") {
		return ""
	}
	return strings.Split(filepath.ToSlash(rel), "/")[0]
}

// checkGolden compares got with the file at path; nil got means the file
// must not exist. With -update it rewrites (or removes) the file.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if got == nil {
			if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			return
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	switch {
	case os.IsNotExist(err) && got == nil:
	case os.IsNotExist(err):
		t.Errorf("unexpected output (no %s; run go test ./generator -update):\n%s", path, got)
	case err != nil:
		t.Fatal(err)
	case got == nil:
		t.Errorf("want %s, got nothing", path)
	case !bytes.Equal(got, want):
		t.Errorf("%s differs (run go test ./generator -update):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
