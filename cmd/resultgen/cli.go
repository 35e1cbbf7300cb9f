package main

// The dispatcher: run finds the command the arguments name, runs it, and is
// the one place that prints a command's error and turns it into the exit
// code. Commands print their output and return an error.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"

	"github.com/resultgen/resultgen/internal/suggest"
)

// Exit codes.
const (
	exitOK       = 0
	exitProblems = 1 // diagnostics, stale files for check, failures
	exitUsage    = 2
)

// usageError is a command line the command cannot run (exit 2), as opposed
// to a failure while running it (exit 1).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef is a usageError with a formatted message.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// errReported fails a command (exit 1) whose output already says what
// went wrong, such as generate's file:line:col problems: run prints
// nothing more.
var errReported = errors.New("failed")

// helpError asks run to print a command's help: on stdout with exit 0 when
// it was asked for (-h, help), on stderr with exit 2 when the command line
// stopped short of a command ("resultgen results").
type helpError struct {
	text  string
	asked bool
}

func (e helpError) Error() string { return "help requested" }

// cmdEnv is what a command runs with.
type cmdEnv struct {
	ctx            context.Context
	name           string // "resultgen results ls": the prefix of its messages
	help           string // the command's help, which -h prints with its flags
	stdout, stderr io.Writer
}

// logf prints "NAME: message" on stderr: a note or a problem with one item
// that does not end the command.
func (c *cmdEnv) logf(format string, args ...any) {
	fmt.Fprintf(c.stderr, "%s: %s\n", c.name, fmt.Sprintf(format, args...))
}

// cmdFunc is a command: it returns nil, a usageError, a helpError,
// errReported, or the failure run prints.
type cmdFunc func(c *cmdEnv, args []string) error

// command is one subcommand of a group.
type command struct {
	names []string // the name, then aliases
	run   cmdFunc
	help  func() string // its own help: synopsis, what it does, examples
}

// text returns help for a command with a constant help text.
func text(s string) func() string { return func() string { return s } }

// group is a command with subcommands: "resultgen results ls".
type group struct {
	help     func() string
	commands []command
}

var groups = map[string]group{
	"config": {help: configHelp, commands: []command{
		{[]string{"set"}, configSet, configSetHelp},
		{[]string{"unset"}, configUnset, text(configUnsetUsage)},
		{[]string{"view"}, configView, text(configViewUsage)},
	}},
	"block": {help: text(blockUsage), commands: []command{
		{[]string{"ls", "list"}, blockList, text(blockLsUsage)},
		{[]string{"create"}, blockCreate, text(blockCreateUsage)},
		{[]string{"rm", "remove"}, blockRemove, text(blockRmUsage)},
	}},
	"results": {help: text(resultsUsage), commands: []command{
		{[]string{"ls", "list"}, resultsList, text(resultsLsUsage)},
		{[]string{"show"}, resultsShow, text(resultsShowUsage)},
		{[]string{"diff"}, resultsDiff, text(resultsDiffUsage)},
		{[]string{"verify"}, resultsVerify, text(resultsVerifyUsage)},
		{[]string{"rm", "remove"}, resultsRemove, text(resultsRmUsage)},
		{[]string{"prune"}, resultsPrune, text(resultsPruneUsage)},
		{[]string{"runs"}, resultsRuns, text(resultsRunsUsage)},
		{[]string{"rekey"}, resultsRekey, text(resultsRekeyUsage)},
	}},
}

// topCommands are the names resultgen's first argument may be, beside
// packages.
func topCommands() []string {
	names := []string{"check", "review", "help"}
	for name := range groups {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// bareWord matches a first argument that can only be meant as a command:
// a package pattern has a dot or a slash (".", "./...", "example.com/x"),
// and a bare standard library path is no package to generate.
func bareWord(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '-' {
			return false
		}
	}
	return s != ""
}

func isHelp(arg string) bool {
	return slices.Contains([]string{"help", "-h", "-help", "--help"}, arg)
}

// run is the whole command: it never panics and returns the exit code.
func run(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "resultgen: internal error: %v (this is a resultgen bug; please report it)\n", r)
			code = exitProblems
		}
	}()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	c := &cmdEnv{ctx: ctx, name: "resultgen", stdout: stdout, stderr: stderr}
	fn, args, err := resolve(c, args)
	if err == nil {
		err = fn(c, args)
	}
	return c.exit(err)
}

