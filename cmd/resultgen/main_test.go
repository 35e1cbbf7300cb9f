package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/resultgen/resultgen/internal/modtest"
	"github.com/resultgen/resultgen/runtime/settings"
)

// TestMain gives the whole test binary a fresh, empty resultgen home and
// clears the settings the environment may hold, so that a parallel test,
// which may not call t.Setenv, reads no user's profile: every command it
// runs names its store with -storage, and its programs get their settings
// through their own environment (programEnv).
func TestMain(m *testing.M) {
	home, err := os.MkdirTemp("", "resultgen-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv(settings.Home, filepath.Join(home, "rg"))
	for _, name := range settings.Names() {
		os.Unsetenv(name)
	}
	code := m.Run()
	os.RemoveAll(home)
	os.Exit(code)
}

// programEnv is the environment of a program a test runs: this process's,
// with the settings given ("KEY=VALUE") on top.
func programEnv(settings ...string) []string { return append(os.Environ(), settings...) }

// buildProgram builds the main package in dir (with its test files and
// "go test -c" when test is set) and returns the binary's path: a test
// that runs one version of a program several times builds it once. A
// program (not a test binary) comes from go run's cache
// (modtest.Executable): in tempPackage's folder, the same path every run,
// a warm run links nothing.
func buildProgram(t *testing.T, dir string, test bool) string {
	t.Helper()
	if !test {
		bin, err := modtest.Executable(dir, ".", t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return bin
	}
	bin := filepath.Join(t.TempDir(), "prog")
	args := []string{"test", "-c", "-o", bin, "."}
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %v: %v\n%s", args, err, out)
	}
	return bin
}
