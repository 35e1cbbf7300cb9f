package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/resultgen/resultgen/generator"
	"github.com/resultgen/resultgen/internal/fmtcache"
)

const usage = `resultgen generates typed wrappers for functions with //result: directives.

Usage:
  resultgen [-v] [-strict] [-tags TAGS] [packages]
                                                generate each package's result_gen.go
  resultgen check [-v] [-strict] [-tags TAGS] [packages]
                                                exit 1 when a result_gen.go is stale or missing
  resultgen review [-format F] [-strict] [pkgs] where each result goes, when, and why;
                                                F is table (default), json, markdown,
                                                mermaid or dot
  resultgen config set KEY=VALUE | view | unset KEY
                                                settings (environment, then config.toml)
  resultgen block ls | create | rm              named storage blocks such as s3/prod
  resultgen results ls | show | diff | verify | rm | prune | runs | rekey
                                                inspect and manage stored records,
                                                list named runs and their status
  resultgen help

"resultgen COMMAND -h" prints the help of a command ("resultgen results ls -h"
of one subcommand), with its flags.

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

const checkUsage = `resultgen check reports the packages whose result_gen.go is stale or missing,
without writing anything.

Usage:
  resultgen check [-v] [-strict] [-tags TAGS] [packages]

It loads the packages as resultgen does (default "."), prints
file: stale: run resultgen (or missing, or obsolete) for each file that
generating would change, and every problem generating finds, as
file:line:col: message. Exit status: 0 when every file is up to date, 1 when
one is not or there are problems (with -strict, review's warnings too), 2 on
usage errors.

Examples:
  resultgen check ./...
  resultgen check -strict -tags integration ./...
`

// runGenerate is "resultgen [packages]": generate each package's file.
func runGenerate(c *cmdEnv, args []string) error { return generate(c, args, false) }

// runCheck is "resultgen check": exit 1 when a file is stale or missing.
func runCheck(c *cmdEnv, args []string) error { return generate(c, args, true) }

// generate generates (check=false) or checks (check=true) packages. The
// problems it finds are reports, file:line:col: message or file: message,
// not command errors: it prints them as they are and returns errReported.
func generate(c *cmdEnv, args []string, check bool) error {
	fl := c.flags()
	verbose := fl.Bool("v", false, "print progress on stderr")
	tags := fl.String("tags", "", "comma-separated build tags")
	strict := fl.Bool("strict", false, "fail on review warnings too")
	if err := fl.parse(args); err != nil {
		return err
	}
	patterns := fl.Args()
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	for _, p := range patterns {
		if strings.HasPrefix(p, "-") {
			return usagef("flag %s must come before the packages", p)
		}
	}
	cfg, err := loadConfig(*tags, *verbose, c.stderr)
	if err != nil {
		return err
	}
	// Only generate and check format (review and prune -stale emit
	// nothing): the format cache is opened, and trimmed once a day, here.
	cfg.Format = fmtcache.Open(fmtcache.Dir(os.LookupEnv)).Source
	// Fast path for P6 of make bench (1,000 tasks): generating is short
	// and allocates a lot that dies young (jennifer's statements, the
	// printer's buffers), so the garbage collector runs less often, at a
	// fifth of the default's pace (GOGC=400), unless the user set GOGC. The
	// generator's own CPU fell from 596 to 448 ms on a first generation and
	// from 222 to 179 ms on a regeneration (measured beside a copy of
	// go/printer main did not take; README's P6 rows are of this code); its
	// peak RSS grows from about 55 to 80 MiB (debug.SetGCPercent is the process's, which is the
	// command's: restored when generate returns).
	if _, set := os.LookupEnv("GOGC"); !set {
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	wd := cfg.Dir
	res, err := generator.Generate(c.ctx, cfg, patterns...)
	if err != nil {
		return err
	}
	problems := printProblems(c.stderr, wd, res, *strict)
	failed := len(problems) > 0
	report := func(path, format string, args ...any) {
		fmt.Fprintf(c.stderr, "%s: %s\n", rel(wd, path), fmt.Sprintf(format, args...))
		failed = true
	}
	// a package with problems keeps the file it had
	files := res.Files[:0:0]
	for _, f := range res.Files {
		if !problems[filepath.Dir(f.Path)] {
			files = append(files, f)
		}
	}
	res.Files = files
	progress := func(path, what string) {
		if *verbose {
			fmt.Fprintf(c.stderr, "%s: %s\n", rel(wd, path), what)
		}
	}
	if check {
		for _, c := range res.Check() {
			switch c.State {
			case generator.Missing:
				report(c.Path, "missing: run resultgen")
			case generator.Unreadable:
				report(c.Path, "%v", c.Err)
			case generator.Stale:
				report(c.Path, "stale: run resultgen")
			case generator.Obsolete:
				report(c.Path, "stale: the package has no //result: directives; run resultgen to remove it")
			default:
				progress(c.Path, "up to date")
			}
		}
	} else {
		for _, f := range res.Files {
			old, err := os.ReadFile(f.Path)
			if err == nil && bytes.Equal(old, f.Content) {
				progress(f.Path, "unchanged")
				continue
			}
			if err := writeFile(f.Path, f.Content); err != nil {
				report(f.Path, "%v", err)
				continue
			}
			progress(f.Path, "written")
		}
		for _, p := range res.Obsolete {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				report(p, "%v", err)
				continue
			}
			progress(p, "removed (no directives left)")
		}
	}
	if failed {
		return errReported
	}
	return nil
}

// printProblems prints the generator's diagnostics, review's findings
// included, one "file:line:col: message" line each, and returns the folders
// of the packages that must not get a file: those with errors (and warnings
// under strict).
func printProblems(w io.Writer, wd string, res *generator.Result, strict bool) map[string]bool {
	failed := map[string]bool{}
	for _, d := range res.Diagnostics {
		fmt.Fprintln(w, d.Rel(wd))
		if !d.Warning || strict {
			failed[filepath.Dir(d.Pos.Filename)] = true
		}
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
