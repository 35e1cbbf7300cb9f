package main

// The "results" subcommand: ls, show, diff, verify, rm and prune over the
// records in a store, through package results. This file holds what they
// share; each subcommand has its own file.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/resultgen/resultgen/internal/results"
	storagespec "github.com/resultgen/resultgen/internal/storage/spec"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

const resultsUsage = `Usage:
  resultgen results ls [-storage SPEC] [-prefix P] [-task NAME] [-flow-run ID] [-all] [-summary] [-format table|json]
  resultgen results show [-storage SPEC] [-format text|json] [-value] KEY
  resultgen results diff [-storage SPEC] KEY1 KEY2
  resultgen results verify [-storage SPEC] [-prefix P] [-q] [KEY ...]
  resultgen results rm [-storage SPEC] [-force] KEY [KEY ...]
  resultgen results rm [-storage SPEC] (-task NAME | -flow NAME | -flow-run ID) [-dry-run]
  resultgen results prune [-storage SPEC] [-expired] [-older-than D] [-task NAME] [-flow NAME] [-prefix P] [-tmp] [-dry-run]
  resultgen results prune -runs-older-than D [-storage SPEC] [-task NAME] [-flow NAME] [-prefix P] [-dry-run]
  resultgen results prune -stale [-storage SPEC] [-tags T] [-v] [-dry-run] [PACKAGES]
  resultgen results prune -max-size SIZE [-storage SPEC] [-prefix P] [-dry-run]
  resultgen results prune -uploads -older-than D [-storage SPEC] [-prefix P] [-dry-run]

Inspect and manage the result records programs stored.

  ls      one row per object (key, task, type, serializer, size, dates,
          package), or with -summary one row per task
  show    the full metadata of one record, its key manifest and its value
  diff    what differs between two records' keys and result types
  verify  read records whole and check them; list S3 incomplete uploads
  rm      remove named records, or those of a task, flow or flow run
  prune   remove records by expiration, age, run, staleness or total size

"resultgen results COMMAND -h" prints the help of one command with its
flags.
` + storageHelp + `
Examples:
  resultgen results ls
  resultgen results show -value reports/2026/q1.msgpack
  resultgen results diff 3f1c...a9 77b0
  resultgen results prune -expired

Exit status: 0 when all went well, 1 on problems (missing, damaged or
unreadable records, store errors), 2 on usage errors.
`

// storageHelp is what every results command says about -storage and
// about names and keys.
const storageHelp = `
SPEC is a storage spec as in directives: local (the default:
RESULTGEN_LOCAL_STORAGE_PATH), local:PATH, s3://BUCKET/PREFIX or a block slug
TYPE/NAME (see resultgen block ls). Without -storage the settings' default
storage (RESULTGEN_DEFAULT_RESULT_STORAGE) is used. S3 credentials come from
the standard AWS variables and files; a missing bucket is made with
resultgen block create s3/NAME -url s3://BUCKET -create-bucket.

A task or flow NAME is its short name (Step), its package and name
(durable.Step) or its qualified name as records keep it
(example.com/app/durable.Step); a short name that matches functions of
several packages is refused with their list.
`

const resultsLsUsage = `Usage:
  resultgen results ls [-storage SPEC] [-prefix P] [-task NAME] [-flow-run ID] [-all] [-summary] [-format table|json]

ls lists one row per object: key, task, Go type, serializer (or "literal"),
OBJECT SIZE (the record's bytes in the store: header, payload and trailer),
created, expires ("never", "EXPIRED" or the time) and the package of the
function that wrote it. Objects that are not resultgen records show as "not a
record". It reads record headers and trailers, never a payload.

-all also lists the store's own files (local: temporary files of writes, left
behind when a writer is killed, and lock files), marked "(temporary)" or
"(lock)", with their age and whether they are in use or stale. -task NAME
lists the records of one task or flow. -flow-run ID lists only the records of
flow run ID (label flow_run_id): its tasks' results and, for a named run
(runtime.RunID), the run's own result at .runs/FLOW/ID. -summary prints one
row per task instead: records, OBJECT SIZE (summed, as in ls) and last use (a
hit refreshes a record's last use at most once an hour), largest first, and
the total. -format json prints each object's fields, the payload size
("size") beside the object's ("object_size").

Exits 1 when an object is a damaged or unreadable record (resultgen results
verify tells more).
` + storageHelp + `
Examples:
  resultgen results ls
  resultgen results ls -storage s3/prod -task load-rows -format json
  resultgen results ls -task example.com/app/durable.Step
  resultgen results ls -flow-run order-42
  resultgen results ls -summary
`

