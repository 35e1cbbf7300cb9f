package review_test

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/sweep"
	"github.com/resultgen/resultgen/review"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"

	"github.com/resultgen/resultgen/internal/rules"
)

// TestSweepReviewAgreesWithRuntime resolves every generator golden case and
// every example twice: by review (its rows), and by rules.Resolve on the
// Def literals of the generated file itself (parsed, not rebuilt from the
// directives), for every function standalone and as called from each flow
// that calls it, that flow running on its own or called along the chain of
// flows review names (Row.CalledVia), each flow resolved from the outermost
// down as the runtime runs them. Persist decision, reason, storage,
// serializer, key kind, in memory and the flow names must be the same.
//
// A custom serializer is a Go value the test cannot build: its identifier
// stands in for it, as in review's rows.
func TestSweepReviewAgreesWithRuntime(t *testing.T) {
	sweep.Skip(t)
	cases, _ := filepath.Glob("../testdata/*/want/result_gen.go")
	examples, _ := filepath.Glob("../examples/*/result_gen.go")
	if len(cases) < 4 || len(examples) < 8 {
		t.Fatalf("found %d golden cases and %d examples; want every one", len(cases), len(examples))
	}
	defs := map[string]*runtime.Def{} // by "import/path.Func"
	var patterns []string
	for _, g := range cases {
		patterns = append(patterns, "./"+strings.TrimPrefix(filepath.ToSlash(filepath.Dir(filepath.Dir(g))), "../"))
		for k, d := range generatedDefs(t, g) {
			defs[k] = d
		}
	}
	for _, g := range examples {
		patterns = append(patterns, "./"+strings.TrimPrefix(filepath.ToSlash(filepath.Dir(g)), "../"))
		for k, d := range generatedDefs(t, g) {
			defs[k] = d
		}
	}
	all := []settings.Settings{
		*fixedSettings,
		{PersistByDefault: true, LocalStoragePath: "/srv/results", DefaultSerializer: "json", RefreshCache: true},
		{DefaultStorage: "s3/prod"},
	}
	// One load of every case, reviewed under each settings: a load is the
	// slow part.
	reps, err := review.ReviewEach(context.Background(), review.Config{Dir: ".."}, all, patterns...)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range all {
		rep := reps[i]
		t.Run(fmt.Sprintf("settings%d", i), func(t *testing.T) {
			seen := map[string]bool{}
			nested := false
			for _, row := range rep.Rows {
				def := defs[row.Package+"."+row.Func]
				if def == nil {
					t.Errorf("%s.%s: review has a row, the generated files no Def", row.Package, row.Func)
					continue
				}
				seen[row.Package+"."+row.Func] = true
				// Each chain of calling flows, outermost first.
				chains := [][]string{nil}
				for _, flow := range row.SameIn {
					chains = append(chains, []string{flow})
				}
				if row.CalledFrom != "" {
					chains = [][]string{append(slices.Clone(row.CalledVia), row.CalledFrom)}
					nested = nested || len(row.CalledVia) > 0 && row.Func == "Work" && row.CalledFrom == "Middle"
				}
			chain:
				for _, flows := range chains {
					var from *rules.Passed
					for _, flow := range flows {
						fd := defs[row.Package+"."+flow]
						if fd == nil {
							t.Errorf("%s called from %s: no Def for the flow in its package", row.Func, flow)
							continue chain
						}
						fr, _ := rules.Resolve(funcOf(fd), fd.Config, from, s.Defaults(), false, false)
						from = &fr.Passes
					}
					got, _ := rules.Resolve(funcOf(def), def.Config, from, s.Defaults(), false, false)
					compare(t, fmt.Sprintf("%s.%s called along %q", row.Package, row.Func, flows), row, got, s)
				}
			}
			if i == 0 && !nested {
				t.Errorf("no row of testdata/nested's Work called from Middle via Outer: review does not follow chains of flows")
			}
			for k := range defs {
				if !seen[k] {
					t.Errorf("%s: a Def in the generated files, no row in review", k)
				}
			}
		})
	}
}

// compare checks review's row against the runtime's resolution.
func compare(t *testing.T, what string, row review.Row, r rules.Resolved, s settings.Settings) {
	t.Helper()
	type view struct {
		Persisted                  bool
		Why                        string
		WhyKind                    rules.PersistKind
		WhyFrom                    string
		Storage, StorageFrom       string
		Serializer, SerializerFrom string
		Compression                string
		KeyKind                    rules.KeyKind
		InMemory                   bool
	}
	want := view{Persisted: r.Persist.Persist, Why: r.Persist.Reason, WhyKind: r.Persist.Kind, WhyFrom: r.Persist.From, InMemory: r.InMemory}
	if r.Persist.Persist {
		want.Storage, want.StorageFrom = r.Storage, r.StorageFrom
		if want.Storage == "local" && s.LocalStoragePath != "" {
			want.Storage = "local:" + s.LocalStoragePath
		}
		want.Serializer, want.SerializerFrom, want.KeyKind = r.Serializer, r.SerializerFrom, r.KeyKind
		if strings.HasPrefix(r.Serializer, "compressed/") {
			want.Compression = r.Compression
			if want.Compression == "" {
				want.Compression = "zstd" // the serializer's default, which review writes out
			}
		}
	}
	got := view{row.Persisted, row.Why, row.WhyKind, row.WhyFrom, row.Storage, row.StorageFrom, row.Serializer, row.SerializerFrom, row.Compression, row.KeyKind, row.InMemory}
	if got != want {
		t.Errorf("%s:\nreview  %+v\nruntime %+v", what, got, want)
	}
}

