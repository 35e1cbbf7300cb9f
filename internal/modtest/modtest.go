// Package modtest makes throw-away Go modules that use this checkout of
// resultgen through a replace directive, as a user's module would: write
// code, run resultgen, build, run, edit, and run again. Tests of what
// happens across builds and processes (stale generated code, durable runs
// across versions) use it.
//
// A module needs nothing from the network: its go.sum is the checkout's, and
// every command runs with GOPROXY=off and GOWORK=off.
package modtest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Repo returns the root of this checkout.
func Repo() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("go env GOMOD: not inside the resultgen module")
	}
	return filepath.Dir(mod), nil
}

// FreshModule makes module path in dir, depending on the checkout at repo
// through a replace directive, with the checkout's own requirements and
// go.sum (which stands in for the checksum database).
func FreshModule(repo, dir, path string) error {
	gomod, err := os.ReadFile(filepath.Join(repo, "go.mod"))
	if err != nil {
		return err
	}
	reqs := regexp.MustCompile(`(?m)^\t(\S+ v\S+)`).FindAllSubmatch(gomod, -1)
	goVer := regexp.MustCompile(`(?m)^go \S+$`).Find(gomod)
	var m bytes.Buffer
	fmt.Fprintf(&m, "module %s\n\n%s\n\nrequire github.com/resultgen/resultgen v0.0.0\n\nrequire (\n", path, goVer)
	for _, r := range reqs {
		fmt.Fprintf(&m, "\t%s // indirect\n", r[1])
	}
	fmt.Fprintf(&m, ")\n\nreplace github.com/resultgen/resultgen => %s\n", repo)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), m.Bytes(), 0o644); err != nil {
		return err
	}
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644)
}

// Command runs name with args in dir, offline; the error carries the
// output.
func Command(dir string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

// Module is a throw-away module in a test's temporary folder.
type Module struct {
	t         testing.TB
	Dir       string
	resultgen string // built on first use
}

// New makes module path in a temporary folder with files (slash-separated
// paths relative to the module's root).
func New(t testing.TB, path string, files map[string]string) *Module {
	t.Helper()
	repo, err := Repo()
	if err != nil {
		t.Fatal(err)
	}
	m := &Module{t: t, Dir: stableDir(t, repo, path)}
	if err := FreshModule(repo, m.Dir, path); err != nil {
		t.Fatal(err)
	}
	for name, src := range files {
		m.Write(name, src)
	}
	return m
}

// stableDir returns an empty folder for t's module that is the same path
// in every run of t from this checkout (StableDir).
func stableDir(t testing.TB, repo, path string) string {
	pkg, _ := os.Getwd() // the test's package: go test runs a test binary there
	sum := sha256.Sum256([]byte(repo + "\x00" + pkg + "\x00" + path))
	base := filepath.Join(os.TempDir(), "resultgen-modtest")
	if err := os.MkdirAll(base, 0o755); err != nil {
		return t.TempDir()
	}
	return StableDir(t, base, hex.EncodeToString(sum[:6])+"-")
}

// StableDir returns an empty folder under parent, named prefix and a
// digest of t's name, that is the same path in every run of t and is
// removed when t ends: a build's cache key includes its folder, so go
// run's cache (Executable) holds the programs built there from one run to
// the next, and a warm run links none of them. When another process holds
// the folder (a lock file in the system's temporary folder), or it cannot
// be made, t gets a fresh
// folder under parent instead, as os.MkdirTemp(parent, prefix+"*") makes.
func StableDir(t testing.TB, parent, prefix string) string {
	t.Helper()
	sum := sha256.Sum256([]byte(t.Name()))
	dir := filepath.Join(parent, prefix+hex.EncodeToString(sum[:4]))
	fresh := func() string {
		d, err := os.MkdirTemp(parent, prefix+"*")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(d) })
		return d
	}
	locks := filepath.Join(os.TempDir(), "resultgen-modtest", "locks")
	if err := os.MkdirAll(locks, 0o755); err != nil {
		return fresh()
	}
	lsum := sha256.Sum256([]byte(dir))
	unlock, ok := lock(filepath.Join(locks, hex.EncodeToString(lsum[:8])))
	if !ok {
		return fresh()
	}
	if err := errors.Join(os.RemoveAll(dir), os.Mkdir(dir, 0o755)); err != nil {
		unlock()
		return fresh()
	}
	t.Cleanup(func() {
		os.RemoveAll(dir)
		unlock()
	})
	return dir
}

// Write writes a file of the module.
func (m *Module) Write(name, src string) {
	m.t.Helper()
	p := filepath.Join(m.Dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		m.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		m.t.Fatal(err)
	}
}

// Read reads a file of the module.
func (m *Module) Read(name string) string {
	m.t.Helper()
	b, err := os.ReadFile(filepath.Join(m.Dir, filepath.FromSlash(name)))
	if err != nil {
		m.t.Fatal(err)
	}
	return string(b)
}

