package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/srcunit"
	"github.com/resultgen/resultgen/internal/typeid"
	"github.com/resultgen/resultgen/runtime/settings"
)

// staleProbe is a declaration of this file the tests below hash.
//
//result:task
//lint:ignore U1000 read as source by probeUnits, never called
func staleProbe(n int) int { return n + 1 }

// probeUnits are the unit lines of staleProbe as the generator writes them.
func probeUnits(t *testing.T) (code, directive string) {
	t.Helper()
	src, err := os.ReadFile("stale_internal_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range srcunit.Decls(src) {
		if d.Name == "staleProbe" {
			return "func staleProbe " + srcunit.Hash(d.Name, d.Text(src)) + " runtime/stale_internal_test.go",
				"directive staleProbe " + srcunit.DirectiveHash(d.Directives) + " runtime/stale_internal_test.go"
		}
	}
	t.Fatal("no staleProbe")
	return "", ""
}

func TestPackageCheck(t *testing.T) {
	code, directive := probeUnits(t)
	anchor := func() {}
	for _, tc := range []struct {
		name  string
		units []string
		stale string // "" when fresh
	}{
		{"fresh", []string{code, directive, "module std@go1.26"}, ""},
		{"code changed", []string{"func staleProbe 000000000000 runtime/stale_internal_test.go"},
			"runtime/stale_internal_test.go: func staleProbe changed"},
		{"directive changed", []string{code, "directive staleProbe 000000000000 runtime/stale_internal_test.go"},
			"runtime/stale_internal_test.go: the directive of staleProbe changed"},
		{"declaration gone", []string{"func gone 000000000000 runtime/stale_internal_test.go"},
			"runtime/stale_internal_test.go: func gone is gone"},
		{"file gone", []string{"func x 000000000000 runtime/no_such_file.go"}, "runtime/no_such_file.go: open "},
		{"qualified name", []string{strings.Replace(code, "func staleProbe ", "func github.com/resultgen/resultgen/runtime.staleProbe ", 1)}, "changed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &Package{Path: "github.com/resultgen/resultgen/runtime", Dir: "runtime", Anchor: anchor, Units: tc.units}
			st, c := p.check()
			switch {
			case c.skipped != "":
				t.Fatalf("skipped: %s", c.skipped)
			case tc.stale == "" && st != nil:
				t.Fatalf("stale: %s", st.what)
			case tc.stale != "" && st == nil:
				t.Fatalf("fresh, want stale (%s)", tc.stale)
			case st != nil && !strings.Contains(st.what, tc.stale):
				t.Fatalf("stale: %q, want it to say %q", st.what, tc.stale)
			}
		})
	}
	// A qualified name is the same declaration: its hash is of the
	// qualified name, so the one above differs; the right one matches.
	src, _ := os.ReadFile("stale_internal_test.go")
	for _, d := range srcunit.Decls(src) {
		if d.Name == "staleProbe" {
			q := "github.com/resultgen/resultgen/runtime.staleProbe"
			p := &Package{Dir: "runtime", Anchor: anchor, Units: []string{"func " + q + " " + srcunit.Hash(q, d.Text(src)) + " runtime/stale_internal_test.go"}}
			if st, _ := p.check(); st != nil {
				t.Errorf("qualified unit: stale: %s", st.what)
			}
		}
	}
	// Where the sources are not on disk, the check is skipped.
	p := &Package{Dir: "runtime", Units: []string{"func x 000000000000 runtime/x.go"}}
	if st, c := p.check(); st != nil || c.skipped == "" {
		t.Errorf("no anchor: stale %v, skipped %q", st, c.skipped)
	}
	p = &Package{Dir: "other/dir", Anchor: anchor, Units: []string{"func x 000000000000 runtime/x.go"}}
	if st, c := p.check(); st != nil || c.skipped == "" {
		t.Errorf("anchor in another folder: stale %v, skipped %q", st, c.skipped)
	}
}

