package model

import (
	"context"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/annotations"
)

func TestKebab(t *testing.T) {
	for in, want := range map[string]string{
		"MyFlow":         "my-flow",
		"HTTPServerFlow": "http-server-flow",
		"fetchData":      "fetch-data",
		"load_data":      "load-data",
		"ETL":            "etl",
		"Load2DB":        "load2-db",
		"x":              "x",
	} {
		if got := Kebab(in); got != want {
			t.Errorf("Kebab(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNamesFor(t *testing.T) {
	for _, c := range []struct {
		fn   string
		kind annotations.Kind
		want Names
	}{
		{"HelloWorld", annotations.Task, Names{"HelloWorldTask", "HelloWorldTaskType", "helloWorldTaskDef", "HelloWorldTaskArgs", "helloWorldTaskCall"}},
		{"HTTPGet", annotations.Task, Names{"HTTPGetTask", "HTTPGetTaskType", "httpGetTaskDef", "HTTPGetTaskArgs", "httpGetTaskCall"}},
		{"f", annotations.Task, Names{"fTask", "fTaskType", "fTaskDef", "fTaskArgs", "fTaskCall"}},
		{"ETL", annotations.Flow, Names{"ETLFlow", "ETLFlowType", "etlFlowDef", "", "etlFlowCall"}},
		{"greet", annotations.Flow, Names{"greetFlow", "greetFlowType", "greetFlowDef", "", "greetFlowCall"}},
	} {
		if got := NamesFor(c.fn, c.kind); got != c.want {
			t.Errorf("NamesFor(%q, %v) = %+v, want %+v", c.fn, c.kind, got, c.want)
		}
	}
}

func TestParsePos(t *testing.T) {
	for in, want := range map[string]token.Position{
		"/a/b.go:3:7": {Filename: "/a/b.go", Line: 3, Column: 7},
		"/a/b.go:3":   {Filename: "/a/b.go", Line: 3},
		"/a/b.go":     {Filename: "/a/b.go"},
		"":            {},
	} {
		if got := parsePos(in); got != want {
			t.Errorf("parsePos(%q) = %+v, want %+v", in, got, want)
		}
	}
}

// TestAnalyze checks the model the generator emits from.
func TestAnalyze(t *testing.T) {
	abs, _ := filepath.Abs(root)
	a, err := Analyze(context.Background(), Config{Dir: abs}, "./testdata/directives")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Diagnostics) != 0 || len(a.Packages) != 1 {
		t.Fatalf("diagnostics %v, %d packages", a.Diagnostics, len(a.Packages))
	}
	byName := map[string]*Func{}
	for _, f := range a.Packages[0].Funcs {
		byName[f.GoName] = f
	}
	rep := byName["Report"]
	if rep == nil {
		t.Fatal("no Report")
	}
	if rep.RunName != "monthly-report" || rep.Names.Value != "ReportTask" || !rep.HasCtx || !rep.HasValue() || !rep.ReturnsError {
		t.Errorf("Report: %+v", rep)
	}
	if rep.Persist != (PersistDecision{State: "on", Reason: "persist"}) {
		t.Errorf("Report persist = %+v", rep.Persist)
	}
	if !rep.StorageKey.UsesFlowRun {
		t.Error("Report's key uses flow_run")
	}
	if rep.Params[1].Hash != HashUnhashable {
		t.Errorf("progress hash kind = %v", rep.Params[1].Hash)
	}
	var keys []string
	for _, s := range rep.Settings {
		keys = append(keys, s.Key)
	}
	if got, want := strings.Join(keys, ","), "name,persist,storage,storage_key,serializer,compression,cache_in_memory,cache_policy,cache_expiration,refresh_cache,isolation,retries,retry_delay"; got != want {
		t.Errorf("settings keys %s", got)
	}
	if u := byName["Unreadable"]; u == nil || u.Call {
		t.Errorf("Unreadable must have no Call: %+v", u)
	}
	if n := byName["Nightly"]; n == nil || n.RunName != "nightly" || n.HasValue() {
		t.Errorf("Nightly: %+v", n)
	}
	if !strings.HasPrefix(rep.Source, "sha256:") || len(rep.Source) != len("sha256:")+64 {
		t.Errorf("source hash %q", rep.Source)
	}
}

func TestArgFields(t *testing.T) {
	params := func(names ...string) []Param {
		out := make([]Param, len(names))
		for i, n := range names {
			out[i] = Param{Name: n}
		}
		return out
	}
	got := ArgFields(params("name", "Name", "_x", "名前", "n2", "arg1"))
	want := []string{"Name", "Name_", "Arg_x", "Arg名前", "N2", "Arg1"}
	if !slices.Equal(got, want) {
		t.Errorf("ArgFields = %q, want %q", got, want)
	}
}