// Edit replaces old, which must occur once, with new in a file of the
// module.
func (m *Module) Edit(name, old, new string) {
	m.t.Helper()
	src := m.Read(name)
	if strings.Count(src, old) != 1 {
		m.t.Fatalf("%s: %q is not there once", name, old)
	}
	m.Write(name, strings.Replace(src, old, new, 1))
}

// Resultgen runs resultgen with args in the module's root; it fails the
// test when resultgen fails.
func (m *Module) Resultgen(args ...string) {
	m.t.Helper()
	if err := m.TryResultgen(args...); err != nil {
		m.t.Fatal(err)
	}
}

// TryResultgen runs resultgen with args in the module's root.
func (m *Module) TryResultgen(args ...string) error {
	m.t.Helper()
	if m.resultgen == "" {
		repo, err := Repo()
		if err != nil {
			m.t.Fatal(err)
		}
		bin, err := Executable(repo, "./cmd/resultgen", m.t.TempDir())
		if err != nil {
			m.t.Fatal(err)
		}
		m.resultgen = bin
	}
	return Command(m.Dir, m.resultgen, args...)
}

// Build builds the package pkg ("./app") with flags and returns the
// program's path: go run's cache's copy (see Executable), which a later
// run of the test finds there while the module's code is the same.
func (m *Module) Build(pkg string, flags ...string) string {
	m.t.Helper()
	bin, err := Executable(m.Dir, pkg, m.t.TempDir(), flags...)
	if err != nil {
		m.t.Fatal(err)
	}
	return bin
}

// Output is what a run of a built program printed, and its exit code.
type Output struct {
	Stdout, Stderr string
	Exit           int
}

// Run runs bin in the module's root with env added to the test's
// environment.
func (m *Module) Run(bin string, env ...string) Output {
	m.t.Helper()
	out, err := Exec(m.Dir, append(os.Environ(), env...), bin)
	if err != nil {
		m.t.Fatal(err)
	}
	return out
}

// Exec runs bin with args in dir (the current folder when "") with exactly
// env, and returns what it printed and its exit code (-1 when killed by a
// signal); the error is for a program that could not be run.
func Exec(dir string, env []string, bin string, args ...string) (Output, error) {
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	out := Output{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		out.Exit = exit.ExitCode()
	case err != nil:
		return out, fmt.Errorf("%s: %w", bin, err)
	}
	return out, nil
}

// StartSelf starts the running test binary again, with args and with env
// added to the test's environment (a test of its own reads env and plays
// a part, such as a lock holder), and returns once the process prints the
// line ready. Its later output is read and dropped; it is killed when the
// test ends, and the temporary folders it made are removed. The test fails when the process ends before it is ready.
func StartSelf(t testing.TB, env []string, ready string, args ...string) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The process makes its temporary folders (t.TempDir) in one of the
	// test's, and is killed before it could remove them: the test's
	// cleanup does (t.Cleanup runs last in, first out).
	tmp := t.TempDir()
	cmd := exec.Command(self, args...)
	cmd.Env = append(append(os.Environ(), "TMPDIR="+tmp), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	var before []string
	for sc.Scan() {
		if sc.Text() == ready {
			go func() {
				for sc.Scan() {
				}
			}()
			return cmd
		}
		before = append(before, sc.Text())
	}
	t.Fatalf("%s %v ended before it printed %q: %q", filepath.Base(self), args, ready, before)
	return nil
}

// Executable returns the path of main package pkg (a package pattern such
// as "./cmd/resultgen", resolved in dir) built with the go command's flags
// (GOFLAGS included), taken from the build cache where go run keeps the
// programs it builds: a test run that finds the program there, as every
// run after the first does while its code is unchanged, links nothing (a
// link is about a second of CPU; make test's programs took 20 s of them).
// flags are build flags such as -trimpath, which also makes a package of
// a fresh temporary module the same program in every run. The file is the
// cache's: run it, never change it. A go command that does not cache
// programs gets one built into tmp.
func Executable(dir, pkg, tmp string, flags ...string) (string, error) {
	for range 2 { // the first go run of a program builds it in its own work folder, then caches it
		cmd := exec.Command("go", slices.Concat([]string{"run", "-exec", "echo"}, flags, []string{pkg})...)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			return "", fmt.Errorf("go run %s: %v\n%s", pkg, err, stderr)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if bin := lines[len(lines)-1]; filepath.IsAbs(bin) {
			if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() {
				return bin, nil
			}
		}
	}
	name := path.Base(pkg)
	if name == "." || name == ".." {
		name = "prog"
	}
	bin := filepath.Join(tmp, name)
	cmd := exec.Command("go", slices.Concat([]string{"build", "-o", bin}, flags, []string{pkg})...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin, nil
}
