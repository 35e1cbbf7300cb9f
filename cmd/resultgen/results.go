package main

// The "results" subcommand: ls, show, verify, rm and prune over the records
// in a store, through package results.

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/results"
	storagespec "github.com/resultgen/resultgen/internal/storage/spec"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage"
)

const resultsUsage = `Usage:
  resultgen results ls [-storage SPEC] [-prefix P] [-task NAME] [-flow-run ID] [-all] [-summary] [-format table|json]
  resultgen results show [-storage SPEC] [-format text|json] [-value] KEY
  resultgen results diff [-storage SPEC] KEY1 KEY2
  resultgen results verify [-storage SPEC] [-prefix P] [-q] [KEY ...]
  resultgen results rm [-storage SPEC] [-force] KEY [KEY ...]
  resultgen results rm [-storage SPEC] (-task NAME | -flow NAME | -flow-run ID) [-dry-run]
  resultgen results prune [-storage SPEC] [-expired] [-older-than D] [-task NAME] [-flow NAME] [-prefix P] [-tmp] [-dry-run]
  resultgen results prune -stale [-storage SPEC] [-tags T] [-v] [-dry-run] [PACKAGES]
  resultgen results prune -max-size SIZE [-storage SPEC] [-prefix P] [-dry-run]
  resultgen results prune -uploads -older-than D [-storage SPEC] [-prefix P] [-dry-run]

Inspect and manage the result records programs stored.

  ls      one row per object: key, task, Go type, serializer (or "literal"),
          payload size, created, expires ("never", "EXPIRED" or the time).
          Objects that are not resultgen records show as "not a record".
          Reads record headers and trailers, never a payload. -all also
          lists the store's own files (local: temporary files of writes,
          left behind when a writer is killed, and lock files), marked
          "(temporary)" or "(lock)", with their age and whether they are in
          use or stale. -flow-run ID lists only the records of flow run
          ID (label flow_run_id): its tasks' results and, for a named run
          (runtime.RunID), the run's own result at .runs/FLOW/ID. -summary
          prints one row per task instead: records, bytes and last use (a
          hit refreshes a record's last use at most once an hour), largest
          first, and the total. Exits 1 when an object is a damaged or
          unreadable record (resultgen results verify tells more).
  show    the full metadata of one record; -value also decodes the value and
          prints it as JSON (msgpack and json records; gob needs the Go type,
          so for gob only the metadata is shown). "code version" is the
          code that wrote the record, where it says (a named run's result:
          its flow's). Task records also show their key manifest: what the
          key was made of (policy, each parameter's hash, never its value,
          code version and what it covers, run id, storage_key template).
  diff    what differs between two records' key manifests and result types,
          in the words of RESULTGEN_EXPLAIN_MISSES: "parameter n changed",
          "code changed: func normalize (pipeline/clean.go:42)", "result type
          changed: field Total added".
  verify  reads every record (or those named) whole and checks its CRCs,
          length and SHA-256; prints OK or the problem per key, progress on
          stderr, and exits 1 when an object is not an intact record:
          corrupt, truncated, of an unsupported version, or not a record
          resultgen can show it wrote (NOT A RECORD: a file of someone
          else's, an empty or zero-filled one, a record of ours cut short
          before its header's CRC; runs never overwrite it, so every run of
          its key fails until it is moved or removed with rm -force), or
          when a named key is missing.
          On S3 it also lists the store's incomplete multipart uploads (key,
          start, age, size): writers still at work, or killed mid-upload,
          whose parts are kept (and billed on AWS) until aborted. Those
          older than 24h are counted as problems ("STALE UPLOAD"); younger
          ones may be in progress in another process and are not.
  rm      removes the named records; nothing is removed when a key is
          invalid, missing or not a record (-force removes such objects too).
          -task NAME removes every record of the task (or flow) NAME, -flow
          NAME those of the flow NAME and of the tasks its runs ran (a flow
          run name such as brave-otter selects one run), with the tasks'
          index objects; -flow-run ID every record of flow run ID (what ls
          -flow-run ID lists), so a named run starts over on its next call
          (do not forget a run while a process runs it); -dry-run lists
          what would be removed.
  prune   removes the records matching every criterion given; at least one
          of -expired, -older-than, -task and -tmp is required. -tmp removes
          the store's stale own files: temporary files whose writer is gone
          (at once when it ran on this machine since its last boot, else
          once unwritten for an hour with no process of its pid here), and
          idle lock files; never those in use, nor a file of yours that
          merely starts with .tmp-. -dry-run only prints what would be
          removed.
          With -uploads it aborts the S3 store's incomplete uploads started
          more than -older-than ago instead (-older-than 0s: all, even ones
          in progress), and touches no record.
          -stale loads PACKAGES (default ./...) like resultgen check, with
          its -tags and -v, and removes the records their code can no
          longer produce: of a task or flow that no longer exists in a
          loaded package, of another result type than it now returns, or
          (when the key has the task_source part) of another code version.
          Records of packages not loaded, or with generate errors, are kept.
          -max-size SIZE (e.g. 500MB, 2GiB) removes the least recently
          used records until the records take at most SIZE.

SPEC is a storage spec as in directives: local (the default:
RESULTGEN_LOCAL_STORAGE_PATH), local:PATH, s3://BUCKET/PREFIX or a block slug
TYPE/NAME (see resultgen block ls). Without -storage the settings' default
storage (RESULTGEN_DEFAULT_RESULT_STORAGE) is used. S3 credentials come from
the standard AWS variables and files.

Examples:
  resultgen results ls
  resultgen results ls -storage s3/prod -task load-rows -format json
  resultgen results show -value reports/2026/q1.msgpack
  resultgen results verify -storage local:./cache
  resultgen results rm reports/2026/q1.msgpack
  resultgen results ls -flow-run order-42
  resultgen results rm -flow-run order-42 -dry-run
  resultgen results prune -expired
  resultgen results prune -older-than 30d -task load-rows -dry-run
  resultgen results prune -tmp
  resultgen results diff 3f1c...a9 77b0...12
  resultgen results rm -flow etl -dry-run
  resultgen results prune -stale -dry-run ./...
  resultgen results prune -max-size 10GiB
  resultgen results prune -storage s3/prod -uploads -older-than 24h

Exit status: 0 when all went well, 1 on problems (missing, damaged or
unreadable records, store errors), 2 on usage errors.
`

