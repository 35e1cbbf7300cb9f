package runtime

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	goruntime "runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/srcunit"
	"github.com/resultgen/resultgen/internal/typeid"
)

// ErrStale is wrapped by the error of a run whose generated code
// (result_gen.go) no longer matches the code it was generated from: the
// result or a parameter type was changed and `go generate` was not run
// again. Nothing is loaded, decoded or stored; the message names the file
// and the type, and the fix is to run go generate.
var ErrStale = errors.New("result_gen.go is stale")

// Package is what a package's generated file was generated from, for the
// runtime's stale-code check. The generated file declares one, and each of
// its Defs points to it.
//
// The first run of any of the package's tasks or flows in a process checks,
// where the package's sources are on disk (go run, go test, a development
// build), that every declaration the package's code versions cover, and
// every directive, still has the hash it had at generation. Comments and
// layout do not count (package internal/srcunit); an edit of code does, and
// so does a dependency whose version in the binary is not the one the
// code versions name. A stale package is reported once, at WARN, naming
// the changed file and declaration; until it is generated again its tasks
// and flows compute their values and neither load nor store records (their
// State's PersistReason says why), and its named flow runs fail with
// ErrStale. Where the sources are absent (a deployed binary, -trimpath), the
// check is skipped.
type Package struct {
	Path string // import path
	// Dir is the package's folder relative to its module's root
	// ("." at the root).
	Dir string
	// Anchor is a function declared in the generated file: where the binary
	// says it is tells where the sources are.
	Anchor func()
	// Units lists what the check compares, one line each:
	// "KIND NAME HASH FILE" for a covered declaration (as in Def.Units),
	// "directive FUNC HASH FILE" for a function's directive lines
	// (srcunit.DirectiveHash), and "module PATH@VERSION" for a dependency;
	// FILE is relative to the module's root.
	Units []string

	once  sync.Once
	stale *staleness // nil when fresh or unchecked
}

// staleness is what made a package stale.
type staleness struct {
	genFile string // the generated file, as the binary names it
	what    string // "pipeline/clean.go: func normalize changed"
}

func (s *staleness) reason() string {
	return fmt.Sprintf("%s is stale (%s since it was generated): run go generate", s.genFile, s.what)
}

// staleCheck is the outcome of the source check, kept for the budget's report.
type staleCheck struct {
	skipped string        // why the check did not run; "" when it ran
	files   int           // source files read
	took    time.Duration // how long it took
}

// checkSources runs the source check once per process and returns the
// package's staleness (nil: fresh, or the sources are not on disk).
func (p *Package) checkSources(log *slog.Logger) *staleness {
	if p == nil {
		return nil
	}
	p.once.Do(func() {
		start := time.Now()
		st, c := p.check()
		c.took = time.Since(start)
		p.stale = st
		switch {
		case st != nil:
			log.Warn("generated code is stale: its tasks compute their results and neither load nor store records until it is generated again",
				slog.String("package", p.Path), slog.String("file", st.genFile), slog.String("changed", st.what),
				slog.String("fix", "run go generate ./"+strings.TrimPrefix(p.Dir, ".")+" from the module root"))
		case c.skipped != "":
			log.Debug("stale-code check skipped", slog.String("package", p.Path), slog.String("why", c.skipped))
		default:
			log.Debug("stale-code check", slog.String("package", p.Path), slog.Int("files", c.files), slog.Duration("took", c.took))
		}
	})
	return p.stale
}

// genFile is where the binary says the generated file is.
func (p *Package) genFile() string {
	if p.Anchor == nil {
		return p.Path + "/result_gen.go"
	}
	pc := reflect.ValueOf(p.Anchor).Pointer()
	fn := goruntime.FuncForPC(pc)
	if fn == nil {
		return p.Path + "/result_gen.go"
	}
	file, _ := fn.FileLine(pc)
	return file
}

// check compares p's units with the sources.
func (p *Package) check() (*staleness, staleCheck) { return p.checkAt(p.genFile()) }