// A stale package's tasks compute and persist nothing; the check runs once.
func TestStalePackageComputes(t *testing.T) {
	dir := t.TempDir()
	ctx := WithEngine(context.Background(), NewEngineForTest(t, dir))
	p := &Package{Path: "example.com/app", Dir: "runtime", Anchor: func() {},
		Units: []string{"func staleProbe 000000000000 runtime/stale_internal_test.go"}}
	def := &Def{Kind: KindTask, Name: "probe", Func: "example.com/app.Probe", GoType: "int", Value: true,
		TypeHash: typeid.Of[int]().Hash(), Package: p, Config: Config{Persist: new(true)}}
	calls := 0
	inv := Invocation[int]{Def: def, Body: func(context.Context) (int, error) { calls++; return 7, nil }}
	for range 2 {
		st := Run(ctx, inv)
		if v, err := st.Result(); err != nil || v != 7 {
			t.Fatalf("%v, %v", v, err)
		}
		if st.Persisted() || !strings.Contains(st.PersistReason(), "is stale (runtime/stale_internal_test.go: func staleProbe changed") {
			t.Errorf("persisted %v, reason %q", st.Persisted(), st.PersistReason())
		}
	}
	if calls != 2 {
		t.Errorf("body ran %d times, want 2 (nothing loaded)", calls)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a stale package stored %d entries", len(entries))
	}
	// A named flow run of a stale package needs its records: ErrStale.
	flow := &Def{Kind: KindFlow, Name: "f", Func: "example.com/app.F", GoType: "int", Value: true,
		TypeHash: typeid.Of[int]().Hash(), Package: p}
	st := Run(ctx, Invocation[int]{Def: flow, Options: []Option{RunID("r1")}, Body: func(context.Context) (int, error) { return 1, nil }})
	if !errors.Is(st.Err(), ErrStale) {
		t.Errorf("named run of a stale package: %v", st.Err())
	}
}

// A Def whose types are not R's fails with ErrStale and runs nothing.
func TestDefTypesChecked(t *testing.T) {
	ctx := WithEngine(context.Background(), NewEngineForTest(t, t.TempDir()))
	body := func(context.Context) (int, error) { t.Error("the body ran"); return 0, nil }
	for _, tc := range []struct {
		name string
		def  *Def
		want string
	}{
		{"result", &Def{Kind: KindTask, Name: "r", GoType: "app.T", TypeDesc: "app.T=struct{A int}", Value: true,
			TypeHash: typeid.Of[string]().Hash()}, "its result type app.T changed"},
		{"parameter", &Def{Kind: KindTask, Name: "p", GoType: "int", Value: true, TypeHash: typeid.Of[int]().Hash(),
			Params: []string{"a", "row"}, ParamTypes: typeFor[func(int, struct{ Z int })],
			ParamHashes: []string{typeid.Of[int]().Hash(), typeid.Of[struct{ Y int }]().Hash()}},
			"the type of its parameter row (struct { Z int }) changed"},
		{"parameter count", &Def{Kind: KindTask, Name: "c", GoType: "int", Value: true, TypeHash: typeid.Of[int]().Hash(),
			ParamTypes: typeFor[func(int)], ParamHashes: []string{"", ""}}, "its parameters changed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := Invocation[int]{Def: tc.def, Body: body}
			_, err := Call(ctx, inv)
			if !errors.Is(err, ErrStale) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "run go generate") {
				t.Fatalf("Call: %v, want ErrStale saying %q", err, tc.want)
			}
			if st := Run(ctx, inv); !errors.Is(st.Err(), ErrStale) {
				t.Fatalf("Run: %v", st.Err())
			}
		})
	}
	ok := &Def{Kind: KindTask, Name: "ok", GoType: "int", Value: true, TypeHash: typeid.Of[int]().Hash(),
		Params: []string{"a"}, ParamTypes: typeFor[func(int)], ParamHashes: []string{typeid.Of[int]().Hash()}}
	if v, err := Call(ctx, Invocation[int]{Def: ok, Body: func(context.Context) (int, error) { return 3, nil }}); err != nil || v != 3 {
		t.Fatalf("matching types: %v, %v", v, err)
	}
}

