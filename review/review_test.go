package review_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/rules"
	"github.com/resultgen/resultgen/review"
	"github.com/resultgen/resultgen/runtime/settings"
)

var update = flag.Bool("update", false, "rewrite the golden want.* files")

// fixedSettings are the global settings the golden files were made with.
var fixedSettings = &settings.Settings{LocalStoragePath: "/srv/results", DefaultSerializer: "msgpack"}

func reviewDir(t *testing.T, dir string) *review.Report {
	t.Helper()
	r, err := review.Review(context.Background(), review.Config{Dir: dir, Settings: fixedSettings})
	if err != nil {
		t.Fatalf("Review(%s): %v", dir, err)
	}
	return r
}

// find returns the row of function fn called from flow ("" standalone); a
// flow whose call leaves the settings as standalone has no row of its own
// and is listed in the standalone row's SameIn.
func find(t *testing.T, r *review.Report, fn, from string) review.Row {
	t.Helper()
	for _, row := range r.Rows {
		if row.Func == fn && row.CalledFrom == from {
			return row
		}
	}
	for _, row := range r.Rows {
		if row.Func == fn && row.CalledFrom == "" {
			for _, s := range row.SameIn {
				if s == from {
					return row
				}
			}
		}
	}
	t.Fatalf("no row for %s called from %q", fn, from)
	return review.Row{}
}

// TestQuizAnswers checks the quiz's answers the way a reader would: where
// is each result stored, and why.
func TestQuizAnswers(t *testing.T) {
	type answer struct {
		fn, from  string
		persisted bool
		whyKind   rules.PersistKind
		storage   string
	}
	cases := []struct {
		dir, q1Storage string
		answers        []answer
		task3          string // the quiz's task returning nothing
	}{
		{dir: "testdata/quiz", q1Storage: "s3/prod", task3: "Print"},
		{dir: "../examples/quiz", q1Storage: "local:quiz-results", task3: "Log"},
	}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			r := reviewDir(t, c.dir)
			want := []answer{
				// Q1: the task sets nothing; the flow persists to its storage.
				{"Say", "Persisting", true, "inherited", c.q1Storage},
				// Q2: persist=false always wins, in the same flow.
				{"SayUnpersisted", "Persisting", false, "explicit", ""},
				// Q3: the flow has retries: a task returning a value persists...
				{"Say", "Retrying", true, "flow_retries", "local:/srv/results"},
				// ...one returning nothing does not, nor does the flow itself.
				{c.task3, "Retrying", false, "default", ""},
				{"Retrying", "", false, "default", ""},
				// outside any flow the task is not persisted
				{"Say", "", false, "default", ""},
			}
			if c.dir == "../examples/quiz" {
				want = append(want,
					// Q4 (the hands-on guide): the flow names a storage,
					// which persists the flow and, by inheritance, its
					// tasks: extract_user too (the newest seed; the guide
					// says not), extract_number with its retries, not
					// transform (persist=false).
					answer{"ExtractUser", "Club", true, "inherited", "local:quiz-dev"},
					answer{"ExtractNumber", "Club", true, "inherited", "local:quiz-dev"},
					answer{"Transform", "Club", false, "explicit", ""},
					answer{"Club", "", true, "inferred", "local:quiz-dev"})
			}
			for _, w := range want {
				row := find(t, r, w.fn, w.from)
				if row.Persisted != w.persisted || row.WhyKind != w.whyKind || row.Storage != w.storage {
					t.Errorf("%s in %q: persisted=%v why=%q (%s) storage=%q; want persisted=%v why kind %s storage %q",
						w.fn, w.from, row.Persisted, row.Why, row.WhyKind, row.Storage, w.persisted, w.whyKind, w.storage)
				}
			}
			if r.Errors != 0 {
				t.Errorf("errors = %d, want 0: %v", r.Errors, r.Findings)
			}
		})
	}
}

