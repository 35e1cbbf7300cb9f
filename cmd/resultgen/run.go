package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"go/token"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"

	"github.com/resultgen/resultgen/generator"
	"github.com/resultgen/resultgen/review"
)

// Exit codes.
const (
	exitOK       = 0
	exitProblems = 1 // diagnostics, or stale files for check
	exitUsage    = 2
)

const usage = `resultgen generates typed wrappers for functions with //result: directives.

Usage:
  resultgen [-v] [-strict] [-tags TAGS] [packages]
                                                generate each package's result_gen.go
  resultgen check [-v] [-strict] [-tags TAGS] [packages]
                                                exit 1 when a result_gen.go is stale or missing
  resultgen review [-format F] [-strict] [pkgs] where each result goes, when, and why;
                                                F is table (default), json or markdown
  resultgen config set KEY=VALUE | view | unset KEY
                                                settings (environment, then config.toml)
  resultgen block ls | create | rm              named storage blocks such as s3/prod
  resultgen results ls | show | verify | rm | prune
                                                inspect and manage stored records
  resultgen help

Packages are go list patterns; the default is "." (under //go:generate, the
package being generated).

Examples:
  //go:generate go tool resultgen
  resultgen ./...
  resultgen check ./...
  resultgen review -format markdown ./...

Problems print as file:line:col: message, all of them, and exit 1: the
generator's own and every error review finds (judged with the built-in
settings, as resultvet does). Review's warnings print as
file:line:col: warning: message and fail only with -strict. A package with
problems keeps its previous result_gen.go; only changed files are written; a
package whose directives are all gone loses its result_gen.go.
`

// run is the whole command: it never panics and returns the exit code.
func run(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "resultgen: internal error: %v (this is a resultgen bug; please report it)\n", r)
			code = exitProblems
		}
	}()
	if len(args) > 0 {
		switch args[0] {
		case "help", "-h", "-help", "--help":
			fmt.Fprint(stdout, usage)
			return exitOK
		case "check":
			return runGenerate(args[1:], stdout, stderr, true)
		case "review":
			return runReview(args[1:], stdout, stderr)
		case "config":
			return runConfig(args[1:], stdout, stderr)
		case "block":
			return runBlock(args[1:], stdout, stderr)
		case "results":
			return runResults(args[1:], stdout, stderr)
		}
	}
	return runGenerate(args, stdout, stderr, false)
}

// runGenerate generates (check=false) or checks (check=true) packages.
func runGenerate(args []string, stdout, stderr io.Writer, check bool) int {
	name := "resultgen"
	if check {
		name = "resultgen check"
	}
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, usage) }
	verbose := fl.Bool("v", false, "print progress on stderr")
	tags := fl.String("tags", "", "comma-separated build tags")
	strict := fl.Bool("strict", false, "fail on review warnings too")
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	patterns := fl.Args()
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	for _, p := range patterns {
		if strings.HasPrefix(p, "-") {
			fmt.Fprintf(stderr, "%s: flag %s must come before the packages\n", name, p)
			return exitUsage
		}
	}
	cfg, err := loadConfig(*tags, *verbose, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitProblems
	}
	wd := cfg.Dir
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	res, err := generator.Generate(ctx, cfg, patterns...)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitProblems
	}
	rep, err := review.Review(ctx, review.Config{Config: cfg, Builtin: true}, patterns...)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitProblems
	}
	problems := printProblems(stderr, wd, res, rep, *strict)
	code := exitOK
	if len(problems) > 0 {
		code = exitProblems
	}
	// a package with problems keeps the file it had
	files := res.Files[:0:0]
	for _, f := range res.Files {
		if !problems[filepath.Dir(f.Path)] {
			files = append(files, f)
		}
	}
	res.Files = files
	if check {
		for _, f := range res.Files {
			old, err := os.ReadFile(f.Path)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				fmt.Fprintf(stderr, "%s: missing: run resultgen\n", rel(wd, f.Path))
				code = exitProblems
			case err != nil:
				fmt.Fprintf(stderr, "%s: %v\n", rel(wd, f.Path), err)
				code = exitProblems
			case !bytes.Equal(old, f.Content):
				fmt.Fprintf(stderr, "%s: stale: run resultgen\n", rel(wd, f.Path))
				code = exitProblems
			default:
				if *verbose {
					fmt.Fprintf(stderr, "%s: up to date\n", rel(wd, f.Path))
				}
			}
		}
		for _, p := range res.Obsolete {
			fmt.Fprintf(stderr, "%s: stale: the package has no //result: directives; run resultgen to remove it\n", rel(wd, p))
			code = exitProblems
		}
		return code
	}
	for _, f := range res.Files {
		old, err := os.ReadFile(f.Path)
		if err == nil && bytes.Equal(old, f.Content) {
			if *verbose {
				fmt.Fprintf(stderr, "%s: unchanged\n", rel(wd, f.Path))
			}
			continue
		}
		if err := writeFile(f.Path, f.Content); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", rel(wd, f.Path), err)
			code = exitProblems
			continue
		}
		if *verbose {
			fmt.Fprintf(stderr, "%s: written\n", rel(wd, f.Path))
		}
	}
	for _, p := range res.Obsolete {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(stderr, "%s: %v\n", rel(wd, p), err)
			code = exitProblems
			continue
		}
		if *verbose {
			fmt.Fprintf(stderr, "%s: removed (no directives left)\n", rel(wd, p))
		}
	}
	return code
}