// NewEngineForTest is an engine storing under dir by default, logging
// nothing, closed when the test ends.
func NewEngineForTest(t *testing.T, dir string) *Engine {
	e := NewEngine(settings.Settings{DefaultStorage: "local:" + dir}, WithLogger(slog.New(slog.DiscardHandler)))
	t.Cleanup(func() { e.Close() })
	return e
}

// typeFor is reflect.TypeFor, as the generated ParamTypes fields use it.
func typeFor[T any]() reflect.Type { return reflect.TypeFor[T]() }

// synthPackage writes a package of n files of about 4 KiB under a module
// root in a temporary folder, and returns its generated file's path and the
// unit lines of every declaration (the most a package can list).
func synthPackage(tb testing.TB, n int) (gen string, units []string) {
	root := tb.TempDir()
	dir := filepath.Join(root, "pkg")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		var b strings.Builder
		fmt.Fprintf(&b, "// Package pkg is synthetic.\npackage pkg\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n)\n\n")
		fmt.Fprintf(&b, "// Row%d is a row.\ntype Row%d struct {\n\tID   int\n\tName string\n\tTags []string\n}\n\n", i, i)
		for j := range 4 {
			fmt.Fprintf(&b, "// Task%d_%d computes a row.\n//\n//result:task\nfunc Task%d_%d(id int, name string) (Row%d, error) {\n", i, j, i, j, i)
			b.WriteString("\tif id < 0 {\n\t\treturn Row" + fmt.Sprint(i) + "{}, fmt.Errorf(\"bad id %d\", id)\n\t}\n")
			b.WriteString("\ttags := make([]string, 0, 4)\n\tfor k := range 4 {\n\t\ttags = append(tags, fmt.Sprintf(\"%s-%d\", strings.ToLower(name), k))\n\t}\n")
			fmt.Fprintf(&b, "\treturn Row%d{ID: id + %d, Name: helper%d_%d(name), Tags: tags}, nil\n}\n\n", i, j, i, j)
			fmt.Fprintf(&b, "func helper%d_%d(s string) string {\n\t// trim and title the name\n\ts = strings.TrimSpace(s)\n\tif s == \"\" {\n\t\treturn \"?\"\n\t}\n\treturn strings.ToUpper(s[:1]) + s[1:]\n}\n\n", i, j)
		}
		src := []byte(b.String())
		name := fmt.Sprintf("f%02d.go", i)
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			tb.Fatal(err)
		}
		for _, d := range srcunit.Decls(src) {
			units = append(units, d.Kind+" "+d.Name+" "+srcunit.Hash(d.Name, d.Text(src))+" pkg/"+name)
			if d.Kind == srcunit.Func && len(d.Directives) > 0 {
				units = append(units, "directive "+d.Name+" "+srcunit.DirectiveHash(d.Directives)+" pkg/"+name)
			}
		}
	}
	gen = filepath.Join(dir, "result_gen.go")
	if err := os.WriteFile(gen, []byte("package pkg\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	return gen, units
}

func TestSynthPackageFresh(t *testing.T) {
	gen, units := synthPackage(t, 3)
	p := &Package{Dir: "pkg", Units: units}
	if st, c := p.checkAt(gen); st != nil || c.files != 3 {
		t.Fatalf("stale %v, files %d", st, c.files)
	}
}

// BenchmarkPackageCheck is the stale-code check of a package of 50 files of
// about 4 KiB, every declaration listed (budget: 5 ms), against reading the
// files (ReadFiles), its floor.
func BenchmarkPackageCheck(b *testing.B) {
	gen, units := synthPackage(b, 50)
	b.Run("ReadFiles", func(b *testing.B) {
		for b.Loop() {
			for i := range 50 {
				if _, err := os.ReadFile(filepath.Join(filepath.Dir(gen), fmt.Sprintf("f%02d.go", i))); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("Check", func(b *testing.B) {
		for b.Loop() {
			p := &Package{Dir: "pkg", Units: units}
			if st, _ := p.checkAt(gen); st != nil {
				b.Fatal(st.what)
			}
		}
	})
}
