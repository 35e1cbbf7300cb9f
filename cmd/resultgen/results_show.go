package main

// resultgen results show.

import (
	"errors"
	"time"

	"github.com/resultgen/resultgen/internal/results"
)

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
		shown.Value, _, shown.ValueErr = results.Value(c.ctx, st, key)
		if shown.ValueErr != nil && !errors.Is(shown.ValueErr, results.ErrNeedsType) {
			// The record is damaged past its header and trailer, or the
			// payload does not decode: say so and show nothing more.
			return shown.ValueErr
		}
	}
	return results.WriteShow(c.stdout, shown, *format)
}
