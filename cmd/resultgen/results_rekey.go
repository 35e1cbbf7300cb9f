package main

// resultgen results rekey.

import (
	"errors"
	"fmt"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage"
)

const resultsRekeyUsage = `Usage:
  resultgen results rekey [-storage SPEC] [-prefix P] [-dry-run]

rekey re-wraps the data key of every encrypted record (or those under -prefix)
that is sealed under another key than the keyring's current one
(RESULTGEN_KEYRING or RESULTGEN_KEYRING_FILE; '*' marks the current key).
Only each record's header changes; its sealed payload is streamed over, its
checksum verified on the way, and nothing is decrypted or held whole. It prints
one line per record it re-wraps (WOULD REKEY with -dry-run) and a summary on
stderr, and exits 1 when a record could not be re-wrapped (its key missing
from the keyring, or damaged); those are left as they were.

Rekey is idempotent: run it again after an interruption, and it re-wraps what
is left. Records in the clear stay in the clear. Once it reports no record left
under an old key, that key can leave the keyring. Run it while no program
writes the store: a record a run replaces meanwhile may be put back as it was.
` + storageHelp + `
Examples:
  resultgen results rekey -dry-run
  resultgen results rekey -storage s3/prod
`

func resultsRekey(c *cmdEnv, args []string) error {
	fs := c.flags()
	spec := storageFlag(fs)
	prefix := fs.String("prefix", "", "only keys starting with `P`")
	dry := fs.Bool("dry-run", false, "report what would be re-wrapped, writing nothing")
	pos, err := fs.parseInterspersed(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("rekey takes no KEY arguments (use -prefix)")
	}
	if err := checkPrefix(*prefix); err != nil {
		return err
	}
	s, err := settings.Load()
	if err != nil {
		return err
	}
	if s.Keyring == nil {
		return usagef("no keyring: set %s (id:base64key[,...], '*' before the current key) or %s", settings.Keyring, settings.KeyringFile)
	}
	st, done, err := resultsStore(c, *spec)
	if err != nil {
		return err
	}
	defer done()

	verb := "REKEYED"
	if *dry {
		verb = "WOULD REKEY"
	}
	var changed, current, clear, foreign, failed int
	ok := true
	for info, err := range st.List(c.ctx, *prefix) {
		if err != nil {
			c.logf("%s: %v", st, err)
			ok = false
			break
		}
		if storage.ValidateKey(info.Key) != nil {
			continue // a store's own file
		}
		r, err := record.Rekey(c.ctx, st, info.Key, s.Keyring, *dry)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			continue // removed since listed
		case errors.Is(err, record.ErrNotRecord):
			foreign++
		case err != nil:
			failed++
			fmt.Fprintf(c.stdout, "FAILED\t%s\t%v\n", info.Key, err)
		case r.Changed:
			changed++
			fmt.Fprintf(c.stdout, "%s\t%s\t%s -> %s\n", verb, info.Key, r.From, r.To)
		case r.From == "":
			clear++
		default:
			current++
		}
	}
	c.logf("%d %s, %d already under key %s, %d in the clear, %d not records, %d failed",
		changed, map[bool]string{true: "would be re-wrapped", false: "re-wrapped"}[*dry], current, s.Keyring.Current(), clear, foreign, failed)
	return reported(ok && failed == 0)
}