// generatedDefs parses the runtime.Def literals of a generated file, by
// "import/path.Func".
func generatedDefs(t *testing.T, path string) map[string]*runtime.Def {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*runtime.Def{}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if len(vs.Values) != 1 {
				continue
			}
			u, ok := vs.Values[0].(*ast.UnaryExpr)
			if !ok {
				continue
			}
			lit, ok := u.X.(*ast.CompositeLit)
			if !ok || exprString(lit.Type) != "runtime.Def" {
				continue
			}
			def := &runtime.Def{}
			setFields(t, path, reflect.ValueOf(def).Elem(), lit)
			out[def.Func] = def
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no runtime.Def literal", path)
	}
	return out
}

func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	}
	return fmt.Sprintf("%T", e)
}

// setFields sets the fields of v (a struct) from a keyed composite literal.
func setFields(t *testing.T, path string, v reflect.Value, lit *ast.CompositeLit) {
	t.Helper()
	for _, el := range lit.Elts {
		kv := el.(*ast.KeyValueExpr)
		name := kv.Key.(*ast.Ident).Name
		fv := v.FieldByName(name)
		if !fv.IsValid() {
			t.Fatalf("%s: %s has no field %s", path, v.Type(), name)
		}
		if name == "SerializerValue" {
			// A Go value: its identifier stands in, as in review.
			v.FieldByName("Serializer").SetString(exprString(kv.Value))
			continue
		}
		if name == "Package" || name == "ParamTypes" {
			continue // the stale-code check's: nothing to resolve
		}
		setValue(t, path, fv, kv.Value)
	}
}

func setValue(t *testing.T, path string, fv reflect.Value, e ast.Expr) {
	t.Helper()
	switch {
	case fv.Type() == reflect.TypeOf(time.Duration(0)):
		fv.SetInt(int64(duration(t, path, e)))
		return
	case fv.Type() == reflect.TypeOf(runtime.KindTask):
		fv.Set(reflect.ValueOf(map[string]runtime.Kind{"runtime.KindTask": runtime.KindTask, "runtime.KindFlow": runtime.KindFlow}[exprString(e)]))
		return
	}
	switch e := e.(type) {
	case *ast.BasicLit:
		switch fv.Kind() {
		case reflect.String:
			s, err := strconv.Unquote(e.Value)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			fv.SetString(s)
		case reflect.Int:
			n, _ := strconv.Atoi(e.Value)
			fv.SetInt(int64(n))
		}
		return
	case *ast.Ident:
		if fv.Kind() == reflect.Bool {
			fv.SetBool(e.Name == "true")
			return
		}
	case *ast.CallExpr:
		if exprString(e.Fun) == "new" && fv.Kind() == reflect.Pointer {
			p := reflect.New(fv.Type().Elem())
			setValue(t, path, p.Elem(), e.Args[0])
			fv.Set(p)
			return
		}
	case *ast.CompositeLit:
		if fv.Kind() == reflect.Struct {
			setFields(t, path, fv, e)
			return
		}
		if fv.Kind() == reflect.Slice {
			return // Params, Units: not needed
		}
	}
	t.Fatalf("%s: cannot evaluate %T for a %s", path, e, fv.Type())
}

func duration(t *testing.T, path string, e ast.Expr) time.Duration {
	units := map[string]time.Duration{"time.Hour": time.Hour, "time.Minute": time.Minute, "time.Second": time.Second,
		"time.Millisecond": time.Millisecond, "time.Microsecond": time.Microsecond}
	switch e := e.(type) {
	case *ast.BasicLit:
		n, _ := strconv.Atoi(e.Value)
		return time.Duration(n)
	case *ast.SelectorExpr:
		return units[exprString(e)]
	case *ast.BinaryExpr:
		return duration(t, path, e.X) * duration(t, path, e.Y)
	case *ast.CallExpr:
		return duration(t, path, e.Args[0])
	}
	t.Fatalf("%s: cannot evaluate duration %T", path, e)
	return 0
}

// funcOf is what rules.Resolve reads of def.
func funcOf(def *runtime.Def) rules.Func {
	return rules.Func{Kind: def.Kind, Name: def.Name, Value: def.Value}
}
