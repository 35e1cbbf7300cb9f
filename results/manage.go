package results

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/resultgen/resultgen/runtime/record"
	"github.com/resultgen/resultgen/runtime/storage"
)

// RemoveOptions tune Remove.
type RemoveOptions struct {
	// Force removes objects that are not resultgen records too.
	Force bool
}

// Remove deletes the objects at keys. It first checks every key: valid
// (the error wraps storage.ErrInvalidKey), present (storage.ErrNotFound)
// and a record (ErrNotRecord, unless opts.Force; damaged records are
// records). When any check fails it removes nothing and returns every
// problem joined. Otherwise it deletes the keys in order and returns those
// it removed, with the errors of those it could not. Repeated keys count
// once.
func Remove(ctx context.Context, st storage.Storage, keys []string, opts RemoveOptions) ([]string, error) {
	var uniq []string
	for _, k := range keys {
		if !slices.Contains(uniq, k) {
			uniq = append(uniq, k)
		}
	}
	var errs []error
	for _, k := range uniq {
		if err := storage.ValidateKey(k); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, k := range uniq {
		if _, err := st.Stat(ctx, k); err != nil {
			errs = append(errs, err)
			continue
		}
		if opts.Force {
			continue
		}
		if _, err := record.Head(ctx, st, k); err != nil && notRecord(err) {
			errs = append(errs, fmt.Errorf("%s: %w (remove it anyway with force)", k, ErrNotRecord))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	var removed []string
	for _, k := range uniq {
		if err := st.Delete(ctx, k); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, k)
	}
	return removed, errors.Join(errs...)
}

// Criteria choose the records Prune removes: those matching every
// criterion set. At least one of Expired, OlderThan and Task must be set.
type Criteria struct {
	Expired   bool          // expiration at or before now
	OlderThan time.Duration // created more than this before now; 0: any age
	Task      string        // of this task or flow; "": any
	Prefix    string        // keys starting with it; "": all
}

// Validate reports a Criteria that selects by nothing (ErrNoCriteria) or
// holds a bad value.
func (c Criteria) Validate() error {
	if !c.Expired && c.OlderThan == 0 && c.Task == "" {
		return ErrNoCriteria
	}
	if c.OlderThan < 0 {
		return fmt.Errorf("older-than %s is negative", c.OlderThan)
	}
	return storage.ValidatePrefix(c.Prefix)
}

// Match reports whether the record described by m matches c at now, and
// why, in words ("expired 2026-01-02T03:04:05Z; created 49h0m0s ago").
func (c Criteria) Match(m record.Meta, now time.Time) (bool, string) {
	var why []string
	if c.Task != "" {
		if m.Task != c.Task {
			return false, ""
		}
		why = append(why, "task "+m.Task)
	}
	if c.Expired {
		if !m.Expired(now) {
			return false, ""
		}
		why = append(why, "expired "+FormatTime(m.Expires))
	}
	if c.OlderThan > 0 {
		age := now.Sub(m.Created)
		if age <= c.OlderThan {
			return false, ""
		}
		why = append(why, "created "+age.Round(time.Second).String()+" ago")
	}
	return true, strings.Join(why, "; ")
}

// PruneOptions tune Prune.
type PruneOptions struct {
	DryRun  bool      // report, remove nothing
	Now     time.Time // zero: time.Now()
	Workers int       // records looked at at once; < 1 means DefaultWorkers
}

// Pruned is one record Prune matched.
type Pruned struct {
	Entry
	Why     string // which criteria matched, in words
	Removed bool   // false with DryRun, or when Err is set
}

// Prune removes the records of st matching c and yields each, in key
// order, with Removed set, or with Entry.Err when its removal failed.
// Objects that are not records, or whose header cannot be read, are never
// matched. The error is c's being invalid or the store's failing to list,
// and ends the sequence.
func Prune(ctx context.Context, st storage.Storage, c Criteria, opts PruneOptions) iter.Seq2[Pruned, error] {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	return func(yield func(Pruned, error) bool) {
		if err := c.Validate(); err != nil {
			yield(Pruned{}, err)
			return
		}
		prune := func(ctx context.Context, info storage.Info) (Pruned, bool) {
			e, ok := inspect(ctx, st, info, now, false)
			if !ok || e.Status != StatusRecord {
				return Pruned{}, false
			}
			match, why := c.Match(e.Meta, now)
			if !match {
				return Pruned{}, false
			}
			p := Pruned{Entry: e, Why: why}
			if opts.DryRun {
				return p, true
			}
			if err := st.Delete(ctx, e.Key); err != nil {
				if errors.Is(err, storage.ErrNotFound) {
					return Pruned{}, false // someone else removed it
				}
				p.Err = err
				return p, true
			}
			p.Removed = true
			return p, true
		}
		ordered(ctx, st.List(ctx, c.Prefix), opts.Workers, prune, yield)
	}
}
