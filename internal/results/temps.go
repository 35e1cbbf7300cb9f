package results

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/resultgen/resultgen/internal/txnstore"
	"github.com/resultgen/resultgen/runtime/storage"
)

// StatusTemporary marks a store's own file (see ListTemps): the temporary
// file of a write (in progress, or left by a killed writer) or a lock file.
const StatusTemporary Status = "temporary"

// ListTemps yields the files a store keeps beside its objects
// (storage.Housekeeper: the local store's temporary and lock files), as
// entries with StatusTemporary and Temp set, in path order. Stores that keep
// none yield nothing. List never shows these files.
func ListTemps(ctx context.Context, st storage.Storage) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		hk, ok := st.(storage.Housekeeper)
		if !ok {
			return
		}
		for t, err := range hk.Temps(ctx) {
			if err != nil {
				yield(Entry{}, err)
				return
			}
			if !yield(tempEntry(st, t), nil) {
				return
			}
		}
	}
}

func tempEntry(st storage.Storage, t storage.Temp) Entry {
	tc := t
	return Entry{
		Key:        t.Name,
		Location:   storage.Location(st, t.Name),
		Status:     StatusTemporary,
		ObjectSize: t.Size,
		Modified:   t.Modified,
		Temp:       &tc,
	}
}

// TempState says in words whether a store's own file may be removed and
// why: "stale: writer 4242 is gone", "stale: unwritten for 2h0m0s, writer
// 4242 not running".
func TempState(t storage.Temp, now time.Time) string {
	age := t.Age(now).Round(time.Second)
	switch {
	case t.Kind == storage.TempLock && t.Stale:
		return "idle lock"
	case t.Kind == storage.TempLock:
		return "in use: held"
	case t.Alive:
		return fmt.Sprintf("in use: writer %d is running", t.PID)
	case t.Here && t.Stale:
		return fmt.Sprintf("stale: writer %d is gone", t.PID)
	case !t.Stale && t.Boot != "":
		return fmt.Sprintf("kept: written %s ago by writer %d of another machine or boot (stale after %s)", age, t.PID, storage.StaleTempAge)
	case !t.Stale:
		return fmt.Sprintf("kept: written %s ago (stale after %s)", age, storage.StaleTempAge)
	case t.Boot != "":
		return fmt.Sprintf("stale: unwritten for %s, writer %d of another machine or boot", age, t.PID)
	case t.PID != 0:
		return fmt.Sprintf("stale: unwritten for %s, writer %d not running", age, t.PID)
	}
	return fmt.Sprintf("stale: unwritten for %s", age)
}

// PruneTemps removes the stale files of ListTemps (a temporary file whose
// writer is provably gone, or, where that cannot be told, unwritten for
// storage.StaleTempAge with no process of its pid on this host; a lock
// file nobody holds), each judged again just before removal,
// and yields every file: Removed when it was removed, Why saying why or
// why not. A file in use is never removed. With opts.DryRun nothing is
// removed.
func PruneTemps(ctx context.Context, st storage.Storage, opts PruneOptions) iter.Seq2[Pruned, error] {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	return func(yield func(Pruned, error) bool) {
		hk, ok := st.(storage.Housekeeper)
		if !ok {
			return
		}
		for e, err := range ListTemps(ctx, st) {
			if err != nil {
				yield(Pruned{}, err)
				return
			}
			p := Pruned{Entry: e, Why: TempState(*e.Temp, now)}
			if e.Temp.Stale && !opts.DryRun {
				removed, err := hk.RemoveTemp(ctx, *e.Temp)
				switch {
				case err != nil:
					p.Err = err
				case removed:
					p.Removed = true
				default:
					p.Why = "kept: in use again"
				}
			}
			if !yield(p, nil) {
				return
			}
		}
	}
}

// PrunedTxn is one pending transaction PruneTxns found: Removed when what
// it left was removed (Records: the staged records removed), Why saying
// why or why not.
type PrunedTxn struct {
	ID        string
	Records   []string
	Why       string
	Abandoned bool // its process is gone: what it left may be removed
	Removed   bool
	Err       error
}

// PruneTxns removes what abandoned transactions left in st (see package
// internal/txnstore): the records they staged and never committed, which
// no run can see, then their markers. A transaction is abandoned when its
// process is provably gone (it ran on this machine since its last boot),
// else once its marker went unwritten for txnstore.StaleAge; one in
// progress is never touched, and nor is any record another run wrote
// since. With opts.DryRun nothing is removed.
func PruneTxns(ctx context.Context, st storage.Storage, opts PruneOptions) iter.Seq2[PrunedTxn, error] {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	return func(yield func(PrunedTxn, error) bool) {
		open, err := txnstore.List(ctx, st)
		if err != nil {
			yield(PrunedTxn{}, err)
			return
		}
		for _, o := range open {
			p := PrunedTxn{ID: o.Txn, Records: o.Keys, Err: o.Err, Abandoned: o.Err == nil && o.Abandoned(now)}
			switch {
			case o.Err != nil:
				p.Why = "kept: its marker cannot be read"
			case !o.Abandoned(now):
				p.Why = fmt.Sprintf("kept: in progress (writer %d on %s, marker written %s ago; abandoned after %s)", o.PID, o.Host, now.Sub(o.Modified).Round(time.Second), txnstore.StaleAge)
			case storage.ProcessGone(o.Boot, o.PID):
				p.Why = fmt.Sprintf("abandoned: writer %d is gone", o.PID)
			default:
				p.Why = fmt.Sprintf("abandoned: marker unwritten for %s", now.Sub(o.Modified).Round(time.Second))
			}
			if p.Abandoned && !opts.DryRun {
				p.Records, p.Err = txnstore.Clean(ctx, st, o)
				p.Removed = p.Err == nil
			}
			if !yield(p, nil) {
				return
			}
		}
	}
}
