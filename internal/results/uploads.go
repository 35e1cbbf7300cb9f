package results

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/resultgen/resultgen/runtime/storage"
)

// StaleUploadAge is the age past which Verify's caller counts an incomplete
// upload as a problem. A younger one may be a writer still at work in
// another process (a 16 MiB part per request: even very large records
// finish within hours); an older one was abandoned (its writer was
// killed) and only costs space, and money on AWS.
const StaleUploadAge = 24 * time.Hour

// IncompleteUpload is an incomplete upload of a store with its age.
type IncompleteUpload struct {
	storage.Upload
	Age   time.Duration // since it was started
	Stale bool          // older than StaleUploadAge
}

// Uploads yields the incomplete uploads of st under prefix, in key order,
// and true when st can have any (it implements storage.UploadLister, as S3
// does); otherwise nothing and false. now dates them; zero means
// time.Now().
func Uploads(ctx context.Context, st storage.Storage, prefix string, now time.Time) (iter.Seq2[IncompleteUpload, error], bool) {
	ul, ok := st.(storage.UploadLister)
	if !ok {
		return func(func(IncompleteUpload, error) bool) {}, false
	}
	if now.IsZero() {
		now = time.Now()
	}
	return func(yield func(IncompleteUpload, error) bool) {
		for u, err := range ul.Uploads(ctx, prefix) {
			if err != nil {
				yield(IncompleteUpload{}, err)
				return
			}
			age := max(now.Sub(u.Initiated), 0)
			if !yield(IncompleteUpload{Upload: u, Age: age, Stale: age > StaleUploadAge}, nil) {
				return
			}
		}
	}, true
}

// PrunedUpload is one incomplete upload PruneUploads matched.
type PrunedUpload struct {
	IncompleteUpload
	Aborted bool  // false with DryRun, or when Err is set
	Err     error // the abort failed
}

// PruneUploads aborts the incomplete uploads of st under prefix started
// more than olderThan ago (0: all of them, in progress or not) and yields
// each, in key order. With opts.DryRun it only yields them. A store that
// cannot have incomplete uploads yields nothing. The error is the store's
// failing to list, and ends the sequence.
func PruneUploads(ctx context.Context, st storage.Storage, prefix string, olderThan time.Duration, opts PruneOptions) iter.Seq2[PrunedUpload, error] {
	return func(yield func(PrunedUpload, error) bool) {
		if olderThan < 0 {
			yield(PrunedUpload{}, fmt.Errorf("older-than %s is negative", olderThan))
			return
		}
		ups, ok := Uploads(ctx, st, prefix, opts.Now)
		if !ok {
			return
		}
		ul := st.(storage.UploadLister)
		for u, err := range ups {
			if err != nil {
				yield(PrunedUpload{}, err)
				return
			}
			if olderThan > 0 && u.Age <= olderThan {
				continue
			}
			p := PrunedUpload{IncompleteUpload: u}
			if !opts.DryRun {
				if err := ul.AbortUpload(ctx, u.Upload); err != nil && !errors.Is(err, storage.ErrNotFound) {
					p.Err = err
				} else {
					p.Aborted = true
				}
			}
			if !yield(p, nil) {
				return
			}
		}
	}
}