// resultsStore opens the store a -storage flag names, and returns a
// function that closes what was opened. A local folder that does not exist
// is not created: it is an empty store. The keys the command names are
// checked first (a usage error).
func resultsStore(c *cmdEnv, spec string, keys ...string) (storage.Storage, func(), error) {
	if err := checkKeys(keys...); err != nil {
		return nil, nil, err
	}
	s, err := settings.Load()
	if err != nil {
		return nil, nil, err
	}
	if spec == "" {
		spec = s.DefaultStorage
	}
	if spec == "" {
		spec = "local"
	}
	if spec == "memory" {
		fmt.Fprintf(c.stderr, "note: memory storage lives inside one program run; here it is always empty\n")
	}
	if dir, ok := localFolder(spec, s); ok && dir != "" {
		st, err := storage.OpenLocal(dir, storage.LocalOptions{NoCreate: true})
		if err != nil {
			return nil, nil, err
		}
		return st, func() { st.Close() }, nil
	}
	e := runtime.NewEngine(s)
	st, err := e.OpenStorage(spec)
	if err != nil {
		e.Close()
		return nil, nil, err
	}
	return st, func() { e.Close() }, nil
}

// localFolder returns the folder of a local storage spec.
func localFolder(spec string, s settings.Settings) (string, bool) {
	sp, err := storagespec.Parse(spec)
	switch {
	case err != nil:
	case sp.Kind == storagespec.Local && sp.Path == "":
		return s.LocalStoragePath, true
	case sp.Kind == storagespec.Local:
		return sp.Path, true
	case sp.Kind == storagespec.Block && sp.BlockType == settings.BlockLocal:
		if b, ok := s.Blocks[spec]; ok {
			return b.URL, true
		}
	}
	return "", false
}

// storageFlag adds the -storage flag every results command takes.
func storageFlag(fs interface {
	String(name, value, usage string) *string
}) *string {
	return fs.String("storage", "", "the store: local, local:PATH, s3://BUCKET/PREFIX or a block `SPEC` TYPE/NAME (default: the settings' default storage)")
}

func checkFormat(format string, allowed []string) error {
	if !slices.Contains(allowed, format) {
		return usagef("unknown -format %q (want %s)", format, strings.Join(allowed, " or "))
	}
	return nil
}

