package results_test

import (
	"context"
	"iter"
	"slices"
	"testing"
	"time"

	"github.com/resultgen/resultgen/internal/results"
	"github.com/resultgen/resultgen/runtime/storage"
)

// uploadStore is a memory store with incomplete uploads, as S3 has.
type uploadStore struct {
	*storage.Memory
	ups     []storage.Upload
	aborted []string
}

func (u *uploadStore) Uploads(_ context.Context, prefix string) iter.Seq2[storage.Upload, error] {
	return func(yield func(storage.Upload, error) bool) {
		for _, up := range u.ups {
			if !yield(up, nil) {
				return
			}
		}
	}
}

func (u *uploadStore) AbortUpload(_ context.Context, up storage.Upload) error {
	u.aborted = append(u.aborted, up.Key)
	return nil
}

func TestUploadsStaleAndPrune(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	st := &uploadStore{Memory: storage.NewMemory(), ups: []storage.Upload{
		{Key: "old", ID: "1", Initiated: now.Add(-25 * time.Hour), Size: 16 << 20},
		{Key: "young", ID: "2", Initiated: now.Add(-time.Minute), Size: -1},
	}}
	ups, ok := results.Uploads(context.Background(), st, "", now)
	if !ok {
		t.Fatal("an UploadLister store said it has no uploads")
	}
	var stale []string
	for u, err := range ups {
		if err != nil {
			t.Fatal(err)
		}
		if u.Stale {
			stale = append(stale, u.Key)
		}
	}
	if !slices.Equal(stale, []string{"old"}) {
		t.Errorf("stale uploads %q; want only the one older than %v", stale, results.StaleUploadAge)
	}
	for p, err := range results.PruneUploads(context.Background(), st, "", 24*time.Hour, results.PruneOptions{Now: now}) {
		if err != nil || !p.Aborted {
			t.Errorf("pruned %+v, %v", p, err)
		}
	}
	if !slices.Equal(st.aborted, []string{"old"}) {
		t.Errorf("aborted %q; want old only", st.aborted)
	}
	if _, ok := results.Uploads(context.Background(), storage.NewMemory(), "", now); ok {
		t.Error("a memory store claims incomplete uploads")
	}
}