// checkAt is check, for the generated file at gen.
func (p *Package) checkAt(gen string) (*staleness, staleCheck) {
	if !filepath.IsAbs(gen) {
		return nil, staleCheck{skipped: "built without source paths (-trimpath)"}
	}
	if _, err := os.Stat(gen); err != nil {
		return nil, staleCheck{skipped: "sources not on disk: " + err.Error()}
	}
	root := filepath.Dir(gen)
	if p.Dir != "" && p.Dir != "." {
		for range strings.Split(p.Dir, "/") {
			root = filepath.Dir(root)
		}
		if filepath.Join(root, filepath.FromSlash(p.Dir)) != filepath.Dir(gen) {
			return nil, staleCheck{skipped: "the generated file is not in the folder it was generated for"}
		}
	}
	stale := func(what string) (*staleness, staleCheck) {
		return &staleness{genFile: gen, what: what}, staleCheck{}
	}

	// The unit lines, grouped by the file they name; each file is read,
	// scanned and judged once, side by side: the scan is the check's cost.
	var units []*unitLine
	var modules []string
	files := map[string]*sourceFile{}
	var order []*sourceFile
	for _, line := range p.Units {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "module":
			if !strings.HasPrefix(f[1], "std@") { // the toolchain's: not in the build info
				modules = append(modules, f[1])
			}
		case len(f) == 4:
			sf := files[f[3]]
			if sf == nil {
				sf = &sourceFile{name: f[3], path: filepath.Join(root, filepath.FromSlash(f[3]))}
				files[f[3]], order = sf, append(order, sf)
			}
			u := &unitLine{kind: f[0], name: f[1], hash: f[2], file: f[3]}
			units, sf.units = append(units, u), append(sf.units, u)
		}
	}
	if len(modules) > 0 {
		deps := buildDeps()
		for _, m := range modules {
			path, version, _ := strings.Cut(m, "@")
			if have, ok := deps[path]; ok && have != version {
				return stale(fmt.Sprintf("module %s is %s in this build, %s in the generated code", path, have, version))
			}
		}
	}
	judgeAll(order)
	for _, u := range units {
		if u.changed != "" {
			return stale(u.changed)
		}
	}
	return nil, staleCheck{files: len(order)}
}

// unitLine is one "KIND NAME HASH FILE" line of Package.Units, and what
// the check found: changed says how it no longer holds ("" when it does).
type unitLine struct {
	kind, name, hash, file string
	changed                string
}

// sourceFile is one source file a package's units name.
type sourceFile struct {
	name, path string // as the units name it; on disk
	units      []*unitLine
}

// judgeAll judges the units of files, a file at a time, GOMAXPROCS files
// side by side.
func judgeAll(files []*sourceFile) {
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range min(goruntime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			w := &judger{} // one per worker: its memory serves file after file
			for i := int(next.Add(1) - 1); i < len(files); i = int(next.Add(1) - 1) {
				files[i].judge(w)
			}
		})
	}
	wg.Wait()
}

// judger is a worker's memory for judging files one after another: P7's
// check of 50 files allocated 2.1 MB (a fresh process's collector assisted
// in it); reusing the file buffer and the scanner's saves most of it.
type judger struct {
	sc  srcunit.Scanner
	buf []byte
}

// read reads the file at path into w's buffer, grown to the file's size
// when it is smaller.
func (w *judger) read(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := w.buf[:0]
	if fi, err := f.Stat(); err == nil && int64(cap(b)) <= fi.Size() && fi.Size() < 1<<30 {
		b = make([]byte, 0, fi.Size()+512) // room to see the end in the same read, as os.ReadFile
	}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			w.buf = b
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// judge reads and scans sf and sets the changed of each of its units.
func (sf *sourceFile) judge(w *judger) {
	sc := &w.sc
	src, err := w.read(sf.path)
	if err != nil {
		for _, u := range sf.units {
			u.changed = fmt.Sprintf("%s: %v", sf.name, err)
		}
		return
	}
	ds := sc.Decls(src)
	decls := make(map[string]srcunit.Decl, len(ds))
	for _, d := range ds {
		decls[d.Kind+" "+d.Name] = d
	}
	for _, u := range sf.units {
		if u.kind == "directive" {
			d, ok := decls[srcunit.Func+" "+u.name]
			if !ok {
				d, ok = decls[srcunit.Method+" "+u.name]
			}
			switch {
			case !ok:
				u.changed = fmt.Sprintf("%s: func %s is gone", sf.name, u.name)
			case srcunit.DirectiveHash(d.Directives) != u.hash:
				u.changed = fmt.Sprintf("%s: the directive of %s changed", sf.name, u.name)
			}
			continue
		}
		d, ok := findDecl(decls, u.kind, u.name)
		switch {
		case !ok:
			u.changed = fmt.Sprintf("%s: %s %s is gone", sf.name, u.kind, u.name)
		case sc.Hash(d, u.name, src) != u.hash:
			u.changed = fmt.Sprintf("%s: %s %s changed", sf.name, u.kind, u.name)
		}
	}
}

// findDecl finds the unit KIND NAME of a unit line in a file's decls. NAME
// is qualified with its import path when it is not the task's package's
// ("example.com/m/pkg.helper"); the file's decls are not.
func findDecl(decls map[string]srcunit.Decl, kind, name string) (srcunit.Decl, bool) {
	if d, ok := decls[kind+" "+name]; ok {
		return d, true
	}
	rest := name[strings.LastIndex(name, "/")+1:]
	for i := 0; i < len(rest); i++ {
		if rest[i] == '.' {
			if d, ok := decls[kind+" "+rest[i+1:]]; ok {
				return d, true
			}
		}
	}
	return srcunit.Decl{}, false
}

// buildDeps returns the modules this binary was built with, by path:
// "VERSION", or for a replaced module the form code versions use.
func buildDeps() map[string]string {
	out := map[string]string{}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return out
	}
	for _, m := range bi.Deps {
		if r := m.Replace; r != nil {
			if r.Version == "" {
				continue // a directory: its code is followed
			}
			if r.Path != m.Path {
				out[m.Path+"=>"+r.Path] = r.Version
				continue
			}
			out[m.Path] = r.Version
			continue
		}
		out[m.Path] = m.Version
	}
	return out
}