// invalidKeys joins the errors of the keys that are not valid storage
// keys; nil when all are.
func invalidKeys(keys ...string) error {
	var errs []error
	for _, k := range keys {
		errs = append(errs, storage.ValidateKey(k))
	}
	return errors.Join(errs...)
}

// checkKeys is invalidKeys as a usage error.
func checkKeys(keys ...string) error {
	if err := invalidKeys(keys...); err != nil {
		return usageError{err}
	}
	return nil
}

func checkPrefix(prefix string) error {
	if err := storage.ValidatePrefix(prefix); err != nil {
		return usagef("-prefix: %v", err)
	}
	return nil
}

func resultsList(c *cmdEnv, args []string) error {
	fs := c.flags(resultsUsage)
	spec := storageFlag(fs)
	prefix := fs.String("prefix", "", "only keys starting with `P`")
	task := fs.String("task", "", "only records of the task or flow `NAME`")
	flowRun := fs.String("flow-run", "", "only records of the flow run `ID`")
	format := fs.String("format", "table", "output `format`: table or json")
	all := fs.Bool("all", false, "also list the store's own temporary and lock files")
	summary := fs.Bool("summary", false, "one row per task: records, bytes, last use")
	pos, err := fs.parseInterspersed(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("takes no arguments, got %q (filter keys with -prefix)", pos)
	}
	if err := cmp.Or(checkFormat(*format, []string{"table", "json"}), checkPrefix(*prefix)); err != nil {
		return err
	}
	st, done, err := resultsStore(c, *spec)
	if err != nil {
		return err
	}
	defer done()

	var entries []results.Entry
	for e, err := range results.List(c.ctx, st, results.ListOptions{Prefix: *prefix, Task: *task, FlowRun: *flowRun}) {
		if err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
		entries = append(entries, e)
	}
	if *summary {
		return printSummary(c.stdout, results.Summarize(entries), *format)
	}
	if *all {
		for e, err := range results.ListTemps(c.ctx, st) {
			if err != nil {
				return fmt.Errorf("%s: %w", st, err)
			}
			entries = append(entries, e)
		}
	}
	if *format == "json" {
		if entries == nil {
			entries = []results.Entry{}
		}
		if err := writeJSON(c.stdout, entries); err != nil {
			return err
		}
		if n := countDamaged(entries); n > 0 {
			return fmt.Errorf("%s damaged or unreadable; check with resultgen results verify", plural(n, "object"))
		}
		return nil
	}
	if len(entries) == 0 {
		what := "objects"
		if *task != "" {
			what = "records of task " + strconv.Quote(*task)
		}
		if *flowRun != "" {
			what = "records of flow run " + strconv.Quote(*flowRun)
			if *task != "" {
				what += " and task " + strconv.Quote(*task)
			}
		}
		fmt.Fprintf(c.stderr, "no %s in %s\n", what, st)
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tTASK\tTYPE\tSERIALIZER\tSIZE\tCREATED\tEXPIRES")
	var damaged []results.Entry
	now := time.Now()
	for _, e := range entries {
		if t := e.Temp; t != nil {
			kind := "(temporary)"
			if t.Kind == storage.TempLock {
				kind = "(lock)"
			}
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t%s\t%s\t%s\n", e.Key, kind, results.FormatSize(e.ObjectSize),
				results.FormatTime(e.Modified), results.TempState(*t, now))
			continue
		}
		if e.Status != results.StatusRecord {
			size := results.FormatSize(e.ObjectSize)
			fmt.Fprintf(tw, "%s\t(%s)\t-\t-\t%s\t-\t-\n", e.Key, e.Status, size)
			if e.Status != results.StatusNotRecord {
				damaged = append(damaged, e)
			}
			continue
		}
		m := e.Meta
		size := "?"
		if n, ok := e.PayloadSize(); ok {
			size = results.FormatSize(n)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Key, dash(m.Task), dash(m.GoType),
			results.FormatSerializer(m), size, results.FormatTime(m.Created), results.FormatExpires(m, e.Expired))
	}
	tw.Flush()
	for _, e := range damaged {
		c.logf("%s: %v", e.Key, e.Err)
	}
	if len(damaged) > 0 {
		return fmt.Errorf("%s damaged or unreadable; check with resultgen results verify", plural(len(damaged), "object"))
	}
	return nil
}

