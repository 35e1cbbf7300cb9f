// Package results inspects and manages the result records stored in a
// storage.Storage: it lists them, shows one, verifies them, removes them and
// prunes them. It is the logic behind `resultgen results`; it returns data
// and prints nothing (the few Format* helpers render values for people).
//
// # What is in a store
//
// Every object a store lists is one Entry, in key order, with a Status:
//
//   - StatusRecord: a resultgen record; Entry.Meta holds what it says about
//     itself (task, Go type, serializer or literal, created, expires, labels).
//   - StatusNotRecord: an object that is not a resultgen record, or none
//     resultgen can prove it wrote (another program's file under the same
//     folder or prefix, an empty or zero-filled file, a record cut short
//     before its header's CRC: see "Damaged or foreign" in package record).
//     It is listed, never touched by Prune, and removed by Remove only with
//     Force; Entry.Err says why, and matches record.ErrZeroFilled for a
//     zero-filled one. Verify reports it as a problem (ProblemNotRecord):
//     every run of its key fails on it.
//   - StatusDamaged: a record of ours, proved by its header's or its
//     trailer's CRC, that cannot be read (truncated, a checksum mismatch,
//     an unsupported format version, a damaged start); Entry.Err says which
//     and matches record.ErrCorrupt and its kin with errors.Is. Verify
//     reports the same objects as damaged, as does the runtime, which
//     replaces them.
//   - StatusUnreadable: the store could not read it (permissions, network).
//
// A store's own files (the local store's temporary files and lock folder,
// the S3 store's leases) are never listed: the stores hide them and List
// skips every name that is not a valid key. ListTemps lists the local
// store's (StatusTemporary, `results ls -all`), and PruneTemps removes those
// that are stale, never one in use (`results prune -tmp`).
//
// # Reading without the payload
//
// List and Show never read a payload. On a store that reads byte ranges
// (local, memory, S3) they read a record's header and trailer, check both
// CRCs and learn the payload's size and SHA-256; elsewhere they read the
// header alone and the size stays unknown (Entry.PayloadSize). Verify is the
// one that reads everything: it streams each payload through SHA-256 without
// keeping it, so it runs in constant memory whatever the record's size.
//
// # Values
//
// Value decodes a record's payload, after verifying it, into `any` through
// the serializer the record names. msgpack and json (compressed or not) decode
// without the Go type; gob cannot (it needs the concrete type, which only the
// program that wrote the record has), nor can a custom serializer that this
// process has not registered: Value then returns an error matching
// ErrNeedsType, and the metadata is all there is to show. JSONValue makes a
// decoded value printable as JSON.
//
// # Removing
//
// Remove deletes the records it is given by key, all or nothing as far as it
// can check: every key must be valid (storage.ValidateKey), present, and a
// resultgen record (unless RemoveOptions.Force), else nothing is removed.
// Prune removes the records matching every criterion set in a Criteria
// (expired, older than a duration, of a task, under a prefix); at least one
// of Expired, OlderThan and Task is required, so a slip never empties a
// store. Prune never touches objects that are not records or whose header
// cannot be read, and with DryRun it only reports.
//
// A record refreshed by a running program between Prune's look and its
// delete is removed all the same: prune what no program is writing, or
// accept that such a result is recomputed on its next run.
//
// # Named runs
//
// Runs lists the named flow runs (runtime.RunID) from the records under
// .runs/ only, each as a Run with its status (RunOf reads it from the
// record's labels): Running, Completed, Failed (with the redacted error
// the runtime kept), or RunHolderGone, a Running run whose process is
// gone: its pid no longer runs on this machine (storage.ProcessGone), or
// nobody holds the run's lock where the store can tell
// (storage.LockInspector: a free local lock file, an expired S3 lease).
// RunSteps lists the records a run's tasks wrote, in one pass over the
// store. Both stream: memory does not grow with the store.
//
// # Incomplete uploads
//
// A store that implements storage.UploadLister (S3) may hold incomplete
// multipart uploads: writers at work, or killed mid-upload. Uploads lists
// them with their age, Stale past StaleUploadAge (24h: younger ones may be
// in progress elsewhere); PruneUploads aborts those older than a duration.
// Records are never touched by either.
//
// # Example
//
//	st, _ := storage.NewLocal(dir)
//	for e, err := range results.List(ctx, st, results.ListOptions{Task: "load"}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(e.Key, e.Status, results.FormatExpires(e.Meta, e.Expired))
//	}
//	for p, err := range results.Prune(ctx, st, results.Criteria{Expired: true}, results.PruneOptions{}) {
//		...
//	}
package results
