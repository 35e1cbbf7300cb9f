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
	"github.com/resultgen/resultgen/internal/rules"
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
  resultgen results runs [-storage SPEC] [-flow NAME] [-status S] [-older-than D] [-newer-than D] [-format table|json] [ID]
  resultgen results rekey [-storage SPEC] [-prefix P] [-dry-run]

Inspect and manage the result records programs stored.

  ls      one row per object (key, task, type, serializer, size, dates,
          package), or with -summary one row per task
  show    the full metadata of one record, its key manifest and its value
  diff    what differs between two records' keys and result types
  verify  read records whole and check them; list S3 incomplete uploads
  rm      remove named records, or those of a task, flow or flow run
  prune   remove records by expiration, age, run, staleness or total size
  runs    the named flow runs and their status; one run with its steps
  rekey   re-wrap encrypted records' data keys under the keyring's current key

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
	sp, err := rules.ParseStorage(spec)
	switch {
	case err != nil:
	case sp.Kind == rules.StorageLocal && sp.Path == "":
		return s.LocalStoragePath, true
	case sp.Kind == rules.StorageLocal:
		return sp.Path, true
	case sp.Kind == rules.StorageBlock && sp.BlockType == settings.BlockLocal:
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
	prog := newProgress(c, false)
	defer prog.done()
	looked := 0
	for _, n := range []struct{ name, flag string }{{crit.Task, "-task"}, {crit.Flow, "-flow"}} {
		if n.name == "" {
			continue
		}
		fns, err := results.NameFunctions(c.ctx, st, crit.Prefix, n.name, func() {
			looked++
			prog.update(func() string {
				return fmt.Sprintf("%s: %d objects looked at for the records of %s", c.name, looked, n.name)
			})
		})
		if err != nil {
			return fmt.Errorf("%s: %w", st, err)
		}
		if err := results.CheckName(n.name, fns, n.flag); err != nil {
			return usageError{err}
		}
	}
	return nil
}
