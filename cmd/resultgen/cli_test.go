package main

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
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

// A mistyped command or setting gets a did-you-mean, from internal/suggest
// as everywhere else, and a usage error (exit 2), not a package lookup.
func TestDidYouMean(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"reveiw"}, `resultgen: unknown command "reveiw" (did you mean "review"?); give a command (`},
		{[]string{"chekc", "./..."}, `(did you mean "check"?)`},
		{[]string{"result", "ls"}, `(did you mean "results"?)`},
		{[]string{"results", "lss"}, `resultgen results: unknown command "lss" (did you mean "ls"?); the commands are ls, show, diff, verify, rm, prune, runs and rekey`},
		{[]string{"results", "purne"}, `(did you mean "prune"?)`},
		{[]string{"block", "crate"}, `(did you mean "create"?)`},
		{[]string{"config", "viwe"}, `(did you mean "view"?)`},
	} {
		code, out, errs := runCLI(tt.args...)
		if code != exitUsage || out != "" || !strings.Contains(errs, tt.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and %q", tt.args, code, out, errs, tt.want)
		}
	}
}

// An unknown setting names the one meant.
func TestConfigSetDidYouMean(t *testing.T) {
	configHome(t)
	for _, cmd := range [][]string{{"set", "RESULTGEN_LOGGING_LEVL=INFO"}, {"unset", "RESULTGEN_LOGGING_LEVL"}} {
		code, _, errs := call("config", cmd...)
		if code != exitUsage || !strings.Contains(errs, "did you mean RESULTGEN_LOGGING_LEVEL?") || !strings.Contains(errs, "nothing changed") {
			t.Errorf("config %q: exit %d\n%s", cmd, code, errs)
		}
	}
}

// Each subcommand's -h prints its own help: its synopsis, its flags and an
// example of it, and no other subcommand's synopsis. check -h is check's.
func TestSubcommandHelp(t *testing.T) {
	configHome(t)
	for name, g := range groups {
		for _, cmd := range g.commands {
			code, out, errs := runCLI(name, cmd.names[0], "-h")
			self := "resultgen " + name + " " + cmd.names[0]
			if code != exitOK || errs != "" || !strings.HasPrefix(out, "Usage:\n  "+self) || !strings.Contains(out, "Examples:\n  "+self) {
				t.Errorf("%s -h: exit %d, want its usage and an example of it\n%s%s", self, code, out, errs)
			}
			for _, other := range g.commands {
				if o := "  resultgen " + name + " " + other.names[0] + " "; other.names[0] != cmd.names[0] && strings.Contains(out, o) {
					t.Errorf("%s -h shows %q too:\n%s", self, o, out)
				}
			}
		}
	}
	code, out, _ := runCLI("check", "-h")
	if code != exitOK || !strings.Contains(out, "resultgen check [-v]") || strings.Contains(out, "resultgen review") || !strings.Contains(out, "Flags of resultgen check:") {
		t.Errorf("check -h: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI("results", "ls", "-h")
	if code != exitOK || !strings.Contains(out, "Flags of resultgen results ls:\n  -all") || strings.Contains(out, "-max-size") {
		t.Errorf("results ls -h: exit %d\n%s", code, out)
	}
}

// The top-level help names every command and subcommand, and every flag
// in any help is spelled the Go way, with one dash.
func TestHelpListsEverything(t *testing.T) {
	configHome(t)
	_, top, _ := runCLI("-h")
	for _, name := range topCommands() {
		if !strings.Contains(top, "resultgen "+name) {
			t.Errorf("resultgen -h does not list %s", name)
		}
	}
	doubleDash := regexp.MustCompile(`(^|\s)--[a-z]`)
	for name, g := range groups {
		for _, cmd := range g.commands {
			if !regexp.MustCompile(`resultgen ` + name + ` .*\b` + cmd.names[0] + `\b`).MatchString(top) {
				t.Errorf("resultgen -h does not list %s %s", name, cmd.names[0])
			}
			_, out, _ := runCLI(name, cmd.names[0], "-h")
			if m := doubleDash.FindString(out); m != "" {
				t.Errorf("%s %s -h spells a flag %q: use -flag", name, cmd.names[0], m)
			}
		}
		if m := doubleDash.FindString(g.help()); m != "" {
			t.Errorf("%s -h spells a flag %q: use -flag", name, m)
		}
	}
}
