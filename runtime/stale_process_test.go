package runtime_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/modtest"
)

// staleApp is a user's program: a task keyed by its storage_key whose result
// is a struct, and a task keyed by its inputs and code whose value comes
// from a helper two calls deep.
const staleApp = `package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/resultgen/resultgen/runtime"
)

type Row struct {
	X int
	Y string
}

//result:task storage_key="row-{parameters[n]}.msgpack"
func MakeRow(n int) Row {
	return Row{X: n, Y: "y"}
}

//result:task cache_policy=inputs+task_source
func Label(n int) string {
	return word(n)
}

func word(n int) string { return shout(fmt.Sprint("Word", n)) }

func shout(s string) string { return strings.ToLower(s) }

func main() {
	ctx := context.Background()
	row := MakeRowTask.State(ctx, 1)
	v, err := row.Result()
	fmt.Printf("row state=%s value=%+v stale=%v persisted=%v\n", row.Name(), v, errors.Is(err, runtime.ErrStale), row.Persisted())
	if err != nil {
		fmt.Printf("row error: %v\n", err)
	}
	label := LabelTask.State(ctx, 1)
	l, err := label.Result()
	fmt.Printf("label state=%s value=%s err=%v persisted=%v\n", label.Name(), l, err, label.Persisted())
	fmt.Printf("label reason: %s\n", label.PersistReason())
}
`

// TestStaleGeneratedCode edits a program as a user would and runs it
// without running go generate again: a comment keeps the cache, a changed
// helper is never served from the old record, a renamed field fails with
// ErrStale and decodes nothing.
func TestStaleGeneratedCode(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	m := modtest.New(t, "example.com/staleapp", map[string]string{"app/main.go": staleApp})
	m.Resultgen("./app")
	store := t.TempDir()
	env := []string{"RESULTGEN_LOCAL_STORAGE_PATH=" + store, "RESULTGEN_LOGGING_LEVEL=WARNING"}
	// The program is built again only where its code changed: after the
	// comment edits the binary built before is the one go run would
	// build (result_gen.go and the code are the same).
	bin := m.Build("./app")
	run := func(step string, rebuild bool) modtest.Output {
		t.Helper()
		if rebuild {
			bin = m.Build("./app")
		}
		out := m.Run(bin, env...)
		t.Logf("%s:\n%s%s", step, out.Stdout, out.Stderr)
		if out.Exit != 0 {
			t.Fatalf("%s: exit %d", step, out.Exit)
		}
		return out
	}
	has := func(step string, out modtest.Output, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(out.Stdout, w) {
				t.Errorf("%s: output lacks %q", step, w)
			}
		}
	}
	generated := m.Read("app/result_gen.go")

	out := run("first run", false)
	has("first run", out, "row state=Completed value={X:1 Y:y}", "label state=Completed value=word1 err=<nil> persisted=true")
	out = run("second run", false)
	has("second run", out, "row state=Cached", "label state=Cached value=word1")

	// Comments, blank lines and moved code: the generated file does not
	// change, resultgen check passes, and the cache stays.
	m.Edit("app/main.go", "type Row struct {", "// Row is a row.\n\n\ntype Row struct {")
	m.Edit("app/main.go", "func shout(s string) string { return strings.ToLower(s) }",
		"// shout shouts.\nfunc shout(s string) string {\n\treturn strings.ToLower( // lower\n\t\ts,\n\t)\n}")
	// check generates in memory and compares with result_gen.go as it was
	// generated before the edits: passing, go generate would write the
	// same bytes.
	if err := m.TryResultgen("check", "./app"); err != nil {
		t.Errorf("resultgen check after comment edits: %v", err)
		m.Resultgen("./app")
		if m.Read("app/result_gen.go") != generated {
			t.Errorf("comment and layout edits changed result_gen.go")
		}
	}
	out = run("after comment edits", false)
	has("after comment edits", out, "row state=Cached", "label state=Cached value=word1")
	if strings.Contains(out.Stderr, "stale") {
		t.Errorf("comment edits reported stale: %s", out.Stderr)
	}

	// A helper two calls deep changes; go generate is forgotten.
	m.Edit("app/main.go", "return strings.ToLower(", "return strings.ToUpper(")
	recordsBefore := snapshot(t, store)
	out = run("helper changed, not regenerated", true)
	has("helper changed", out, "label state=Completed value=WORD1 err=<nil> persisted=false", "label reason: not persisted: ", "result_gen.go is stale")
	if n := strings.Count(out.Stderr, "generated code is stale"); n != 1 {
		t.Errorf("the stale package was reported %d times, want once:\n%s", n, out.Stderr)
	}
	if !strings.Contains(out.Stderr, "app/main.go: func shout changed") {
		t.Errorf("the warning does not name the changed declaration:\n%s", out.Stderr)
	}
	if after := snapshot(t, store); after != recordsBefore {
		t.Errorf("a stale package wrote records:\nbefore %s\nafter  %s", recordsBefore, after)
	}
	m.Resultgen("./app")
	out = run("helper changed, regenerated", true)
	has("regenerated", out, "label state=Completed value=WORD1 err=<nil> persisted=true")
	out = run("helper changed, regenerated, again", false)
	has("regenerated, again", out, "label state=Cached value=WORD1")

	// A field renamed; go generate is forgotten. The signature is the same,
	// so it builds; the record of Row{X, Y} is never decoded into Row{X, Z}.
	m.Edit("app/main.go", "\tY string\n", "\tZ string\n")
	m.Edit("app/main.go", `Row{X: n, Y: "y"}`, `Row{X: n, Z: "z"}`)
	out = run("field renamed, not regenerated", true)
	has("field renamed", out, "row state=Failed value={X:0 Z:} stale=true persisted=false",
		"row error: task MakeRow: result_gen.go is stale: its result type example.com/staleapp/app.Row changed (field Z added, field Y removed)",
		"run go generate")
	if strings.Contains(out.Stdout, "Z:y") || strings.Contains(out.Stdout, "X:1") {
		t.Errorf("the old record was served: %s", out.Stdout)
	}
	// After go generate the new type misses the old record and persists
	// anew: cmd/resultgen's TestResultTypeChangeAcrossReleases runs that.
}

// snapshot lists the files under dir with their sizes and times.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(&b, "%s %d %s; ", rel, fi.Size(), fi.ModTime())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
