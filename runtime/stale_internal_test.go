package runtime

import (
	"context"
	"errors"
	"log/slog"
	"os"
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
			return "func staleProbe " + srcunit.Hash(d.Name, d.Text()) + " runtime/stale_internal_test.go",
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
			p := &Package{Dir: "runtime", Anchor: anchor, Units: []string{"func " + q + " " + srcunit.Hash(q, d.Text()) + " runtime/stale_internal_test.go"}}
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
