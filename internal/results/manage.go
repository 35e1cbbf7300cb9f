package results

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/resultgen/resultgen/internal/record"
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
		if opts.Force {
			if _, err := st.Stat(ctx, k); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		// One Stat (and a header read where the store keeps no metadata).
		_, _, err := record.HeadInfo(ctx, st, k)
		switch {
		case err == nil:
		case notRecord(err):
			errs = append(errs, fmt.Errorf("%s: %w (remove it anyway with force)", k, ErrNotRecord))
		case errors.Is(err, record.ErrCorrupt) || errors.Is(err, record.ErrVersion):
			// A damaged record: removing it is what it is for.
		default:
			errs = append(errs, err)
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
// criterion set. At least one of Expired, OlderThan, Task, Flow, Stale and
// RunsOlderThan must be set.
type Criteria struct {
	Expired   bool          // expiration at or before now
	OlderThan time.Duration // created more than this before now; 0: any age
	Task      string        // of this task or flow (MatchName); "": any
	// Flow: the records of the flow NAME (its own results, MatchName)
	// and of the tasks that ran inside its runs (by their flow_name label,
	// which holds the flow's short name); a flow run name ("brave-otter")
	// selects that one run. "": any.
	Flow   string
	Prefix string // keys starting with it; "": all
	// Stale, when set, is asked about each record (its header, with the
	// key manifest) and says whether to remove it and why; see StaleChecker.
	Stale func(m record.Meta) (bool, string)
	// RunsOlderThan, when positive, selects the run-scoped records
	// (RunScoped) of runs that finished more than this before now: a
	// named run once its result is in the store, any other run once its
	// newest record is that old. Prune reads every record's header first.
	RunsOlderThan time.Duration

	runs *runIndex // set by Prune for RunsOlderThan
}

// Validate reports a Criteria that selects by nothing (ErrNoCriteria) or
// holds a bad value.
func (c Criteria) Validate() error {
	if !c.Expired && c.OlderThan == 0 && c.Task == "" && c.Flow == "" && c.Stale == nil && c.RunsOlderThan == 0 {
		return ErrNoCriteria
	}
	if c.OlderThan < 0 {
		return fmt.Errorf("older-than %s is negative", c.OlderThan)
	}
	if c.RunsOlderThan < 0 {
		return fmt.Errorf("runs-older-than %s is negative", c.RunsOlderThan)
	}
	return storage.ValidatePrefix(c.Prefix)
}

// Match reports whether the record described by m matches c at now, and
// why, in words ("expired 2026-01-02T03:04:05Z; created 49h0m0s ago").
func (c Criteria) Match(m record.Meta, now time.Time) (bool, string) {
	var why []string
	if c.Task != "" {
		if !MatchName(m, c.Task) {
			return false, ""
		}
		why = append(why, "task "+m.Task)
	}
	if c.Flow != "" {
		ok, w := matchFlow(m, c.Flow)
		if !ok {
			return false, ""
		}
		why = append(why, w)
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
	if c.Stale != nil {
		stale, w := c.Stale(m)
		if !stale {
			return false, ""
		}
		why = append(why, w)
	}
	if c.RunsOlderThan > 0 {
		if c.runs == nil {
			return false, "" // Prune indexes the runs; without it nothing matches
		}
		ok, w := c.runs.matchRun(m, c.RunsOlderThan, now)
		if !ok {
			return false, ""
		}
		why = append(why, w)
	}
	return true, strings.Join(why, "; ")
}

// IsFlowRecord reports whether m is a flow's own result (not a task's).
func IsFlowRecord(m record.Meta) bool {
	return m.Labels["flow_run_id"] != "" && m.Labels["task_run_id"] == ""
}

// matchFlow: m is flow's own result, a task result of one of its runs, or
// of the run named flow.
func matchFlow(m record.Meta, flow string) (bool, string) {
	switch short := shortName(flow); {
	case IsFlowRecord(m) && MatchName(m, flow):
		return true, "result of flow " + m.Task
	case m.Labels["flow_name"] == flow || m.Labels["flow_name"] == short:
		return true, "task of flow " + m.Labels["flow_name"] + " (run " + m.Labels["flow_run_name"] + ")"
	case m.Labels["flow_run_name"] == flow:
		return true, "of flow run " + flow
	}
	return false, ""
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
		if c.RunsOlderThan > 0 {
			x, err := indexRuns(ctx, st, now, opts.Workers)
			if err != nil {
				yield(Pruned{}, err)
				return
			}
			c.runs = x
		}
		prune := func(ctx context.Context, info storage.Info) (Pruned, bool) {
			// the key manifest is in the header only, not in object metadata
			e, ok := inspect(ctx, st, info, now, c.Stale != nil || c.RunsOlderThan > 0)
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

// RemoveIndexes removes the task index objects (see record.WriteIndex) of
// the functions fns, ignoring those that do not exist: Prune by task or
// flow leaves nothing of the task behind.
func RemoveIndexes(ctx context.Context, st storage.Storage, fns []string) error {
	var errs []error
	seen := map[string]bool{}
	for _, fn := range fns {
		if fn == "" || seen[fn] {
			continue
		}
		seen[fn] = true
		if err := st.Delete(ctx, record.IndexKey(fn)); err != nil && !errors.Is(err, storage.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// PruneToSize removes the least recently used records of st (by the
// object's modification time, which a hit refreshes at most once an hour;
// see storage.Toucher) until the records under prefix take at most max
// bytes, and yields each removed one, oldest use first. Objects that are
// not records are neither counted nor removed. It lists the whole prefix
// before removing anything.
func PruneToSize(ctx context.Context, st storage.Storage, prefix string, max int64, opts PruneOptions) iter.Seq2[Pruned, error] {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	return func(yield func(Pruned, error) bool) {
		if max < 0 {
			yield(Pruned{}, fmt.Errorf("max-size %d is negative", max))
			return
		}
		var recs []Entry
		var total int64
		for e, err := range List(ctx, st, ListOptions{Prefix: prefix, Now: now, Workers: opts.Workers}) {
			if err != nil {
				yield(Pruned{}, err)
				return
			}
			if e.Status == StatusRecord {
				recs = append(recs, e)
				total += e.ObjectSize
			}
		}
		slices.SortStableFunc(recs, func(a, b Entry) int { return a.Modified.Compare(b.Modified) })
		for _, e := range recs {
			if total <= max {
				return
			}
			p := Pruned{Entry: e, Why: fmt.Sprintf("last used %s ago, %s; store holds %s, max %s",
				now.Sub(e.Modified).Round(time.Second), FormatSize(e.ObjectSize), FormatSize(total), FormatSize(max))}
			if !opts.DryRun {
				if err := st.Delete(ctx, e.Key); err != nil && !errors.Is(err, storage.ErrNotFound) {
					p.Err = err
					if !yield(p, nil) {
						return
					}
					continue
				}
				p.Removed = true
			}
			total -= e.ObjectSize
			if !yield(p, nil) {
				return
			}
		}
	}
}

// TaskSummary is one task's share of a store.
type TaskSummary struct {
	Task     string    `json:"task"`
	Package  string    `json:"package,omitempty"` // of the task's function (PackageOf), when its records say
	Records  int       `json:"records"`
	Bytes    int64     `json:"bytes"`     // object sizes
	LastUsed time.Time `json:"last_used"` // the most recent use of any of its records
}

// Summarize groups record entries by task and package (sorted by bytes,
// largest first; ties by name, then package); entries that are not records
// are grouped under "(not a record)" and the like.
func Summarize(entries []Entry) []TaskSummary {
	type group struct{ task, pkg string }
	by := map[group]*TaskSummary{}
	for _, e := range entries {
		g := group{e.Meta.Task, PackageOf(e.Meta)}
		if e.Status != StatusRecord {
			g = group{task: "(" + string(e.Status) + ")"}
		}
		s := by[g]
		if s == nil {
			s = &TaskSummary{Task: g.task, Package: g.pkg}
			by[g] = s
		}
		s.Records++
		s.Bytes += e.ObjectSize
		if e.Modified.After(s.LastUsed) {
			s.LastUsed = e.Modified
		}
	}
	out := make([]TaskSummary, 0, len(by))
	for _, s := range by {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b TaskSummary) int {
		if a.Bytes != b.Bytes {
			if a.Bytes > b.Bytes {
				return -1
			}
			return 1
		}
		return cmp.Or(strings.Compare(a.Task, b.Task), strings.Compare(a.Package, b.Package))
	})
	return out
}
