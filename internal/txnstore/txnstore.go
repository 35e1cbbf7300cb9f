// Package txnstore keeps the objects of resultgen's transactions (see
// runtime.Transaction) in a store, and finds and removes what a crashed
// transaction left behind. The runtime writes and reads them; `resultgen
// results prune -tmp` and the runtime's own cleanup remove abandoned ones.
//
// # Objects
//
// All under the reserved first segment ".txn", which no user key may
// start with (the runtime refuses such keys):
//
//   - ".txn/pending/ID": the pending marker of transaction ID in this
//     store, a small JSON object (Marker) written before the first record
//     the transaction stages there and rewritten, before each later one,
//     with the keys it has staged so far. While it exists, every record
//     labelled with the transaction's id (record label "txn") is invisible
//     to every run outside the transaction. Committing deletes it: one
//     atomic operation per store, after which all of the transaction's
//     records there are visible at once.
//   - ".txn/keys/KEY": the key marker of a keyed transaction, written
//     before its commit; it names the transaction, and counts as
//     committed only once that transaction's pending marker is gone.
//
// # Abandoned transactions
//
// A transaction whose process died before it committed or rolled back
// leaves its pending marker, the records it staged (invisible) and maybe
// its key marker. It is abandoned (Abandoned) when its writer is provably
// gone (its pid no longer runs on this machine since the same boot, see
// storage.ProcessGone) or its marker has not been written for StaleAge.
// Clean removes such a transaction's staged records (only those whose
// header still names the transaction: never another run's record, nor an
// object that is not a record), its key marker when it names the
// transaction, then the pending marker, in that order, so a crash during
// the cleanup leaves nothing visible either.
package txnstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/storage"
)

// Prefix is the first key segment of the transaction objects.
const Prefix = ".txn"

// PendingDir and KeysDir are the folders of pending markers and key markers.
const (
	PendingDir = Prefix + "/pending/"
	KeysDir    = Prefix + "/keys/"
)

// Label is the record label that holds the id of the transaction that
// staged the record.
const Label = "txn"

// StaleAge is how long a pending marker must have gone unwritten before
// its transaction counts as abandoned when its writer's process cannot be
// checked (another machine, another pid namespace, S3).
const StaleAge = 24 * time.Hour

// Marker is the body of a pending marker.
type Marker struct {
	Txn string `json:"txn"`
	// TxnKeys are the keys of the keyed transactions (TxnKey) whose key
	// markers the transaction writes in this store when it commits.
	TxnKeys []string  `json:"txn_keys,omitempty"`
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Boot    string    `json:"boot,omitempty"` // storage.BootID of the writer
	Started time.Time `json:"started"`
	Keys    []string  `json:"keys"` // the record keys staged so far
}

// PendingKey is the key of transaction id's pending marker.
func PendingKey(id string) string { return PendingDir + id }

// KeyMarker is the key of the key marker of a transaction keyed key.
func KeyMarker(key string) string { return KeysDir + key }

// NewMarker is the marker of transaction id written by this process.
func NewMarker(id string, started time.Time) Marker {
	host, _ := os.Hostname()
	return Marker{Txn: id, Host: host, PID: os.Getpid(), Boot: storage.BootID(), Started: started.UTC(), Keys: []string{}}
}

// WritePending writes m as its transaction's pending marker in st.
func WritePending(ctx context.Context, st storage.Storage, m Marker) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return st.Put(ctx, PendingKey(m.Txn), bytes.NewReader(b), storage.PutOptions{Size: int64(len(b))})
}

// ReadPending reads the pending marker of transaction id; an error
// wrapping storage.ErrNotFound when there is none (the transaction
// committed, rolled back or was cleaned up).
func ReadPending(ctx context.Context, st storage.Storage, id string) (Marker, storage.Info, error) {
	return readJSON[Marker](ctx, st, PendingKey(id))
}

// Pending reports whether transaction id's pending marker is in st.
func Pending(ctx context.Context, st storage.Storage, id string) (bool, error) {
	_, err := st.Stat(ctx, PendingKey(id))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, storage.ErrNotFound):
		return false, nil
	}
	return false, err
}

// keyMarker is the body of a key marker.
type keyMarker struct {
	Txn string `json:"txn"`
}

// WriteKey writes the key marker of key naming transaction id; with
// ifAbsent, only when there is none (storage.ErrExists otherwise).
func WriteKey(ctx context.Context, st storage.Storage, key, id string, ifAbsent bool) error {
	b, _ := json.Marshal(keyMarker{Txn: id})
	return st.Put(ctx, KeyMarker(key), bytes.NewReader(b), storage.PutOptions{IfAbsent: ifAbsent, Size: int64(len(b))})
}

