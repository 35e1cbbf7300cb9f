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
	// Looked, when not nil, is called once per object looked at, on every
	// pass over the store (a command's progress).
	Looked func()
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
			x, err := indexRuns(ctx, st, now, opts.Workers, opts.Looked)
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
		ordered(ctx, st.List(ctx, c.Prefix), opts.Workers, opts.Looked, prune, yield)
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
// bytes, and yields each removed one, in key order. Objects that are not
// records are neither counted nor removed.
//
// It lists the prefix twice and holds 16 bytes per record in between (the
// use time and the size, not the keys), so a store of a million records
// is pruned in a few tens of megabytes: the first listing finds the
// cutoff, the use time at or before which records go (and how many of
// those used exactly at the cutoff), the second removes them. A record
// written or used between the two listings is newer than the cutoff and
// stays.
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
		list := func() iter.Seq2[Entry, error] {
			return List(ctx, st, ListOptions{Prefix: prefix, Now: now, Workers: opts.Workers, Looked: opts.Looked})
		}
		var uses useList
		var total int64
		for e, err := range list() {
			if err != nil {
				yield(Pruned{}, err)
				return
			}
			if e.Status == StatusRecord {
				uses.add(e.Modified.UnixNano(), e.ObjectSize)
				total += e.ObjectSize
			}
		}
		cutoff, atCutoff, ok := uses.cutoff(total, max)
		uses = useList{}
		if !ok {
			return // within max already
		}
		for e, err := range list() {
			if err != nil {
				yield(Pruned{}, err)
				return
			}
			if total <= max {
				return
			}
			if e.Status != StatusRecord {
				continue
			}
			switch t := e.Modified.UnixNano(); {
			case t > cutoff:
				continue
			case t == cutoff:
				if atCutoff == 0 {
					continue
				}
				atCutoff--
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

// useList holds (use time, size) pairs of records in chunks, so that it
// grows without copying what it holds.
type useList struct{ chunks [][]use }

type use struct{ t, size int64 }

const useChunk = 1 << 14

func (l *useList) add(t, size int64) {
	if n := len(l.chunks); n == 0 || len(l.chunks[n-1]) == useChunk {
		l.chunks = append(l.chunks, make([]use, 0, useChunk))
	}
	last := &l.chunks[len(l.chunks)-1]
	*last = append(*last, use{t, size})
}

// cutoff finds, removing records oldest use first until total <= max,
// the use time of the last record removed and how many records used at
// exactly that time are removed. ok is false when nothing need go. It
// sorts each chunk and merges them in place of one large sort.
func (l *useList) cutoff(total, max int64) (t int64, atCutoff int, ok bool) {
	if total <= max {
		return 0, 0, false
	}
	for _, c := range l.chunks {
		slices.SortFunc(c, func(a, b use) int { return cmp.Compare(a.t, b.t) })
	}
	heads := make([]int, len(l.chunks))
	for total > max {
		best := -1
		for i, c := range l.chunks {
			if heads[i] < len(c) && (best < 0 || c[heads[i]].t < l.chunks[best][heads[best]].t) {
				best = i
			}
		}
		if best < 0 {
			break // every record removed
		}
		u := l.chunks[best][heads[best]]
		heads[best]++
		if u.t != t || !ok {
			t, atCutoff = u.t, 0
		}
		atCutoff++
		ok = true
		total -= u.size
	}
	return t, atCutoff, ok
}

// TaskSummary is one task's share of a store.
type TaskSummary struct {
	Task     string    `json:"task"`
	Package  string    `json:"package,omitempty"` // of the task's function (PackageOf), when its records say
	Records  int       `json:"records"`
	Bytes    int64     `json:"bytes"`     // object sizes
	LastUsed time.Time `json:"last_used"` // the most recent use of any of its records
}

// Summary accumulates a store's entries by task and package, in memory
// that grows with the number of tasks, not of records (`results ls
// -summary` on a store of a million records). The zero Summary is empty
// and ready.
type Summary struct{ by map[summaryGroup]*TaskSummary }

type summaryGroup struct{ task, pkg string }

// Add counts e in its task's row; entries that are not records are
// grouped under "(not a record)" and the like.
func (s *Summary) Add(e Entry) {
	g := summaryGroup{e.Meta.Task, PackageOf(e.Meta)}
	if e.Status != StatusRecord {
		g = summaryGroup{task: "(" + string(e.Status) + ")"}
	}
	if s.by == nil {
		s.by = map[summaryGroup]*TaskSummary{}
	}
	t := s.by[g]
	if t == nil {
		t = &TaskSummary{Task: g.task, Package: g.pkg}
		s.by[g] = t
	}
	t.Records++
	t.Bytes += e.ObjectSize
	if e.Modified.After(t.LastUsed) {
		t.LastUsed = e.Modified
	}
}

// Tasks returns the rows, sorted by bytes, largest first; ties by name,
// then package.
func (s *Summary) Tasks() []TaskSummary {
	out := make([]TaskSummary, 0, len(s.by))
	for _, t := range s.by {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b TaskSummary) int {
		return cmp.Or(cmp.Compare(b.Bytes, a.Bytes), strings.Compare(a.Task, b.Task), strings.Compare(a.Package, b.Package))
	})
	return out
}

// Summarize groups record entries by task, as Summary does.
func Summarize(entries []Entry) []TaskSummary {
	var s Summary
	for _, e := range entries {
		s.Add(e)
	}
	return s.Tasks()
}
