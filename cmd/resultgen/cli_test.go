package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// The dispatcher is the one place that prints a command's error, one
// "resultgen CMD: line" per line, and picks the exit code from its kind.
func TestDispatcherExit(t *testing.T) {
	for _, tt := range []struct {
		name           string
		err            error
		code           int
		stdout, stderr string
	}{
		{"ok", nil, exitOK, "", ""},
		{"failure", errors.New("boom"), exitProblems, "", "resultgen results ls: boom\n"},
		{"wrapped failure", fmt.Errorf("store: %w", errors.New("gone")), exitProblems, "", "resultgen results ls: store: gone\n"},
		{"usage", usagef("want one KEY"), exitUsage, "", "resultgen results ls: want one KEY\n"},
		{"wrapped usage", fmt.Errorf("x: %w", usagef("bad")), exitUsage, "", "resultgen results ls: x: bad\n"},
		{"joined usage", usageError{errors.Join(errors.New("a"), errors.New("nothing changed"))}, exitUsage, "", "resultgen results ls: a\nresultgen results ls: nothing changed\n"},
		{"reported", errReported, exitProblems, "", ""},
		{"help asked", helpError{text: "HELP\n", asked: true}, exitOK, "HELP\n", ""},
		{"help as usage", helpError{text: "HELP\n"}, exitUsage, "", "HELP\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			c := &cmdEnv{name: "resultgen results ls", stdout: &out, stderr: &errb}
			if code := c.exit(tt.err); code != tt.code || out.String() != tt.stdout || errb.String() != tt.stderr {
				t.Errorf("exit %d (want %d), stdout %q (want %q), stderr %q (want %q)", code, tt.code, out.String(), tt.stdout, errb.String(), tt.stderr)
			}
		})
	}
}

// Each group answers no command with its help (exit 2), -h with its help
// on stdout, an unknown command with the list of the commands, and every
// subcommand's -h with its help and flags on stdout.
func TestDispatcherGroups(t *testing.T) {
	configHome(t)
	for name, g := range groups {
		if code, out, errs := runCLI(name); code != exitUsage || out != "" || errs != g.help() {
			t.Errorf("%s: exit %d\n%s%s", name, code, out, errs)
		}
		if code, out, errs := runCLI(name, "-h"); code != exitOK || errs != "" || out != g.help() {
			t.Errorf("%s -h: exit %d\n%s", name, code, errs)
		}
		code, _, errs := runCLI(name, "nope")
		if code != exitUsage || !strings.HasPrefix(errs, "resultgen "+name+`: unknown command "nope"; the commands are `) {
			t.Errorf("%s nope: exit %d %q", name, code, errs)
		}
		for _, cmd := range g.commands {
			code, out, errs := runCLI(name, cmd.names[0], "-h")
			if code != exitOK || errs != "" || !strings.Contains(out, "Usage:") {
				t.Errorf("%s %s -h: exit %d\n%s%s", name, cmd.names[0], code, out, errs)
			}
		}
	}
}