const resultsShowUsage = `Usage:
  resultgen results show [-storage SPEC] [-format text|json] [-value] KEY

show prints the full metadata of one record; -value also decodes the value
and prints it as JSON (msgpack and json records; gob needs the Go type, so for
gob only the metadata is shown). "code version" is the code that wrote the
record, where it says (a named run's result: its flow's). Task records also
show their key manifest: what the key was made of (policy, each parameter's
hash, never its value, code version and what it covers, run id, storage_key
template).

KEY is a key, or a unique start of one as git takes a commit: "9b8247d5", or
"9b8247d5...2dd8" (its start and its end, as resultgen prints long keys). A
start that several keys share is refused with their list.
` + storageHelp + `
Examples:
  resultgen results show -value reports/2026/q1.msgpack
  resultgen results show 9b8247d5
  resultgen results show -format json .runs/etl/order-42
`

const resultsDiffUsage = `Usage:
  resultgen results diff [-storage SPEC] KEY1 KEY2

diff prints what differs between two records' key manifests and result
types, in the words of RESULTGEN_EXPLAIN_MISSES: "parameter n changed", "code
changed: func normalize (pipeline/clean.go:42)", "result type changed: field
Total added". A KEY may be a unique start of a key, or its start and end as
resultgen prints them ("9b8247d5...2dd8"); see resultgen results show -h.
` + storageHelp + `
Examples:
  resultgen results diff 9b8247d5...2dd8 740e19d5...cbb7
  resultgen results diff -storage s3/prod reports/2026/q1 reports/2026/q2
`

const resultsVerifyUsage = `Usage:
  resultgen results verify [-storage SPEC] [-prefix P] [-q] [KEY ...]

verify reads every record (or those named) whole and checks its CRCs,
length and SHA-256; prints OK or the problem per key, progress on stderr,
and exits 1 when an object is not an intact record: corrupt, truncated, of an
unsupported version, or not a record resultgen can show it wrote (NOT A
RECORD: a file of someone else's, an empty or zero-filled one, a record of
ours cut short before its header's CRC; runs never overwrite it, so every run
of its key fails until it is moved or removed with rm -force), or when a
named key is missing.

On S3 it also lists the store's incomplete multipart uploads (key, start,
age, size): writers still at work, or killed mid-upload, whose parts are kept
(and billed on AWS) until aborted. Those older than 24h are counted as
problems ("STALE UPLOAD"); younger ones may be in progress in another process
and are not.
` + storageHelp + `
Examples:
  resultgen results verify
  resultgen results verify -storage local:./cache -q
  resultgen results verify reports/2026/q1.msgpack
`

const resultsRmUsage = `Usage:
  resultgen results rm [-storage SPEC] [-force] KEY [KEY ...]
  resultgen results rm [-storage SPEC] (-task NAME | -flow NAME | -flow-run ID) [-dry-run]

rm removes the named records; nothing is removed when a key is invalid,
missing or not a record (-force removes such objects too). -task NAME removes
every record of the task (or flow) NAME, -flow NAME those of the flow NAME
and of the tasks its runs ran (a flow run name such as brave-otter selects
one run), with the tasks' index objects; -flow-run ID every record of flow
run ID (what ls -flow-run ID lists), so a named run starts over on its next
call (do not forget a run while a process runs it); -dry-run lists what would
be removed.
` + storageHelp + `
Examples:
  resultgen results rm reports/2026/q1.msgpack
  resultgen results rm -task example.com/app/durable.Step -dry-run
  resultgen results rm -flow etl -dry-run
  resultgen results rm -flow-run order-42
`

