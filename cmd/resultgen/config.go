package main

// The "config" and "block" subcommands: they read and change the profile
// file $RESULTGEN_HOME/config.toml through runtime/settings.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage"
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

const blockUsage = `Usage:
  resultgen block ls                                   list the named storage blocks
  resultgen block create s3/NAME --url s3://BUCKET/PREFIX [--endpoint URL] [--region R] [--insecure] [--force]
  resultgen block create local/NAME --path DIR [--force]
  resultgen block rm TYPE/NAME [TYPE/NAME ...]

A block is a named storage kept in $RESULTGEN_HOME/config.toml. Directives
(//result:task storage=s3/prod) and RESULTGEN_DEFAULT_RESULT_STORAGE name
blocks by their slug TYPE/NAME: TYPE is s3 or local, NAME is made of a-z, 0-9,
'.', '_' and '-' and starts with a letter or digit.

Examples:
  resultgen block create s3/prod --url s3://results/team-a
  resultgen block create s3/dev --url s3://results/dev --endpoint http://127.0.0.1:9000
  resultgen block create local/scratch --path /srv/scratch
  resultgen block ls
  resultgen block rm s3/dev

Blocks never hold credentials: S3 credentials come from the standard AWS
variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
AWS_PROFILE) and files (~/.aws/credentials). An endpoint is
http://HOST:PORT (plain HTTP), https://HOST:PORT (TLS) or a bare HOST:PORT
(TLS, or plain HTTP with --insecure); one left out comes from
AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, a region from AWS_REGION.
`

// runConfig runs "resultgen config ARGS" and returns the exit code.
func runConfig(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, configHelp())
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, configHelp())
		return exitOK
	case "set":
		return configSet(args[1:], stdout, stderr)
	case "unset":
		return configUnset(args[1:], stdout, stderr)
	case "view":
		return configView(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "resultgen config: unknown command %q; the commands are set, unset and view (see resultgen config -h)\n", args[0])
	return exitUsage
}

// configHelp is configUsage with the list of settings filled in.
func configHelp() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, name := range append([]string{settings.Home}, settings.Names()...) {
		fmt.Fprintf(tw, "  %s\t%s\n", name, settings.Help(name))
	}
	tw.Flush()
	return fmt.Sprintf(configUsage, b.String())
}

// subcommandFlags makes the flag set of one subcommand: errors and help go
// to stderr, help shows text.
func subcommandFlags(name, text string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, text)
		var hasFlags bool
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintf(stderr, "\nFlags of %s:\n", name)
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseExit turns a flag parse error into an exit code.
func parseExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

// refuseCredentials reports, and returns true, when args hold a flag that
// looks like it passes a credential. resultgen never takes credentials on
// its command line: they would land in shell history and in config.toml.
func refuseCredentials(cmd string, args []string, stderr io.Writer) bool {
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
				fmt.Fprintf(stderr, "%s: refusing %s: resultgen never takes credentials; %s\n", cmd, flagText, settings.CredentialsFix)
				return true
			}
		}
	}
	return false
}

// openProfile opens the profile of the resultgen home the environment names.
func openProfile(cmd string, stderr io.Writer) (*settings.Profile, bool) {
	home, err := settings.ResolveHome(os.LookupEnv)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
		return nil, false
	}
	p, err := settings.OpenProfile(home)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
		return nil, false
	}
	return p, true
}

// envNote tells the user when the environment overrides a profile setting.
func envNote(key string, stderr io.Writer) {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		fmt.Fprintf(stderr, "note: %s=%q is set in the environment, which beats the profile\n", key, v)
	}
}

func configSet(args []string, stdout, stderr io.Writer) int {
	const cmd = "resultgen config set"
	if refuseCredentials(cmd, args, stderr) {
		return exitUsage
	}
	fs := subcommandFlags(cmd, configHelp(), stderr)
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() == 0 {
		fmt.Fprintf(stderr, "%s: no KEY=VALUE given (see resultgen config -h)\n", cmd)
		return exitUsage
	}
	p, ok := openProfile(cmd, stderr)
	if !ok {
		return exitProblems
	}
	var keys []string
	bad := false
	for _, kv := range fs.Args() {
		key, value, found := strings.Cut(kv, "=")
		switch {
		case !found:
			fmt.Fprintf(stderr, "%s: %q is not KEY=VALUE; to remove a setting use resultgen config unset %s\n", cmd, kv, kv)
			bad = true
			continue
		case slices.Contains(keys, key):
			fmt.Fprintf(stderr, "%s: %s is given twice\n", cmd, key)
			bad = true
			continue
		}
		if err := p.Set(key, value); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
			bad = true
			continue
		}
		keys = append(keys, key)
	}
	if bad {
		fmt.Fprintf(stderr, "%s: nothing changed\n", cmd)
		return exitUsage
	}
	if err := p.Save(); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
		return exitProblems
	}
	for _, key := range keys {
		v, _ := p.Get(key)
		fmt.Fprintf(stdout, "set %s=%s in %s\n", key, v, p.Path())
		envNote(key, stderr)
		switch {
		case key == settings.DefaultStorage && isSlug(v):
			if _, ok := p.Block(v); !ok {
				fmt.Fprintf(stderr, "note: the profile has no block %s yet; create it with resultgen block create %s ..., or register it in code with runtime.RegisterStorage\n", v, v)
			}
		case key == settings.DefaultSerializer && !slices.Contains(settings.BuiltinSerializers(), v):
			fmt.Fprintf(stderr, "note: %s is not a built-in serializer; programs must register it in code\n", v)
		}
	}
	return exitOK
}

