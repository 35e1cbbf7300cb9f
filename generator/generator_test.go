package generator

import (
	"go/token"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dave/jennifer/jen"
	"github.com/resultgen/resultgen/internal/model"
)

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"90m", "90 * time.Minute"},
		{"1h", "time.Hour"},
		{"1500ms", "1500 * time.Millisecond"},
		{"3ns", "time.Duration(3)"},
	} {
		d, err := parseDuration(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(jen.Add(duration(d)).GoString()); got != tc.want {
			t.Errorf("duration(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestGenFileName(t *testing.T) {
	if GenFileName != model.GenFileName {
		t.Errorf("GenFileName %q, the model's %q", GenFileName, model.GenFileName)
	}
}

func TestDiagnosticString(t *testing.T) {
	d := Diagnostic{Pos: token.Position{Filename: "/m/p/a.go", Line: 4, Column: 2}, Message: "task F: bad"}
	if got := d.Rel("/m").String(); got != filepath.FromSlash("p/a.go")+":4:2: task F: bad" {
		t.Errorf("got %q", got)
	}
	if got := (Diagnostic{Message: "no position"}).String(); got != "no position" {
		t.Errorf("got %q", got)
	}
	w := Diagnostic{Pos: token.Position{Filename: "a.go", Line: 1, Column: 2}, Message: "task F: odd", Check: "key-params", Fix: "do this", Warning: true}
	if got := w.String(); got != "a.go:1:2: warning: task F: odd (fix: do this)" {
		t.Errorf("got %q", got)
	}
}

func parseDuration(s string) (d time.Duration, err error) { return time.ParseDuration(s) }