// TestGolden compares the formats with want.table, want.json, want.md,
// want.mermaid and want.dot (go test ./review -run Golden -update rewrites
// them).
func TestGolden(t *testing.T) {
	cases := []struct{ dir, golden string }{
		{"testdata/quiz", "testdata/quiz"},
		{"../examples/quiz", "testdata/examples-quiz"},
		{"../testdata/nested", "testdata/nested"},
	}
	for _, c := range cases {
		r := reviewDir(t, c.dir)
		for _, f := range []struct{ format, file string }{{"table", "want.table"}, {"json", "want.json"}, {"markdown", "want.md"}, {"mermaid", "want.mermaid"}, {"dot", "want.dot"}} {
			t.Run(c.golden+"/"+f.format, func(t *testing.T) {
				var buf bytes.Buffer
				if err := review.Write(&buf, r, f.format); err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(c.golden, f.file)
				if *update {
					if err := os.MkdirAll(c.golden, 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if !bytes.Equal(buf.Bytes(), want) {
					t.Errorf("%s differs from the review output (run with -update if the change is meant):\n%s", path, buf.String())
				}
			})
		}
	}
}

// TestJSONRoundTrip checks that the JSON format decodes back into a Report
// with the same answers.
func TestJSONRoundTrip(t *testing.T) {
	r := reviewDir(t, "testdata/quiz")
	var buf bytes.Buffer
	if err := review.Write(&buf, r, "json"); err != nil {
		t.Fatal(err)
	}
	var back review.Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Rows) != len(r.Rows) || back.Warnings != r.Warnings || len(back.Findings) != len(r.Findings) {
		t.Fatalf("round trip: %d rows %d warnings, want %d rows %d warnings", len(back.Rows), back.Warnings, len(r.Rows), r.Warnings)
	}
	for i := range back.Rows {
		if back.Rows[i].Why != r.Rows[i].Why || back.Rows[i].Storage != r.Rows[i].Storage {
			t.Errorf("row %d: %+v, want %+v", i, back.Rows[i], r.Rows[i])
		}
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	err := review.Write(new(bytes.Buffer), &review.Report{}, "yaml")
	if !errors.Is(err, review.ErrUnknownFormat) {
		t.Fatalf("err = %v, want ErrUnknownFormat", err)
	}
}

// TestFindingsAgree checks that Review and the analyzer share one engine:
// Review over the analyzer's test package reports the same positions.
func TestReviewFindings(t *testing.T) {
	r := reviewDir(t, "testdata/src/findings")
	if r.Errors == 0 || r.Warnings == 0 {
		t.Fatalf("errors=%d warnings=%d, want both", r.Errors, r.Warnings)
	}
	if !r.Failed(false) || !r.Failed(true) {
		t.Error("Failed = false with errors")
	}
	clean := reviewDir(t, "testdata/src/clean")
	if len(clean.Findings) != 0 || clean.Failed(true) {
		t.Errorf("clean package: %v", clean.Findings)
	}
	// The flow's call persists Summarize to the flow's storage, keyed by
	// its template.
	row := find(t, clean, "Summarize", "Report")
	if !row.Persisted || row.Storage != "s3/prod" || row.Key != "summaries/{parameters[year]}/{parameters[region]}" || row.Serializer != "json" {
		t.Errorf("Summarize in Report: %+v", row)
	}
}

// A persisted task keyed by a cache_policy with run_id (the default) says,
// in every format, that its records are reused only within one flow run;
// tasks keyed otherwise, or not persisted, say nothing of it.
func TestRunScopedReuse(t *testing.T) {
	r := reviewDir(t, "testdata/src/runscoped")
	const note = "reused only within one flow run (cache_policy has run_id)"
	scoped := map[string]bool{"Packed": true, "Dropped": true, "Kept": false, "Named": false, "Plain": false}
	for fn, want := range scoped {
		if row := find(t, r, fn, ""); (row.Reuse == note) != want || !want && row.Reuse != "" {
			t.Errorf("%s: reuse %q (policy %q, key %s, persisted %v); want run-scoped %v", fn, row.Reuse, row.CachePolicy, row.KeyKind, row.Persisted, want)
		}
	}
	for _, format := range []string{"table", "markdown", "json"} {
		var buf bytes.Buffer
		if err := review.Write(&buf, r, format); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if n := strings.Count(out, note); n != 2 {
			t.Errorf("%s: the note appears %d times, want once for each of Packed and Dropped:\n%s", format, n, out)
		}
		if format == "json" {
			continue
		}
		for line := range strings.SplitSeq(out, "\n") {
			for fn, want := range scoped {
				if strings.Contains(line, "task "+fn+" ") && strings.Contains(line, note) != want {
					t.Errorf("%s: the row of %s says run-scoped %v, want %v: %s", format, fn, !want, want, line)
				}
			}
		}
	}
}

// TestPictureEscapes checks that names and settings with the characters
// Mermaid and Graphviz read are escaped, and that a report without tasks
// still draws.
func TestPictureEscapes(t *testing.T) {
	r := &review.Report{Rows: []review.Row{
		{Package: "example.com/p", Kind: "flow", Func: "F", Persisted: true, Storage: `local:/a "b"#<c>`, Serializer: "json"},
		{Package: "example.com/p", Kind: "task", Func: "T", SameIn: []string{"F"}, Persisted: true, Storage: `local:/a "b"#<c>`, Serializer: "json", Compression: "zstd", CachePolicy: "inputs", CacheExpiration: "1h"},
	}}
	var m, d bytes.Buffer
	if err := review.Write(&m, r, review.FormatMermaid); err != nil {
		t.Fatal(err)
	}
	if want := `p0_flow_F -->|"persisted: local:/a #quot;b#quot;#35;#lt;c#gt;<br/>json+zstd<br/>cache: inputs, expires 1h"| p0_task_T`; !strings.Contains(m.String(), want) {
		t.Errorf("mermaid: no edge %s in\n%s", want, m.String())
	}
	if err := review.Write(&d, r, review.FormatDot); err != nil {
		t.Fatal(err)
	}
	if want := `p0_flow_F -> p0_task_T [label="persisted: local:/a \"b\"#<c>\njson+zstd\ncache: inputs, expires 1h"];`; !strings.Contains(d.String(), want) {
		t.Errorf("dot: no edge %s in\n%s", want, d.String())
	}
	m.Reset()
	if err := review.Write(&m, &review.Report{}, review.FormatMermaid); err != nil || !strings.Contains(m.String(), "no tasks or flows") {
		t.Errorf("mermaid of an empty report: %v\n%s", err, m.String())
	}
}

// TestREADMEFlowPicture checks that README's picture of the quiz example
// is what -format mermaid draws (testdata/examples-quiz/want.mermaid,
// which TestGolden keeps current).
func TestREADMEFlowPicture(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "examples-quiz", "want.mermaid"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "\n### Flow pictures\n")
	if !ok {
		t.Fatal(`README.md has no section "Flow pictures"`)
	}
	_, block, ok := strings.Cut(after, "\n```mermaid\n")
	block, _, closed := strings.Cut(block, "```\n")
	if !ok || !closed {
		t.Fatal(`README.md's "Flow pictures" has no mermaid block`)
	}
	if block != string(want) {
		t.Errorf("README.md's mermaid picture of the quiz differs from testdata/examples-quiz/want.mermaid:\n%s", block)
	}
}
