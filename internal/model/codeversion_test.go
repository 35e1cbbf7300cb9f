package model

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/sweep"
)

// codeverFiles is a package whose task calls helperA (same package), which
// calls helpers.B (another package of the module).
func codeverFiles(imp string) map[string]string {
	return map[string]string{
		"task.go": `package codever

import (
	"fmt"

	"github.com/google/uuid"

	"` + imp + `/helpers"
)

//result:task persist
func Compute(n int) string {
	return fmt.Sprint(helperA(n))
}

func helperA(n int) int {
	var c helpers.Counter
	c.Add(n)
	return helpers.B(n) + c.N + limit
}

const limit = 3

var namespace = uuid.MustParse("6ba7b810-9dad-11d1-80b4-00c04fd430c8")

// Unrelated is not called by Compute.
func Unrelated() string { return namespace.String() }

//result:task
func Other(n int) int { return Unrelated2(n) }

func Unrelated2(n int) int { return n }
`,
		"helpers/b.go": `package helpers

// B doubles n.
func B(n int) int {
	return n * 2
}

// Counter counts.
type Counter struct{ N int }

// Add adds n.
func (c *Counter) Add(n int) { c.N += n }

// Reset is a method of a referenced type: covered too.
func (c *Counter) Reset() { c.N = 0 }

// Other is not called.
func Other() int { return 3 }
`,
	}
}

// writeTree writes files under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, src := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// root is the module root, where testdata lives.
const root = "../.."

// tempCase makes a fresh package directory inside the module, so that it
// builds against it, in this package's own testdata folder (which ./...
// skips; never the module's testdata, whose folders are the golden cases
// other packages' tests list), and returns it and its import path.
func tempCase(t *testing.T, prefix string) (dir, imp string) {
	t.Helper()
	abs, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err = os.MkdirTemp(abs, prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir, "github.com/resultgen/resultgen/internal/model/testdata/" + filepath.Base(dir)
}

// stdEntry is what stands for the standard library: the go directive of
// the module's go.mod.
func stdEntry(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "go "); ok {
			return "std@go" + strings.TrimSpace(v)
		}
	}
	t.Fatal("no go directive in go.mod")
	return ""
}

func codeVersionOf(t *testing.T, dir, fn string) CodeVersion {
	t.Helper()
	a, err := Analyze(context.Background(), Config{Dir: dir}, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Diagnostics) > 0 {
		t.Fatalf("diagnostics: %v", a.Diagnostics)
	}
	for _, p := range a.Packages {
		for _, f := range p.Funcs {
			if f.GoName == fn {
				if f.Source != f.CodeVersion.Hash || !strings.HasPrefix(f.Source, "sha256:") {
					t.Fatalf("Source %q, code version %q", f.Source, f.CodeVersion.Hash)
				}
				return f.CodeVersion
			}
		}
	}
	t.Fatalf("no function %s", fn)
	return CodeVersion{}
}

func TestSweepCodeVersionFollowsHelpers(t *testing.T) {
	sweep.Skip(t)
	dir, imp := tempCase(t, "tmp-codever-")
	files := codeverFiles(imp)
	writeTree(t, dir, files)
	base := codeVersionOf(t, dir, "Compute")

	want := []string{
		imp + ".Compute",
		imp + ".helperA",
		imp + ".limit",
		imp + "/helpers.B",
		imp + "/helpers.Counter",
		imp + "/helpers.Counter.Add",
		imp + "/helpers.Counter.Reset",
		stdEntry(t),
	}
	if !slices.Equal(base.Covers, want) {
		t.Errorf("covers:\n%s\nwant:\n%s", strings.Join(base.Covers, "\n"), strings.Join(want, "\n"))
	}

	edit := func(name, old, new string) func(map[string]string) {
		return func(m map[string]string) {
			if !strings.Contains(m[name], old) {
				t.Fatalf("%s has no %q", name, old)
			}
			m[name] = strings.Replace(m[name], old, new, 1)
		}
	}
	for _, c := range []struct {
		what    string
		change  func(map[string]string)
		changed bool
	}{
		{"B's body, two calls deep in another package", edit("helpers/b.go", "n * 2", "n * 3"), true},
		{"a method of a referenced type", edit("helpers/b.go", "c.N = 0", "c.N = 1"), true},
		{"a referenced constant", edit("task.go", "limit = 3", "limit = 4"), true},
		{"a comment in B", edit("helpers/b.go", "// B doubles n.", "// B doubles n, as it always did."), false},
		{"a comment inside B", edit("helpers/b.go", "return n * 2", "return n * 2 // twice"), false},
		{"B's formatting", edit("helpers/b.go", "func B(n int) int {\n\treturn n * 2\n}", "func B(n int) int { return n*2 }"), false},
		{"a call's line breaks", edit("task.go", "helpers.B(n) + c.N + limit", "helpers.B(\n\t\tn,\n\t) + c.N + limit"), false},
		{"an unrelated function of the package", edit("task.go", "return n }", "return n + 1 }"), false},
		{"an unrelated function of the helpers", edit("helpers/b.go", "return 3", "return 4"), false},
		{"an unreferenced variable's module", edit("task.go", "00c04fd430c8", "00c04fd430c9"), false},
	} {
		t.Run(c.what, func(t *testing.T) {
			m := codeverFiles(imp)
			c.change(m)
			writeTree(t, dir, m)
			defer writeTree(t, dir, files)
			got := codeVersionOf(t, dir, "Compute")
			if (got.Hash != base.Hash) != c.changed {
				t.Errorf("hash changed = %v, want %v", got.Hash != base.Hash, c.changed)
			}
		})
	}
}

func TestCodeVersionOtherModules(t *testing.T) {
	dir, imp := tempCase(t, "tmp-codever-")
	files := codeverFiles(imp)
	files["task.go"] = strings.Replace(files["task.go"], "return helpers.B(n) + c.N + limit", "_ = Unrelated()\n\treturn helpers.B(n) + c.N + limit", 1)
	// a call through another task's generated wrapper follows that task
	files["outer.go"] = `package codever

import "context"

//result:task
func Outer(ctx context.Context) (int, error) { return OtherTask.Call(ctx, 1) }
`
	writeTree(t, dir, files)
	v := codeVersionOf(t, dir, "Compute")
	for _, w := range []string{imp + ".Unrelated", imp + ".namespace", "github.com/google/uuid@v1.6.0"} {
		if !slices.Contains(v.Covers, w) {
			t.Errorf("covers %v, want %s among them", v.Covers, w)
		}
	}
	v = codeVersionOf(t, dir, "Outer")
	if want := []string{imp + ".Other", imp + ".Outer", imp + ".Unrelated2", stdEntry(t)}; !slices.Equal(v.Covers, want) {
		t.Errorf("Outer covers %v, want %v", v.Covers, want)
	}
}