func isSlug(s string) bool {
	_, _, err := settings.ParseSlug(s)
	return err == nil
}

func configUnset(args []string, stdout, stderr io.Writer) int {
	const cmd = "resultgen config unset"
	fs := subcommandFlags(cmd, configHelp(), stderr)
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() == 0 {
		fmt.Fprintf(stderr, "%s: no KEY given (see resultgen config -h)\n", cmd)
		return exitUsage
	}
	p, ok := openProfile(cmd, stderr)
	if !ok {
		return exitProblems
	}
	var removed, absent []string
	bad := false
	for _, key := range fs.Args() {
		if strings.Contains(key, "=") {
			fmt.Fprintf(stderr, "%s: give the KEY alone, not %q\n", cmd, key)
			bad = true
			continue
		}
		_, was := p.Get(key)
		if err := p.Unset(key); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
			bad = true
			continue
		}
		if was {
			removed = append(removed, key)
		} else {
			absent = append(absent, key)
		}
	}
	if bad {
		fmt.Fprintf(stderr, "%s: nothing changed\n", cmd)
		return exitUsage
	}
	if len(removed) > 0 {
		if err := p.Save(); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
			return exitProblems
		}
	}
	for _, key := range removed {
		fmt.Fprintf(stdout, "unset %s in %s\n", key, p.Path())
		envNote(key, stderr)
	}
	for _, key := range absent {
		fmt.Fprintf(stdout, "%s was not set in %s\n", key, p.Path())
		envNote(key, stderr)
	}
	return exitOK
}

func configView(args []string, stdout, stderr io.Writer) int {
	const cmd = "resultgen config view"
	fs := subcommandFlags(cmd, configHelp(), stderr)
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: takes no arguments, got %q\n", cmd, fs.Args())
		return exitUsage
	}
	s, err := settings.LoadFrom(os.LookupEnv)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
		return exitProblems
	}
	profile := s.Profile
	if _, err := os.Stat(profile); errors.Is(err, os.ErrNotExist) {
		profile += " (not created yet)"
	}
	fmt.Fprintf(stdout, "profile: %s\n\n", profile)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
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
	fmt.Fprintln(stdout)
	printBlocks(stdout, blocks, s.Profile)
	return exitOK
}

// printBlocks lists blocks as a table, or says there are none.
func printBlocks(w io.Writer, blocks []settings.Block, profile string) {
	if len(blocks) == 0 {
		fmt.Fprintf(w, "no blocks in %s; create one with: resultgen block create s3/NAME --url s3://BUCKET/PREFIX\n", profile)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BLOCK\tLOCATION\tENDPOINT\tREGION\tINSECURE")
	for _, b := range blocks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%t\n", b.Slug, storage.Redact(b.URL), dash(storage.Redact(b.Endpoint)), dash(b.Region), b.PlainHTTP())
	}
	tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// runBlock runs "resultgen block ARGS" and returns the exit code.
func runBlock(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, blockUsage)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, blockUsage)
		return exitOK
	case "ls", "list":
		return blockList(args[1:], stdout, stderr)
	case "create":
		return blockCreate(args[1:], stdout, stderr)
	case "rm", "remove":
		return blockRemove(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "resultgen block: unknown command %q; the commands are ls, create and rm (see resultgen block -h)\n", args[0])
	return exitUsage
}

func blockList(args []string, stdout, stderr io.Writer) int {
	const cmd = "resultgen block ls"
	fs := subcommandFlags(cmd, blockUsage, stderr)
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: takes no arguments, got %q\n", cmd, fs.Args())
		return exitUsage
	}
	p, ok := openProfile(cmd, stderr)
	if !ok {
		return exitProblems
	}
	printBlocks(stdout, p.Blocks(), p.Path())
	return exitOK
}

// parseInterspersed parses flags that may come before or after the
// positional arguments ("create s3/prod --url ..."), and returns the
// positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
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

