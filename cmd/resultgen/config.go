package main

// The "config" subcommand: it reads and changes the profile file
// $RESULTGEN_HOME/config.toml through runtime/settings.

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/resultgen/resultgen/runtime/settings"
)

const configUsage = `Usage:
  resultgen config set KEY=VALUE [KEY=VALUE ...]   set settings in the profile
  resultgen config unset KEY [KEY ...]             remove settings from the profile
  resultgen config view                            show each setting, its value and source

Settings come from the environment first, then the profile file
$RESULTGEN_HOME/config.toml (default ~/.resultgen/config.toml), then defaults.
set and unset change only the profile; a variable set in the environment still
wins, and view shows where each value came from (env, profile or default).
A relative RESULTGEN_LOCAL_STORAGE_PATH is stored as an absolute path.

Settings:
%s
Examples:
  resultgen config set RESULTGEN_RESULTS_PERSIST_BY_DEFAULT=true
  resultgen config set RESULTGEN_DEFAULT_RESULT_STORAGE=s3/prod RESULTGEN_RESULTS_DEFAULT_SERIALIZER=json
  resultgen config unset RESULTGEN_DEFAULT_RESULT_STORAGE
  resultgen config view

S3 credentials are not settings: they come from the standard AWS variables
(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_PROFILE) and files.
`

const configSetUsage = `Usage:
  resultgen config set KEY=VALUE [KEY=VALUE ...]

set writes settings into the profile $RESULTGEN_HOME/config.toml; a variable
set in the environment still wins. A relative RESULTGEN_LOCAL_STORAGE_PATH is
stored as an absolute path. Nothing is changed when one KEY=VALUE is bad.

Settings:
%s
Examples:
  resultgen config set RESULTGEN_RESULTS_PERSIST_BY_DEFAULT=true
  resultgen config set RESULTGEN_DEFAULT_RESULT_STORAGE=s3/prod RESULTGEN_RESULTS_DEFAULT_SERIALIZER=json
`

const configUnsetUsage = `Usage:
  resultgen config unset KEY [KEY ...]

unset removes settings from the profile $RESULTGEN_HOME/config.toml, so
the environment or the default decides them.

Examples:
  resultgen config unset RESULTGEN_DEFAULT_RESULT_STORAGE
`

const configViewUsage = `Usage:
  resultgen config view

view shows each setting, its value and where the value comes from (env,
profile or default), then the profile's storage blocks.

Examples:
  resultgen config view
`

// settingsList is the settings, one "  NAME  help" line each.
func settingsList() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, name := range append([]string{settings.Home}, settings.Names()...) {
		fmt.Fprintf(tw, "  %s\t%s\n", name, settings.Help(name))
	}
	tw.Flush()
	return b.String()
}

// configHelp is configUsage with the list of settings filled in.
func configHelp() string { return fmt.Sprintf(configUsage, settingsList()) }

// configSetHelp is configSetUsage with the list of settings filled in.
func configSetHelp() string { return fmt.Sprintf(configSetUsage, settingsList()) }

// refuseCredentials is a usage error when args hold a flag that looks like
// it passes a credential. resultgen never takes credentials on its command
// line: they would land in shell history and in config.toml.
func refuseCredentials(args []string) error {
	for _, a := range args {
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		flagText, _, _ := strings.Cut(a, "=")
		lower := strings.ToLower(flagText)
		for _, w := range []string{"secret", "password", "passwd", "token", "credential", "access", "key"} {
			if strings.Contains(lower, w) {
				return usagef("refusing %s: resultgen never takes credentials; %s", flagText, settings.CredentialsFix)
			}
		}
	}
	return nil
}

// openProfile opens the profile of the resultgen home the environment names.
func openProfile() (*settings.Profile, error) {
	home, err := settings.ResolveHome(os.LookupEnv)
	if err != nil {
		return nil, err
	}
	return settings.OpenProfile(home)
}

// envNote tells the user when the environment overrides a profile setting.
func envNote(key string, stderr io.Writer) {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		fmt.Fprintf(stderr, "note: %s=%q is set in the environment, which beats the profile\n", key, v)
	}
}

