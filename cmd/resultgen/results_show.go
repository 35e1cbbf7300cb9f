package main

// resultgen results show.

import (
	"errors"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/results"
	"github.com/resultgen/resultgen/runtime/settings"
)

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

func resultsShow(c *cmdEnv, args []string) error {
	fs := c.flags()
	spec := storageFlag(fs)
	format := fs.String("format", "text", "output `format`: text or json")
	withValue := fs.Bool("value", false, "also decode the value and print it as JSON")
	pos, err := fs.parseInterspersed(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one KEY, got %d arguments (see resultgen results show -h)", len(pos))
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
	if key, err = resolveKey(c, st, key); err != nil {
		return err
	}

	e, err := results.Show(c.ctx, st, key, time.Now())
	if err != nil {
		return err
	}
	if e.Status != results.StatusRecord {
		return e.Err
	}
	shown := results.Shown{Entry: e, WithValue: *withValue}
	if *withValue {
		ctx := c.ctx
		if s, err := settings.Load(); err == nil && s.Keyring != nil {
			ctx = record.WithKeyring(ctx, s.Keyring) // an encrypted value opens
		}
		shown.Value, _, shown.ValueErr = results.Value(ctx, st, key)
		if shown.ValueErr != nil && !errors.Is(shown.ValueErr, results.ErrNeedsType) && !errors.Is(shown.ValueErr, record.ErrKeyMissing) {
			// The record is damaged past its header and trailer, or the
			// payload does not decode: say so and show nothing more.
			return shown.ValueErr
		}
	}
	return results.WriteShow(c.stdout, shown, *format)
}
