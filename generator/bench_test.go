package generator

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// benchFiles is a package of n directive functions calling a few shared
// helpers, some in a second package of the module.
func benchFiles(imp string, n int) map[string]string {
	var b strings.Builder
	fmt.Fprintf(&b, "package bench\n\nimport (\n\t\"context\"\n\t\"strconv\"\n\n\t%q\n)\n\n", imp+"/helpers")
	b.WriteString(`// scale is shared by every task.
const scale = 3

type acc struct{ sum int }

func (a *acc) add(v int) { a.sum += v * scale }

func helperA(n int) int {
	var a acc
	a.add(helpers.B(n))
	return a.sum + helpers.C(n)
}

func helperS(n int) string { return strconv.Itoa(helperA(n)) }
`)
	for i := range n {
		switch i % 3 {
		case 0:
			fmt.Fprintf(&b, "\n//result:task\nfunc Task%d(ctx context.Context, n int) (int, error) {\n\treturn helperA(n) + %d, nil\n}\n", i, i)
		case 1:
			fmt.Fprintf(&b, "\n//result:task persist\nfunc Task%d(name string, n int) string {\n\treturn name + helperS(n+%d)\n}\n", i, i)
		default:
			fmt.Fprintf(&b, "\n//result:task cache_policy=inputs+task_source\nfunc Task%d(n int) int {\n\treturn helpers.B(n) * %d\n}\n", i, i)
		}
	}
	return map[string]string{
		"tasks.go": b.String(),
		"helpers/helpers.go": `package helpers

import "strings"

// B is called by many tasks.
func B(n int) int { return n*2 + len(strings.Repeat("x", n%3)) }

// C calls B.
func C(n int) int { return B(n) + 1 }
`,
	}
}

// BenchmarkGenerate1000 measures Generate on a package of 1,000 directive
// functions, and go vet on the same package as the baseline (after an edit,
// so vet's cached result cannot be reused): x-go-vet is Generate's time over
// go vet's.
func BenchmarkGenerate1000(b *testing.B) {
	// inside the module, so that it builds against it, in this package's
	// own testdata folder: the module's holds the golden cases only
	abs, err := filepath.Abs("testdata")
	if err != nil {
		b.Fatal(err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		b.Fatal(err)
	}
	dir, err := os.MkdirTemp(abs, "tmp-bench-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	imp := "github.com/resultgen/resultgen/generator/testdata/" + filepath.Base(dir)
	for name, src := range benchFiles(imp, 1000) {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	// generate once and write the file, so go vet sees a complete package
	res, err := Generate(ctx, Config{Dir: dir}, ".")
	if err != nil || len(res.Diagnostics) > 0 || len(res.Files) != 1 {
		b.Fatalf("Generate: %v %v", err, res)
	}
	if err := os.WriteFile(res.Files[0].Path, res.Files[0].Content, 0o644); err != nil {
		b.Fatal(err)
	}

	var vet time.Duration
	vetOnce := func(i int) {
		edit := fmt.Sprintf("package bench\n\n// edit %d\n", i)
		if err := os.WriteFile(filepath.Join(dir, "edit.go"), []byte(edit), 0o644); err != nil {
			b.Fatal(err)
		}
		cmd := exec.Command("go", "vet", ".")
		cmd.Dir = dir
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("go vet: %v\n%s", err, out)
		}
		vet += time.Since(start)
	}
	vetOnce(-1) // warm the build cache for the dependencies

	vet = 0
	var gen time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		res, err := Generate(ctx, Config{Dir: dir}, ".")
		gen += time.Since(start)
		if err != nil || len(res.Files) != 1 {
			b.Fatalf("Generate: %v", err)
		}
		b.StopTimer()
		vetOnce(i)
		b.StartTimer()
	}
	b.ReportMetric(float64(vet.Milliseconds())/float64(b.N), "vet-ms/op")
	b.ReportMetric(float64(gen)/float64(vet), "x-go-vet")
}