func configSet(c *cmdEnv, args []string) error {
	if err := refuseCredentials(args); err != nil {
		return err
	}
	fs := c.flags()
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("no KEY=VALUE given (see resultgen config -h)")
	}
	p, err := openProfile()
	if err != nil {
		return err
	}
	var keys []string
	var errs []error
	for _, kv := range fs.Args() {
		key, value, found := strings.Cut(kv, "=")
		switch {
		case !found:
			errs = append(errs, fmt.Errorf("%q is not KEY=VALUE; to remove a setting use resultgen config unset %s", kv, kv))
			continue
		case slices.Contains(keys, key):
			errs = append(errs, fmt.Errorf("%s is given twice", key))
			continue
		}
		if err := p.Set(key, value); err != nil {
			errs = append(errs, err)
			continue
		}
		keys = append(keys, key)
	}
	if errs != nil {
		return usageError{errors.Join(append(errs, errors.New("nothing changed"))...)}
	}
	if err := p.Save(); err != nil {
		return err
	}
	for _, key := range keys {
		v, _ := p.Get(key)
		fmt.Fprintf(c.stdout, "set %s=%s in %s\n", key, v, p.Path())
		envNote(key, c.stderr)
		switch {
		case key == settings.DefaultStorage && isSlug(v):
			if _, ok := p.Block(v); !ok {
				fmt.Fprintf(c.stderr, "note: the profile has no block %s yet; create it with resultgen block create %s ..., or register it in code with runtime.RegisterStorage\n", v, v)
			}
		case key == settings.DefaultSerializer && !slices.Contains(settings.BuiltinSerializers(), v):
			fmt.Fprintf(c.stderr, "note: %s is not a built-in serializer; programs must register it in code\n", v)
		}
	}
	return nil
}

func isSlug(s string) bool {
	_, _, err := settings.ParseSlug(s)
	return err == nil
}

func configUnset(c *cmdEnv, args []string) error {
	fs := c.flags()
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("no KEY given (see resultgen config -h)")
	}
	p, err := openProfile()
	if err != nil {
		return err
	}
	var removed, absent []string
	var errs []error
	for _, key := range fs.Args() {
		if strings.Contains(key, "=") {
			errs = append(errs, fmt.Errorf("give the KEY alone, not %q", key))
			continue
		}
		_, was := p.Get(key)
		if err := p.Unset(key); err != nil {
			errs = append(errs, err)
			continue
		}
		if was {
			removed = append(removed, key)
		} else {
			absent = append(absent, key)
		}
	}
	if errs != nil {
		return usageError{errors.Join(append(errs, errors.New("nothing changed"))...)}
	}
	if len(removed) > 0 {
		if err := p.Save(); err != nil {
			return err
		}
	}
	for _, key := range removed {
		fmt.Fprintf(c.stdout, "unset %s in %s\n", key, p.Path())
		envNote(key, c.stderr)
	}
	for _, key := range absent {
		fmt.Fprintf(c.stdout, "%s was not set in %s\n", key, p.Path())
		envNote(key, c.stderr)
	}
	return nil
}

func configView(c *cmdEnv, args []string) error {
	fs := c.flags()
	if err := fs.parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("takes no arguments, got %q", fs.Args())
	}
	s, err := settings.LoadFrom(os.LookupEnv)
	if err != nil {
		return err
	}
	profile := s.Profile
	if _, err := os.Stat(profile); errors.Is(err, os.ErrNotExist) {
		profile += " (not created yet)"
	}
	fmt.Fprintf(c.stdout, "profile: %s\n\n", profile)
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SETTING\tVALUE\tSOURCE")
	for _, name := range append([]string{settings.Home}, settings.Names()...) {
		v, src := s.Value(name)
		if name == settings.DefaultStorage && v == "" {
			v = "(local)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, v, src)
	}
	tw.Flush()
	blocks := make([]settings.Block, 0, len(s.Blocks))
	for _, slug := range slices.Sorted(maps.Keys(s.Blocks)) {
		blocks = append(blocks, s.Blocks[slug])
	}
	fmt.Fprintln(c.stdout)
	printBlocks(c.stdout, blocks, s.Profile)
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