func blockCreate(args []string, stdout, stderr io.Writer) int {
	const cmd = "resultgen block create"
	if refuseCredentials(cmd, args, stderr) {
		return exitUsage
	}
	fs := subcommandFlags(cmd, blockUsage, stderr)
	url := fs.String("url", "", "s3 blocks: the bucket and prefix, `s3://BUCKET/PREFIX`")
	path := fs.String("path", "", "local blocks: the `folder` (a relative one is made absolute)")
	endpoint := fs.String("endpoint", "", "s3 blocks: the server, `URL` http://HOST:PORT, https://HOST:PORT or HOST:PORT (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or AWS)")
	region := fs.String("region", "", "s3 blocks: the `region` (default: AWS_REGION)")
	insecure := fs.Bool("insecure", false, "s3 blocks: plain HTTP instead of HTTPS for a bare HOST:PORT endpoint")
	force := fs.Bool("force", false, "replace a block with the same slug")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "%s: want one TYPE/NAME, got %d arguments (see resultgen block -h)\n", cmd, len(pos))
		return exitUsage
	}
	slug := pos[0]
	typ, _, err := settings.ParseSlug(slug)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
		return exitUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	b := settings.Block{Slug: slug, Endpoint: *endpoint, Region: *region, Insecure: *insecure}
	switch typ {
	case settings.BlockS3:
		if set["path"] {
			fmt.Fprintf(stderr, "%s: --path is for local blocks; an s3 block takes --url s3://BUCKET/PREFIX\n", cmd)
			return exitUsage
		}
		if *url == "" {
			fmt.Fprintf(stderr, "%s: an s3 block needs --url s3://BUCKET/PREFIX\n", cmd)
			return exitUsage
		}
		b.URL = *url
		// Only here can --insecure=false be told from no --insecure.
		if err := b.CheckEndpoint(set["insecure"]); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
			return exitUsage
		}
	case settings.BlockLocal:
		for _, f := range []string{"url", "endpoint", "region", "insecure"} {
			if set[f] {
				fmt.Fprintf(stderr, "%s: --%s is for s3 blocks; a local block takes --path DIR\n", cmd, f)
				return exitUsage
			}
		}
		if *path == "" {
			fmt.Fprintf(stderr, "%s: a local block needs --path DIR\n", cmd)
			return exitUsage
		}
		b.URL = *path
	}
	p, ok := openProfile(cmd, stderr)
	if !ok {
		return exitProblems
	}
	old, exists := p.Block(slug)
	if exists && !*force {
		fmt.Fprintf(stderr, "%s: block %s already exists (%s); pass --force to replace it, or remove it first with resultgen block rm %s\n", cmd, slug, old.URL, slug)
		return exitProblems
	}
	if err := p.SetBlock(b); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
		return exitUsage
	}
	if err := p.Save(); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
		return exitProblems
	}
	verb := "created"
	if exists {
		verb = "replaced"
	}
	nb, _ := p.Block(slug)
	fmt.Fprintf(stdout, "%s block %s (%s) in %s\n", verb, slug, storage.Redact(nb.URL), p.Path())
	return exitOK
}

func blockRemove(args []string, stdout, stderr io.Writer) int {
	const cmd = "resultgen block rm"
	fs := subcommandFlags(cmd, blockUsage, stderr)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return parseExit(err)
	}
	if len(pos) == 0 {
		fmt.Fprintf(stderr, "%s: no TYPE/NAME given (see resultgen block -h)\n", cmd)
		return exitUsage
	}
	pos = slices.Compact(slices.Sorted(slices.Values(pos)))
	for _, slug := range pos {
		if _, _, err := settings.ParseSlug(slug); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
			return exitUsage
		}
	}
	p, ok := openProfile(cmd, stderr)
	if !ok {
		return exitProblems
	}
	// Check every slug first, so an unknown one removes nothing and the
	// error names all the blocks there are.
	for _, slug := range pos {
		if _, ok := p.Block(slug); !ok {
			fmt.Fprintf(stderr, "%s: %v\n", cmd, p.RemoveBlock(slug))
			if len(pos) > 1 {
				fmt.Fprintf(stderr, "%s: nothing removed\n", cmd)
			}
			return exitProblems
		}
	}
	for _, slug := range pos {
		if err := p.RemoveBlock(slug); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
			return exitProblems
		}
	}
	if err := p.Save(); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
		return exitProblems
	}
	for _, slug := range pos {
		fmt.Fprintf(stdout, "removed block %s from %s\n", slug, p.Path())
		if v, _ := p.Get(settings.DefaultStorage); v == slug {
			fmt.Fprintf(stderr, "note: %s in the profile still names %s; change it with resultgen config set or unset\n", settings.DefaultStorage, slug)
		}
		if v, _ := os.LookupEnv(settings.DefaultStorage); v == slug {
			fmt.Fprintf(stderr, "note: %s in the environment still names %s\n", settings.DefaultStorage, slug)
		}
	}
	return exitOK
}
