package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

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
// "go test -c" when test is set) into a binary in a temporary folder and
// returns its path: a test that runs one version of a program several
// times builds it once.
func buildProgram(t *testing.T, dir string, test bool) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "prog")
	args := []string{"build", "-o", bin, "."}
	if test {
		args = []string{"test", "-c", "-o", bin, "."}
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %v: %v\n%s", args, err, out)
	}
	return bin
}