// resolve finds the command args name, sets c.name to it, and returns it
// with its arguments.
func resolve(c *cmdEnv, args []string) (cmdFunc, []string, error) {
	c.help = usage
	if len(args) == 0 {
		return runGenerate, args, nil
	}
	switch name := args[0]; {
	case isHelp(name):
		return nil, nil, helpError{text: usage, asked: true}
	case name == "check":
		c.name, c.help = "resultgen check", checkUsage
		return runCheck, args[1:], nil
	case name == "review":
		c.name, c.help = "resultgen review", reviewUsage
		return runReview, args[1:], nil
	}
	g, ok := groups[args[0]]
	if !ok {
		if bareWord(args[0]) {
			if hint := suggest.DidYouMean(args[0], topCommands()); hint != "" {
				return nil, nil, usagef("unknown command %q%s; give a command (%s) or packages to generate (see resultgen -h)",
					args[0], hint, suggest.OrList(topCommands()))
			}
		}
		return runGenerate, args, nil
	}
	c.name = "resultgen " + args[0]
	switch {
	case len(args) == 1:
		return nil, nil, helpError{text: g.help()}
	case isHelp(args[1]):
		return nil, nil, helpError{text: g.help(), asked: true}
	}
	var names, all []string
	for _, cmd := range g.commands {
		if slices.Contains(cmd.names, args[1]) {
			c.name += " " + cmd.names[0]
			c.help = cmd.help()
			return cmd.run, args[2:], nil
		}
		names = append(names, cmd.names[0])
		all = append(all, cmd.names...)
	}
	list := strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	return nil, nil, usagef("unknown command %q%s; the commands are %s (see %s -h)", args[1], suggest.DidYouMean(args[1], all), list, c.name)
}

// exit prints err, one "NAME: line" per line, and returns its exit code.
func (c *cmdEnv) exit(err error) int {
	var help helpError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &help) && help.asked:
		fmt.Fprint(c.stdout, help.text)
		return exitOK
	case errors.As(err, &help):
		fmt.Fprint(c.stderr, help.text)
		return exitUsage
	case errors.Is(err, errReported):
		return exitProblems
	}
	for line := range strings.SplitSeq(err.Error(), "\n") {
		c.logf("%s", line)
	}
	if errors.As(err, new(usageError)) {
		return exitUsage
	}
	return exitProblems
}

// flagSet is a command's flags. Parse errors come back as usage errors and
// -h as a helpError showing help and the flags; it prints nothing itself.
type flagSet struct {
	*flag.FlagSet
	help string
}

// flags makes the flag set of c, whose -h shows c's help and the flags.
func (c *cmdEnv) flags() *flagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flagSet{fs, c.help}
}

// parse parses args: all flags come before the arguments.
func (f *flagSet) parse(args []string) error {
	return f.check(f.Parse(args))
}

// parseInterspersed parses flags that may come before or after the
// positional arguments ("create s3/prod -url ..."), and returns the
// positional ones.
func (f *flagSet) parseInterspersed(args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.parse(args); err != nil {
			return nil, err
		}
		args = f.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func (f *flagSet) check(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		text := f.help
		var b strings.Builder
		f.SetOutput(&b)
		f.PrintDefaults()
		f.SetOutput(io.Discard)
		if b.Len() > 0 {
			text += "\nFlags of " + f.Name() + ":\n" + b.String()
		}
		return helpError{text: text, asked: true}
	}
	return usagef("%v (see %s -h)", err, f.Name())
}