// defCheck is the outcome of a Def's first-use check.
type defCheck struct {
	err error // ErrStale when a type changed
}

// checkDef checks, at def's first use in the process, that R and the
// parameter types are those the generated code was made for; later calls
// cost one load.
func checkDef[R any](def *Def) error {
	if c := def.checked.Load(); c != nil {
		return c.err
	}
	return def.checkTypes(reflect.TypeFor[R]())
}

func (def *Def) checkTypes(r reflect.Type) error {
	c := &defCheck{err: def.typeError(r)}
	def.checked.CompareAndSwap(nil, c)
	return def.checked.Load().err
}

// typeError compares r and the parameter types with the fingerprints the
// generator computed.
func (def *Def) typeError(r reflect.Type) error {
	what := "task"
	if def.Kind == KindFlow {
		what = "flow"
	}
	stale := func(format string, args ...any) error {
		file := "result_gen.go"
		if def.Package != nil {
			file = def.Package.genFile()
		}
		return fmt.Errorf("%s %s: %w: %s since %s was generated; run go generate (nothing was loaded or stored)",
			what, def.Name, ErrStale, fmt.Sprintf(format, args...), file)
	}
	if def.TypeHash != "" && def.Value {
		if fp := typeid.OfReflect(r); fp.Hash() != def.TypeHash && !def.mainUnderTest(fp, def.TypeHash) {
			why := fmt.Sprintf("its result type %s changed", def.GoType)
			if d := record.CompareTypes(def.GoType, def.TypeDesc, def.GoType, fp.Canonical()); len(d) > 0 {
				for i := range d {
					d[i] = strings.TrimPrefix(d[i], "result type changed: ")
				}
				why += " (" + strings.Join(d, ", ") + ")"
			}
			return stale("%s", why)
		}
	}
	if len(def.ParamHashes) > 0 && def.ParamTypes != nil {
		ft := def.ParamTypes()
		if ft == nil || ft.Kind() != reflect.Func || ft.NumIn() != len(def.ParamHashes) {
			return stale("its parameters changed")
		}
		for i, h := range def.ParamHashes {
			if h == "" {
				continue
			}
			if fp := typeid.OfReflect(ft.In(i)); fp.Hash() != h && !def.mainUnderTest(fp, h) {
				name := fmt.Sprint(i + 1)
				if i < len(def.Params) {
					name = def.Params[i]
				}
				return stale("the type of its parameter %s (%s) changed", name, ft.In(i))
			}
		}
	}
	return nil
}

// mainUnderTest reports whether fp is the type whose fingerprint is want
// as `go test` sees a package main: in a test binary the package's types
// carry its import path, where a built program, and so the generator,
// writes "main" (see internal/typeid).
func (def *Def) mainUnderTest(fp typeid.Fingerprint, want string) bool {
	if def.Package == nil || def.Package.Path == "" {
		return false
	}
	c := fp.Canonical()
	alt := strings.ReplaceAll(c, def.Package.Path+".", "main.")
	return alt != c && typeid.FromCanonical(alt).Hash() == want
}

// sourcesStale reports the staleness of def's package (nil: fresh or not
// checkable), checking it at the package's first use.
func (e *Engine) sourcesStale(def *Def) *staleness {
	if def.Package == nil {
		return nil
	}
	return def.Package.checkSources(e.logger)
}

// staleErr is the error of a named flow run of a stale package.
func staleErr(name string, s *staleness) error {
	return fmt.Errorf("flow %s: %w: a named run needs its records: %s", name, ErrStale, s.reason())
}
