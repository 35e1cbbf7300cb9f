package generator

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestFirstGenerationCallers: before the first go generate, code that
// calls the generated names (in the task's package and in another one)
// does not type-check; the generator reports none of the type checker's
// errors that follow from those names alone, also when the missing value
// is passed on (a must(v, err) helper), and still reports a real error.
func TestFirstGenerationCallers(t *testing.T) {
	files := map[string]string{
		"go.mod": "module example.com/first\n\ngo 1.24\n",
		"tasks/tasks.go": `package tasks

//result:task
func Count(n int) (int, error) { return n, nil }
`,
		"tasks/use.go": `package tasks

import "context"

func must[T any](v T, err error) T { if err != nil { panic(err) }; return v }

func Twice(ctx context.Context) int { return must(CountTask.Call(ctx, 2)) * 2 }
`,
		"app/app.go": `package app

import (
	"context"

	"example.com/first/tasks"
)

func must(v int, err error) int { if err != nil { panic(err) }; return v }

func Run(ctx context.Context) (int, int) {
	x := must(tasks.CountTask.Call(ctx, 1))
	f := tasks.CountTask.Submit(ctx, 3)
	return x, must(f.Result(ctx))
}
`,
	}
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Generate(context.Background(), Config{Dir: dir}, "./...")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range res.Diagnostics {
		t.Errorf("diagnostic before the first generation: %s", d)
	}
	if len(res.Files) != 1 || filepath.Base(filepath.Dir(res.Files[0].Path)) != "tasks" {
		t.Fatalf("files: %v, want tasks/result_gen.go", res.Files)
	}

	// A real error next to the generated names is still reported, once.
	bad := `package app

func broken() int { return "not an int" }
`
	if err := os.WriteFile(filepath.Join(dir, "app", "bad.go"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err = Generate(context.Background(), Config{Dir: dir}, "./...")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Diagnostics) != 1 || filepath.Base(res.Diagnostics[0].Pos.Filename) != "bad.go" {
		t.Errorf("diagnostics = %v, want the one error in app/bad.go", res.Diagnostics)
	}
}
