package main

// resultgen results verify.

import (
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/resultgen/resultgen/internal/results"
	"github.com/resultgen/resultgen/runtime/storage"
)

const resultsVerifyUsage = `Usage:
  resultgen results verify [-storage SPEC] [-prefix P] [-q] [KEY ...]

verify reads every record (or those named) whole and checks its CRCs,
length and SHA-256; prints OK or the problem per key (progress on stderr, when a terminal),
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

func resultsVerify(c *cmdEnv, args []string) error {
	fs := c.flags()
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
	prog := newProgress(c, !*quiet)
	defer prog.done()
	var read int64
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
				if enc := results.Encrypted(chk.Meta); enc != "" {
					// the sealed bytes are verified; opening them needs the key
					fmt.Fprintf(c.stdout, "OK\t%s\t%s\t%s\n", chk.Key, results.FormatSize(chk.Meta.Size), enc)
				} else {
					fmt.Fprintf(c.stdout, "OK\t%s\t%s\n", chk.Key, results.FormatSize(chk.Meta.Size))
				}
			}
		} else {
			failed++
			prog.done() // the line goes where the progress was
			if prob == results.ProblemNotRecord {
				foreign++
			}
			fmt.Fprintf(c.stdout, "%s\t%s\t%v\n", strings.ToUpper(string(prob)), chk.Key, chk.Err)
		}
		read += chk.Read
		prog.update(func() string {
			return fmt.Sprintf("verify: %d checked, %d failed, %s read", intact+failed, failed, results.FormatSize(read))
		})
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
