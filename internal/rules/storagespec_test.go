package rules_test

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/annotations"
	"github.com/resultgen/resultgen/internal/rules"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
)

var cases = []struct {
	in   string
	want rules.StorageSpec // Raw filled in by the test
	err  string            // a part of the message; "" when valid
}{
	{in: "", want: rules.StorageSpec{Kind: rules.StorageDefault}},
	{in: "local", want: rules.StorageSpec{Kind: rules.StorageLocal}},
	{in: "local:/srv/results", want: rules.StorageSpec{Kind: rules.StorageLocal, Path: "/srv/results"}},
	{in: "local:rel/dir", want: rules.StorageSpec{Kind: rules.StorageLocal, Path: "rel/dir"}},
	{in: "memory", want: rules.StorageSpec{Kind: rules.StorageMemory}},
	{in: "s3://results", want: rules.StorageSpec{Kind: rules.StorageS3, Bucket: "results"}},
	{in: "s3://results/prod/2026/", want: rules.StorageSpec{Kind: rules.StorageS3, Bucket: "results", Prefix: "prod/2026"}},
	{in: "s3/prod", want: rules.StorageSpec{Kind: rules.StorageBlock, BlockType: "s3", BlockName: "prod"}},
	{in: "local/scratch-1.v2", want: rules.StorageSpec{Kind: rules.StorageBlock, BlockType: "local", BlockName: "scratch-1.v2"}},
	{in: "gcs/prod", want: rules.StorageSpec{Kind: rules.StorageBlock, BlockType: "gcs", BlockName: "prod"}},

	{in: "local:", err: "local: needs a path"},
	{in: "local:a\x00b", err: "NUL"},
	{in: "s3://", err: "missing bucket name"},
	{in: "s3://ab", err: "3 to 63 characters"},
	{in: "s3://Results", err: "may hold only lowercase letters"},
	{in: "s3://my..bucket", err: `must not hold ".."`},
	{in: "s3://192.168.0.1", err: "IP address"},
	{in: "s3://AKIAEXAMPLE:Secret@results/p", err: "credentials do not belong"},
	{in: "s3://results/p?X-Amz-Signature=abc", err: "no query or fragment"},
	{in: "s3://results/a//b", err: "empty segment"},
	{in: "s3://results/../b", err: `".." segment`},
	{in: "s3://results/.locks", err: ".locks"},
	{in: "s3:results", err: "write s3://BUCKET/PREFIX"},
	{in: "ftp://host/x", err: `unknown scheme "ftp"`},
	{in: "s3/Prod", err: `block name "Prod"`},
	{in: "S3/prod", err: `block type "S3"`},
	{in: "s3/", err: `block name ""`},
	{in: "/prod", err: `block type ""`},
	{in: "locl", err: rules.StorageWant},
}

func TestParse(t *testing.T) {
	for _, c := range cases {
		got, err := rules.ParseStorage(c.in)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("Parse(%q): %v", c.in, err)
		case c.err == "":
			c.want.Raw = c.in
			if got != c.want {
				t.Errorf("Parse(%q) = %+v, want %+v", c.in, got, c.want)
			}
		case err == nil:
			t.Errorf("Parse(%q) = %+v, want an error containing %q", c.in, got, c.err)
		case !strings.Contains(err.Error(), c.err):
			t.Errorf("Parse(%q): %v; want %q in it", c.in, err, c.err)
		case strings.Contains(err.Error(), "Secret") || strings.Contains(err.Error(), "Amz-Signature=abc"):
			t.Errorf("Parse(%q): %v repeats a secret", c.in, err)
		}
	}
}

// TestOneGrammar: the directive parser, the settings, and the runtime
// accept and refuse the same storage specs, since all three parse with
// package spec.
func TestOneGrammar(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{settings.Home: filepath.Join(dir, "home"), settings.LocalStoragePath: filepath.Join(dir, "storage")}
	s, err := settings.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	e := runtime.NewEngine(s, runtime.WithLogger(slog.New(slog.DiscardHandler)))
	defer e.Close()
	for _, c := range cases {
		if c.in == "" || strings.HasPrefix(c.in, "local:") && c.err == "" || strings.HasPrefix(c.in, "s3://") && c.err == "" {
			continue // valid, but opening them would touch disks and buckets
		}
		valid := c.err == ""

		src := "package p\n\n//result:task storage=" + quote(c.in) + "\nfunc F() int { return 1 }\n"
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		_, errs := annotations.Parse(fset, f.Decls[0].(*ast.FuncDecl))
		if (len(errs) == 0) != valid {
			t.Errorf("directive storage=%q: errors %v, want valid=%v", c.in, errs, valid)
		}
		if err := settings.CheckStorageSpec(c.in); (err == nil) != valid {
			t.Errorf("settings: %q: %v, want valid=%v", c.in, err, valid)
		}
		_, err = e.OpenStorage(c.in)
		if grammar := err != nil && !errors.Is(err, runtime.ErrUnknownStorage); grammar == valid {
			t.Errorf("runtime: %q: %v, want valid=%v", c.in, err, valid)
		}
		_, err = runtime.OpenStorage(runtime.WithEngine(context.Background(), e), c.in)
		if grammar := err != nil && !errors.Is(err, runtime.ErrUnknownStorage); grammar == valid {
			t.Errorf("runtime.OpenStorage: %q: %v, want valid=%v", c.in, err, valid)
		}
	}
}

// quote writes a directive value: bare when it can be, else Go-quoted.
func quote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\"\x00") {
		return s
	}
	return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "\x00", `\x00`) + `"`
}