// countDamaged counts the entries that are damaged or unreadable records.
func countDamaged(entries []results.Entry) int {
	n := 0
	for _, e := range entries {
		if e.Temp == nil && e.Status != results.StatusRecord && e.Status != results.StatusNotRecord {
			n++
		}
	}
	return n
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func resultsShow(c *cmdEnv, args []string) error {
	fs := c.flags(resultsUsage)
	spec := storageFlag(fs)
	format := fs.String("format", "text", "output `format`: text or json")
	withValue := fs.Bool("value", false, "also decode the value and print it as JSON")
	pos, err := fs.parseInterspersed(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one KEY, got %d arguments (see resultgen results -h)", len(pos))
	}
	key := pos[0]
	if err := checkKeys(key); err != nil {
		return err
	}
	if err := checkFormat(*format, []string{"text", "json"}); err != nil {
		return err
	}
	st, done, err := resultsStore(c, *spec)
	if err != nil {
		return err
	}
	defer done()

	e, err := results.Show(c.ctx, st, key, time.Now())
	if err != nil {
		return err
	}
	if e.Status != results.StatusRecord {
		return e.Err
	}
	shown := results.Shown{Entry: e, WithValue: *withValue}
	if *withValue {
		shown.Value, _, shown.ValueErr = results.Value(c.ctx, st, key)
		if shown.ValueErr != nil && !errors.Is(shown.ValueErr, results.ErrNeedsType) {
			// The record is damaged past its header and trailer, or the
			// payload does not decode: say so and show nothing more.
			return shown.ValueErr
		}
	}
	return results.WriteShow(c.stdout, shown, *format)
}

// verifyProgress reports verify's progress on stderr every `every` records
// or `interval`, whichever comes first.
type verifyProgress struct {
	w        io.Writer
	every    int
	interval time.Duration
	now      func() time.Time

	start, last time.Time
	n, bad      int
	bytes       int64
}

func (p *verifyProgress) add(c results.Check, failed bool) {
	if p.start.IsZero() {
		p.start = p.now()
		p.last = p.start
	}
	p.n++
	p.bytes += c.Read
	if failed {
		p.bad++
	}
	t := p.now()
	if p.n%p.every == 0 || t.Sub(p.last) >= p.interval {
		p.last = t
		fmt.Fprintf(p.w, "verify: %d checked, %d failed, %s read, %s\n", p.n, p.bad, results.FormatSize(p.bytes), t.Sub(p.start).Round(time.Second))
	}
}

func resultsVerify(c *cmdEnv, args []string) error {
	fs := c.flags(resultsUsage)
	spec := storageFlag(fs)
	prefix := fs.String("prefix", "", "only keys starting with `P` (when no KEY is named)")
	quiet := fs.Bool("q", false, "print only the records with a problem")
	keys, err := fs.parseInterspersed(args)
	if err != nil {
		return err
	}
	if len(keys) > 0 && *prefix != "" {
		return usagef("give KEYs or -prefix, not both")
	}
	if err := checkPrefix(*prefix); err != nil {
		return err
	}
	st, done, err := resultsStore(c, *spec, keys...)
	if err != nil {
		return err
	}
	defer done()

	named := len(keys) > 0
	var checks iter.Seq2[results.Check, error]
	if named {
		checks = func(yield func(results.Check, error) bool) {
			for _, k := range keys {
				if !yield(results.VerifyKey(c.ctx, st, k), nil) {
					return
				}
			}
		}
	} else {
		checks = results.Verify(c.ctx, st, results.VerifyOptions{Prefix: *prefix})
	}
	progress := &verifyProgress{w: c.stderr, every: 1000, interval: 5 * time.Second, now: time.Now}
	var intact, failed, foreign int
	ok := true // false: the store could not be listed, or keeps stale uploads
	for chk, err := range checks {
		if err != nil {
			c.logf("%s: %v", st, err)
			ok = false
			break
		}
		// Every object at a record key that is not an intact record fails:
		// a foreign one too, since every run of its key fails on it.
		prob := chk.Problem()
		if prob == results.ProblemNone {
			intact++
			if !*quiet {
				fmt.Fprintf(c.stdout, "OK\t%s\t%s\n", chk.Key, results.FormatSize(chk.Meta.Size))
			}
		} else {
			failed++
			if prob == results.ProblemNotRecord {
				foreign++
			}
			fmt.Fprintf(c.stdout, "%s\t%s\t%v\n", strings.ToUpper(string(prob)), chk.Key, chk.Err)
		}
		progress.add(chk, prob != results.ProblemNone)
	}
	if foreign > 0 {
		c.logf("%s %s not resultgen records, or none it can show it wrote (NOT A RECORD above); resultgen never overwrites them, "+
			"so every run of their keys fails: move them away, or remove them with resultgen results rm -force KEY",
			plural(foreign, "object"), isAre(foreign))
	}
	// The lines above are the report; errReported fails the command.
	if !named && ok {
		uploads, stale, listed := verifyUploads(c, st, *prefix, *quiet)
		ok = listed && stale == 0
		if uploads > 0 && intact+failed == 0 {
			c.logf("no records in %s", st)
			return reported(ok)
		}
	}
	if intact+failed == 0 && ok {
		c.logf("no records in %s", st)
		return nil
	}
	c.logf("%d intact, %d with problems", intact, failed)
	return reported(ok && failed == 0)
}

// reported is nil when ok, else errReported: a command whose printed
// report says what failed.
func reported(ok bool) error {
	if ok {
		return nil
	}
	return errReported
}

// verifyUploads prints the incomplete uploads of st under prefix (only the
// stale ones when quiet) and a summary on stderr; ok is false when they
// could not be listed.
func verifyUploads(c *cmdEnv, st storage.Storage, prefix string, quiet bool) (n, stale int, ok bool) {
	ups, can := results.Uploads(c.ctx, st, prefix, time.Time{})
	if !can {
		return 0, 0, true
	}
	for u, err := range ups {
		if err != nil {
			c.logf("%s: incomplete uploads: %v", st, err)
			return n, stale, false
		}
		n++
		label := "UPLOAD"
		if u.Stale {
			label = "STALE UPLOAD"
			stale++
		} else if quiet {
			continue
		}
		fmt.Fprintf(c.stdout, "%s\t%s\tstarted %s, %s ago\t%s\n", label, u.Key, results.FormatTime(u.Initiated), u.Age.Round(time.Second), uploadSize(u.Size))
	}
	if n > 0 {
		c.logf("%s (%d older than %s); abort them with resultgen results prune -uploads -older-than %s, or let an S3 lifecycle rule do it",
			plural(n, "incomplete upload"), stale, formatAge(results.StaleUploadAge), formatAge(results.StaleUploadAge))
	}
	return n, stale, true
}

func uploadSize(n int64) string {
	if n < 0 {
		return "size unknown"
	}
	return results.FormatSize(n)
}

// formatAge renders whole hours as "24h", else as a Go duration.
func formatAge(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return d.String()
}

func resultsRemove(c *cmdEnv, args []string) error {
	fs := c.flags(resultsUsage)
	spec := storageFlag(fs)
	force := fs.Bool("force", false, "also remove objects that are not resultgen records")
	flowRun := fs.String("flow-run", "", "remove every record of the flow run `ID`")
	task := fs.String("task", "", "remove every record of the task or flow `NAME`")
	flow := fs.String("flow", "", "remove the records of the flow `NAME` (or flow run) and of its tasks")
	dryRun := fs.Bool("dry-run", false, "with -task, -flow or -flow-run: print what would be removed; remove nothing")
	keys, err := fs.parseInterspersed(args)
	if err != nil {
		return err
	}
	if *flowRun != "" {
		if len(keys) > 0 || *force || *task != "" || *flow != "" {
			return usagef("-flow-run takes no KEY, -task, -flow or -force")
		}
		return removeFlowRun(c, *spec, *flowRun, *dryRun)
	}
	if *task != "" || *flow != "" {
		if len(keys) > 0 || *force {
			return usagef("give KEYs, or -task / -flow, not both (and -force only with KEYs)")
		}
		return removeSelected(c, *spec, results.Criteria{Task: *task, Flow: *flow}, *dryRun)
	}
	if *dryRun {
		return usagef("-dry-run goes with -task, -flow or -flow-run")
	}
	if len(keys) == 0 {
		return usagef("no KEY given (see resultgen results -h)")
	}
	if err := invalidKeys(keys...); err != nil {
		return usageError{errors.Join(err, errors.New("nothing removed"))}
	}
	st, done, err := resultsStore(c, *spec)
	if err != nil {
		return err
	}
	defer done()

	removed, err := results.Remove(c.ctx, st, keys, results.RemoveOptions{Force: *force})
	for _, k := range removed {
		fmt.Fprintf(c.stdout, "removed %s\n", storage.Location(st, k))
	}
	if err != nil && len(removed) == 0 {
		return fmt.Errorf("%w\nnothing removed", err)
	}
	return err
}

// removeFlowRun removes the records of flow run id: "results rm -flow-run".
func removeFlowRun(c *cmdEnv, spec, id string, dryRun bool) error {
	st, done, err := resultsStore(c, spec)
	if err != nil {
		return err
	}
	defer done()
	var keys []string
	for e, err := range results.List(c.ctx, st, results.ListOptions{FlowRun: id}) {
		if err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
		keys = append(keys, e.Key)
	}
	if len(keys) == 0 {
		fmt.Fprintf(c.stderr, "no records of flow run %q in %s\n", id, st)
		return nil
	}
	if dryRun {
		for _, k := range keys {
			fmt.Fprintf(c.stdout, "would remove %s\n", storage.Location(st, k))
		}
		return nil
	}
	removed, err := results.Remove(c.ctx, st, keys, results.RemoveOptions{})
	for _, k := range removed {
		fmt.Fprintf(c.stdout, "removed %s\n", storage.Location(st, k))
	}
	return err
}

// parseAge parses a Go duration, also accepting days: "30d", "1d12h".
func parseAge(s string) (time.Duration, error) {
	bad := fmt.Errorf("bad duration %q: want a Go duration such as 36h, or days such as 30d", s)
	days, rest, found := strings.Cut(s, "d")
	if !found {
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, bad
		}
		return d, nil
	}
	n, err := strconv.Atoi(days)
	if err != nil || n < 0 || n > 1e6 {
		return 0, bad
	}
	d := time.Duration(n) * 24 * time.Hour
	if rest != "" {
		r, err := time.ParseDuration(rest)
		if err != nil || r < 0 {
			return 0, bad
		}
		d += r
	}
	return d, nil
}

