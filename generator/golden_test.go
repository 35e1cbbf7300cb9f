package generator

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*/want from the generator's output")

// root is the module root, where testdata lives.
const root = ".."

// goldenCases lists the testdata cases: directories with Go input files.
func goldenCases(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []string
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), "tmp") {
			continue
		}
		if m, _ := filepath.Glob(filepath.Join(root, "testdata", e.Name(), "*.go")); len(m) > 0 {
			cases = append(cases, e.Name())
		}
	}
	if len(cases) < 10 {
		t.Fatalf("found only %d golden cases", len(cases))
	}
	return cases
}

func casePatterns(cases []string) []string {
	out := make([]string, len(cases))
	for i, c := range cases {
		out[i] = "./testdata/" + c
	}
	return out
}

func generateCases(t *testing.T, cases []string) (*Result, string) {
	t.Helper()
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Generate(context.Background(), Config{Dir: abs}, casePatterns(cases)...)
	if err != nil {
		t.Fatal(err)
	}
	return res, abs
}

// TestGolden generates every case and compares with want/result_gen.go or
// want/diagnostics.txt (file:line:col relative to the case directory).
// Generating twice gives identical bytes.
func TestGolden(t *testing.T) {
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
	// The goldens hold the generator's own diagnostics; review's findings,
	// which Generate reports too, have their own goldens in package review.
	diags := map[string]*strings.Builder{}
	errs := map[string]bool{} // cases with errors, not only warnings
	for _, d := range res.Diagnostics {
		errs[caseOf(abs, d.Pos.Filename)] = errs[caseOf(abs, d.Pos.Filename)] || !d.Warning
		if d.Check != "" {
			continue
		}
		c := caseOf(abs, d.Pos.Filename)
		if c == "" {
			t.Errorf("diagnostic outside any case: %s", d)
			continue
		}
		if diags[c] == nil {
			diags[c] = &strings.Builder{}
		}
		diags[c].WriteString(d.Rel(filepath.Join(abs, "testdata", c)).String() + "\n")
	}

	for _, c := range cases {
		t.Run(c, func(t *testing.T) {
			dir := filepath.Join(abs, "testdata", c)
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
}

func caseOf(abs, file string) string {
	rel, err := filepath.Rel(filepath.Join(abs, "testdata"), file)
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

// TestGoldenCompiles builds and vets every case with its wanted
// result_gen.go in place (through the go command's -overlay), so the golden
// files are known to compile against the real runtime API.
func TestGoldenCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	overlay := map[string]map[string]string{"Replace": {}}
	var pkgs []string
	for _, c := range goldenCases(t) {
		want := filepath.Join(abs, "testdata", c, "want", GenFileName)
		if _, err := os.Stat(want); err != nil {
			continue
		}
		overlay["Replace"][filepath.Join(abs, "testdata", c, GenFileName)] = want
		pkgs = append(pkgs, "./testdata/"+c)
	}
	if len(pkgs) < 3 {
		t.Fatalf("only %d cases with a wanted file", len(pkgs))
	}
	b, err := json.Marshal(overlay)
	if err != nil {
		t.Fatal(err)
	}
	ov := filepath.Join(t.TempDir(), "overlay.json")
	if err := os.WriteFile(ov, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", append([]string{"vet", "-overlay=" + ov}, pkgs...)...)
	cmd.Dir = abs
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go vet of the wanted files: %v\n%s", err, out)
	}
}
