package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// chdir runs the test in dir (tests in this file do not run in parallel).
func chdir(t *testing.T, dir string) {
	t.Helper()
	old, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chdir(old) })
}

func TestRunReview(t *testing.T) {
	t.Setenv("RESULTGEN_HOME", t.TempDir())
	t.Setenv("RESULTGEN_LOCAL_STORAGE_PATH", "/srv/results")
	t.Setenv("RESULTGEN_RESULTS_PERSIST_BY_DEFAULT", "")
	testdata, err := filepath.Abs("../../review/testdata")
	if err != nil {
		t.Fatal(err)
	}
	chdir(t, testdata)
	cases := []struct {
		name string
		args []string
		code int
		out  string // in stdout
		err  string // in stderr
	}{
		{"quiz table", []string{"./quiz"}, 0, "inherited from flow persisting (persist=true)", ""},
		{"quiz strict", []string{"-strict", "./quiz"}, 1, "persist=false, but flow Retrying has retries=2", ""},
		{"quiz markdown", []string{"-format", "markdown", "./quiz"}, 0, "| task Say | Persisting | yes |", ""},
		{"errors", []string{"./src/findings"}, 1, "error: task Off", ""},
		{"clean strict", []string{"-strict", "-format=json", "./src/clean"}, 0, `"errors": 0`, ""},
		{"quiz mermaid", []string{"-format", "mermaid", "./quiz"}, 0, "flowchart LR\n", ""},
		{"quiz dot", []string{"-format", "dot", "./quiz"}, 0, "digraph resultgen {", ""},
		{"bad format", []string{"-format", "yaml", "./quiz"}, 2, "", "want table, json, markdown, mermaid or dot"},
		{"bad flag", []string{"-nope"}, 2, "", "flag provided but not defined"},
		{"help", []string{"-h"}, 0, "Examples:", ""},
		{"no packages", []string{"./does-not-exist"}, 2, "", "resultgen review"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"review"}, c.args...), &stdout, &stderr)
			if code != c.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, c.code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), c.out) {
				t.Errorf("stdout lacks %q:\n%s", c.out, stdout.String())
			}
			if !strings.Contains(stderr.String(), c.err) {
				t.Errorf("stderr lacks %q:\n%s", c.err, stderr.String())
			}
		})
	}
}

func TestRunReviewJSONHeader(t *testing.T) {
	t.Setenv("RESULTGEN_HOME", t.TempDir())
	t.Setenv("RESULTGEN_RESULTS_PERSIST_BY_DEFAULT", "true")
	chdir(t, "../../review/testdata")
	var stdout, stderr bytes.Buffer
	if code := run(append([]string{"review"}, []string{"-format", "json", "./quiz"}...), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var rep struct {
		Defaults struct {
			PersistByDefault bool              `json:"persist_by_default"`
			Sources          map[string]string `json:"sources"`
		} `json:"defaults"`
		Rows []struct {
			Func       string `json:"function"`
			CalledFrom string `json:"called_from"`
			Persisted  bool   `json:"persisted"`
			WhyKind    string `json:"why_kind"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.Defaults.PersistByDefault || rep.Defaults.Sources["RESULTGEN_RESULTS_PERSIST_BY_DEFAULT"] != "env" {
		t.Errorf("defaults = %+v, want persist by default from env", rep.Defaults)
	}
	// With the global default on, a task that sets nothing persists on its own.
	for _, r := range rep.Rows {
		if r.Func == "Say" && r.CalledFrom == "" && (!r.Persisted || r.WhyKind != "default") {
			t.Errorf("Say standalone: %+v, want persisted by the global default", r)
		}
	}
}