const resultsPruneUsage = `Usage:
  resultgen results prune [-storage SPEC] [-expired] [-older-than D] [-task NAME] [-flow NAME] [-prefix P] [-tmp] [-dry-run]
  resultgen results prune -runs-older-than D [-storage SPEC] [-task NAME] [-flow NAME] [-prefix P] [-dry-run]
  resultgen results prune -stale [-storage SPEC] [-tags T] [-v] [-dry-run] [PACKAGES]
  resultgen results prune -max-size SIZE [-storage SPEC] [-prefix P] [-dry-run]
  resultgen results prune -uploads -older-than D [-storage SPEC] [-prefix P] [-dry-run]

prune removes the records matching every criterion given; at least one of
-expired, -older-than, -runs-older-than, -task, -flow, -stale and -tmp is
required. -dry-run only prints what would be removed. It never removes an
object that is not a resultgen record.

-runs-older-than D removes run-scoped records, those a task wrote for one
flow run (its cache_policy has run_id, as the default policy does), of runs
that finished more than D ago: no run can read them again. A run's records
go together, once its newest record is older than D; those of a named run
(runtime.RunID) only once the run has finished (its result at
.runs/FLOW/ID), since a run that stopped part way resumes from them.

-tmp removes the store's stale own files: temporary files whose writer is
gone (at once when it ran on this machine since its last boot, else once
unwritten for an hour with no process of its pid here), and idle lock files;
never those in use, nor a file of yours that merely starts with .tmp-.

With -uploads it aborts the S3 store's incomplete uploads started more than
-older-than ago instead (-older-than 0s: all, even ones in progress), and
touches no record.

-stale loads PACKAGES (default ./...) like resultgen check, with its -tags
and -v, and removes the records their code can no longer produce: of a task
or flow that no longer exists in a loaded package, of another result type
than it now returns, or (when the key has the task_source part) of another
code version. Records of packages not loaded, or with generate errors, are
kept.

-max-size SIZE (e.g. 500MB, 2GiB) removes the least recently used records
until the records take at most SIZE.
` + storageHelp + `
Examples:
  resultgen results prune -expired
  resultgen results prune -older-than 30d -task load-rows -dry-run
  resultgen results prune -runs-older-than 7d -dry-run
  resultgen results prune -tmp
  resultgen results prune -stale -dry-run ./...
  resultgen results prune -max-size 10GiB
  resultgen results prune -storage s3/prod -uploads -older-than 24h
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
		if errors.Is(err, s3.ErrNoBucket) && isSlug(spec) {
			err = fmt.Errorf("%w\ncreate the bucket of block %s with: resultgen block create %s -create-bucket", err, spec, spec)
		}
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

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// reported is nil when ok, else errReported: a command whose printed
// report says what failed.
func reported(ok bool) error {
	if ok {
		return nil
	}
	return errReported
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

// resolveKey is the key arg names in st: itself, or the one key it
// abbreviates (results.ResolveKey); an ambiguous one is a usage error.
func resolveKey(c *cmdEnv, st storage.Storage, arg string) (string, error) {
	key, err := results.ResolveKey(c.ctx, st, arg)
	if errors.Is(err, results.ErrAmbiguousKey) {
		return "", usageError{err}
	}
	return key, err
}

// checkNames refuses, as a usage error, a -task or -flow name of crit that
// matches the records of functions of several packages in st: a command
// must not remove the records of two programs that happen to share a name.
func checkNames(c *cmdEnv, st storage.Storage, crit results.Criteria) error {
	for _, n := range []struct{ name, flag string }{{crit.Task, "-task"}, {crit.Flow, "-flow"}} {
		if n.name == "" {
			continue
		}
		fns, err := results.NameFunctions(c.ctx, st, crit.Prefix, n.name)
		if err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
		if err := results.CheckName(n.name, fns, n.flag); err != nil {
			return usageError{err}
		}
	}
	return nil
}