// KeyTxn returns the id of the transaction the key marker of key names;
// an error wrapping storage.ErrNotFound when there is none.
func KeyTxn(ctx context.Context, st storage.Storage, key string) (string, error) {
	m, _, err := readJSON[keyMarker](ctx, st, KeyMarker(key))
	return m.Txn, err
}

// Committed reports whether a transaction keyed key committed in st: its
// key marker names a transaction whose pending marker is gone.
func Committed(ctx context.Context, st storage.Storage, key string) (bool, error) {
	id, err := KeyTxn(ctx, st, key)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	p, err := Pending(ctx, st, id)
	return !p && err == nil, err
}

func readJSON[T any](ctx context.Context, st storage.Storage, key string) (T, storage.Info, error) {
	var v T
	var info storage.Info
	rc, err := st.Get(ctx, key)
	if err != nil {
		return v, info, err
	}
	defer rc.Close()
	if oi, ok := rc.(storage.OpenInfo); ok {
		info = oi.ObjectInfo()
	} else if info, err = st.Stat(ctx, key); err != nil {
		return v, info, err
	}
	b, err := io.ReadAll(io.LimitReader(rc, 64<<20))
	if err != nil {
		return v, info, fmt.Errorf("read %q: %w", key, err)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, info, fmt.Errorf("read %q: not a resultgen transaction marker: %w", key, err)
	}
	return v, info, nil
}

// Open is one pending transaction found in a store.
type Open struct {
	Marker
	Modified time.Time // when the marker was last written
	Err      error     // the marker could not be read
}

// Abandoned reports whether the transaction's writer is provably gone, or
// its marker went unwritten for StaleAge before now.
func (o Open) Abandoned(now time.Time) bool {
	if o.Err != nil {
		return false
	}
	return storage.ProcessGone(o.Boot, o.PID) || !o.Modified.IsZero() && now.Sub(o.Modified) > StaleAge
}

// List yields the pending transactions of st.
func List(ctx context.Context, st storage.Storage) ([]Open, error) {
	var out []Open
	for info, err := range st.List(ctx, PendingDir) {
		if err != nil {
			return out, err
		}
		id := strings.TrimPrefix(info.Key, PendingDir)
		if id == "" || strings.Contains(id, "/") {
			continue
		}
		m, _, err := ReadPending(ctx, st, id)
		if errors.Is(err, storage.ErrNotFound) {
			continue // committed or rolled back meanwhile
		}
		if m.Txn != id && err == nil {
			err = fmt.Errorf("pending marker %q names transaction %q", info.Key, m.Txn)
		}
		out = append(out, Open{Marker: m, Modified: info.Modified, Err: err})
	}
	return out, nil
}

// Clean removes what transaction o left in st, in the order the package
// doc gives, and returns the record keys it removed. It removes a record
// only when its header names the transaction.
func Clean(ctx context.Context, st storage.Storage, o Open) ([]string, error) {
	return Discard(ctx, st, o.Txn, o.TxnKeys, o.Keys)
}

// Discard removes the records transaction id staged at keys (those whose
// header still names it), the key markers of txnKeys that name it, then
// its pending marker: a rollback, or the cleanup of an abandoned
// transaction. It returns the keys it removed. On an error it stops
// before the pending marker, so what is left stays invisible.
func Discard(ctx context.Context, st storage.Storage, id string, txnKeys, keys []string) ([]string, error) {
	var removed []string
	var errs []error
	seen := map[string]bool{}
	for i := len(keys) - 1; i >= 0; i-- {
		k := keys[i]
		if seen[k] {
			continue
		}
		seen[k] = true
		ok, err := removeStaged(ctx, st, k, id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok {
			removed = append(removed, k)
		}
	}
	for _, key := range txnKeys {
		switch kid, err := KeyTxn(ctx, st, key); {
		case errors.Is(err, storage.ErrNotFound):
		case err != nil:
			errs = append(errs, err)
		case kid == id:
			if err := st.Delete(ctx, KeyMarker(key)); err != nil && !errors.Is(err, storage.ErrNotFound) {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		return removed, errors.Join(errs...)
	}
	if err := st.Delete(ctx, PendingKey(id)); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return removed, err
	}
	return removed, nil
}

// removeStaged deletes the record at key when its header names
// transaction id.
func removeStaged(ctx context.Context, st storage.Storage, key, id string) (bool, error) {
	m, err := record.Head(ctx, st, key)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return false, nil
	case errors.Is(err, record.ErrNotRecord):
		return false, nil // not ours: never touched
	case err != nil:
		return false, err
	case m.Labels[Label] != id:
		return false, nil // another run's record now
	}
	if err := st.Delete(ctx, key); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return false, err
	}
	return true, nil
}