// printProblems prints the generator's diagnostics and review's findings on
// what it generated, one "file:line:col: message" line each, sorted, and
// returns the folders of the packages that must not get a file: those with
// errors (and warnings under strict). A finding at a position the generator
// already reported is left out: it is the same problem seen twice (a
// directive that does not parse, say).
func printProblems(w io.Writer, wd string, res *generator.Result, rep *review.Report, strict bool) map[string]bool {
	type line struct {
		pos  token.Position
		text string
	}
	var lines []line
	failed := map[string]bool{}
	seen := map[token.Position]bool{}
	for _, d := range res.Diagnostics {
		lines = append(lines, line{d.Pos, d.Rel(wd).String()})
		seen[d.Pos] = true
		failed[filepath.Dir(d.Pos.Filename)] = true
	}
	for _, f := range rep.Findings {
		if seen[f.Pos] {
			continue
		}
		text := f.Position + ": " + f.Message + " (fix: " + f.Fix + ")"
		if f.Severity == review.Warning {
			text = f.Position + ": warning: " + f.Message + " (fix: " + f.Fix + ")"
		}
		lines = append(lines, line{f.Pos, text})
		if f.Severity == review.Error || strict {
			failed[filepath.Dir(f.Pos.Filename)] = true
		}
	}
	slices.SortStableFunc(lines, func(a, b line) int {
		return cmp.Or(cmp.Compare(a.pos.Filename, b.pos.Filename), cmp.Compare(a.pos.Line, b.pos.Line), cmp.Compare(a.pos.Column, b.pos.Column))
	})
	for _, l := range lines {
		fmt.Fprintln(w, l.text)
	}
	return failed
}

// writeFile replaces path atomically, so a reader never sees half a file.
func writeFile(path string, content []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".result_gen-*.go.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// rel is path relative to dir when that is shorter.
func rel(dir, path string) string {
	if r, err := filepath.Rel(dir, path); err == nil && len(r) < len(path) {
		return r
	}
	return path
}

// loadConfig is how every command that reads packages loads them: from the
// working directory, with -tags, and -v logging to stderr.
func loadConfig(tags string, verbose bool, stderr io.Writer) (generator.Config, error) {
	wd, err := os.Getwd()
	if err != nil {
		return generator.Config{}, err
	}
	cfg := generator.Config{Dir: wd}
	if tags != "" {
		cfg.BuildFlags = []string{"-tags=" + tags}
	}
	if verbose {
		cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return cfg, nil
}