type ageFlag struct {
	d   time.Duration
	set bool
}

func (a *ageFlag) String() string {
	if a == nil || a.d == 0 {
		return ""
	}
	return a.d.String()
}

func (a *ageFlag) Set(s string) error {
	d, err := parseAge(s)
	if err != nil {
		return err
	}
	if d < 0 {
		return fmt.Errorf("must be positive, got %q", s)
	}
	a.d, a.set = d, true
	return nil
}

func resultsPrune(c *cmdEnv, args []string) error {
	fs := c.flags(resultsUsage)
	spec := storageFlag(fs)
	expired := fs.Bool("expired", false, "remove records whose expiration has passed")
	var age ageFlag
	fs.Var(&age, "older-than", "remove records created more than `DURATION` ago (36h, 30d, 1d12h)")
	task := fs.String("task", "", "remove only records of the task or flow `NAME`")
	flow := fs.String("flow", "", "remove only records of the flow `NAME` (or flow run) and of its tasks")
	prefix := fs.String("prefix", "", "remove only records whose keys start with `P`")
	tmp := fs.Bool("tmp", false, "remove the store's stale temporary files and idle lock files")
	dryRun := fs.Bool("dry-run", false, "print what would be removed; remove nothing")
	uploads := fs.Bool("uploads", false, "abort the store's incomplete uploads started more than -older-than ago (S3), not records")
	stale := fs.Bool("stale", false, "remove the records the code of PACKAGES can no longer produce")
	tags := fs.String("tags", "", "with -stale: comma-separated build `tags` for loading PACKAGES")
	verbose := fs.Bool("v", false, "with -stale: print progress of loading PACKAGES on stderr")
	var maxSize sizeFlag
	fs.Var(&maxSize, "max-size", "remove the least recently used records until they take at most `SIZE` (500MB, 2GiB)")
	pos, err := fs.parseInterspersed(args)
	if err != nil {
		return err
	}
	if maxSize.set {
		if *expired || age.set || *task != "" || *flow != "" || *stale || *tmp || *uploads {
			return usagef("-max-size goes alone (with -prefix, -storage and -dry-run)")
		}
		if len(pos) > 0 {
			return usagef("-max-size takes no arguments")
		}
		if err := checkPrefix(*prefix); err != nil {
			return err
		}
		return pruneToSize(c, *spec, *prefix, maxSize.n, *dryRun)
	}
	var staleFn func(record.Meta) (bool, string)
	if *stale {
		if *uploads {
			return usagef("-stale selects records, -uploads uploads: not both")
		}
		if staleFn, err = staleChecker(c, *tags, *verbose, pos); err != nil {
			return err
		}
		pos = nil
	} else if *tags != "" || *verbose {
		return usagef("-tags and -v go with -stale")
	}
	if len(pos) > 0 {
		return usagef("takes no arguments, got %q (to remove given keys use resultgen results rm)", pos)
	}
	if *uploads {
		switch {
		case *expired || *task != "" || *flow != "":
			return usagef("-uploads aborts incomplete uploads by age: -expired and -task select records, not uploads")
		case !age.set:
			return usagef("-uploads needs -older-than D (24h leaves uploads in progress alone; 0s aborts all)")
		}
		if err := checkPrefix(*prefix); err != nil {
			return err
		}
		return pruneUploads(c, *spec, *prefix, age.d, *dryRun)
	}
	if age.set && age.d == 0 {
		return usagef("invalid value \"0\" for flag -older-than: must be positive for records")
	}
	crit := results.Criteria{Expired: *expired, OlderThan: age.d, Task: *task, Flow: *flow, Prefix: *prefix, Stale: staleFn}
	records := true
	if err := crit.Validate(); err != nil {
		if !*tmp || !errors.Is(err, results.ErrNoCriteria) {
			if errors.Is(err, results.ErrNoCriteria) {
				err = fmt.Errorf("%w, or -tmp", err)
			}
			return usageError{err}
		}
		records = false // -tmp alone
	}
	st, done, err := resultsStore(c, *spec)
	if err != nil {
		return err
	}
	defer done()

	p := newPruning(c, st, *dryRun, "remove", "removed", "from")
	if *tmp {
		var kept int
		drain(p, results.PruneTemps(c.ctx, st, results.PruneOptions{DryRun: *dryRun}), prunedErr, func(r results.Pruned) {
			if r.Removed || (*dryRun && r.Temp.Stale) {
				p.n++
				fmt.Fprintf(c.stdout, "%s %s (%s %s)\n", p.did(), r.Key, r.Temp.Kind, r.Why)
			} else {
				kept++
				c.logf("kept %s (%s %s)", r.Key, r.Temp.Kind, r.Why)
			}
		})
		err := p.summary(plural(p.n, "temporary file"), fmt.Sprintf(", kept %d (in use or too young)", kept), "file")
		if !records {
			return err
		}
		p.n = 0
	}
	drain(p, results.Prune(c.ctx, st, crit, results.PruneOptions{DryRun: *dryRun}), prunedErr, func(r results.Pruned) {
		p.n++
		fmt.Fprintf(c.stdout, "%s %s (%s)\n", p.did(), r.Key, r.Why)
	})
	return p.summary(plural(p.n, "record"), "", "record")
}

// pruneUploads is "prune -uploads".
func pruneUploads(c *cmdEnv, spec, prefix string, olderThan time.Duration, dryRun bool) error {
	st, done, err := resultsStore(c, spec)
	if err != nil {
		return err
	}
	defer done()
	if _, can := st.(storage.UploadLister); !can {
		c.logf("%s keeps no incomplete uploads (only S3 stores do)", st)
		return nil
	}
	p := newPruning(c, st, dryRun, "abort", "aborted", "in")
	uploadErr := func(u results.PrunedUpload) (string, error) { return "upload of " + u.Key, u.Err }
	drain(p, results.PruneUploads(c.ctx, st, prefix, olderThan, results.PruneOptions{DryRun: dryRun}), uploadErr, func(u results.PrunedUpload) {
		p.n++
		fmt.Fprintf(c.stdout, "%s upload of %s (started %s, %s ago, %s)\n", p.did(), u.Key, results.FormatTime(u.Initiated), u.Age.Round(time.Second), uploadSize(u.Size))
	})
	return p.summary(plural(p.n, "incomplete upload"), "", "upload")
}

// plural renders "1 record", "2 records".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}
