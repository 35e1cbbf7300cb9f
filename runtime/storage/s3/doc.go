// Package s3 keeps result records on an S3-compatible object store (AWS S3,
// MinIO, and others speaking the S3 API) through
// github.com/minio/minio-go/v7. Its Storage implements storage.Storage,
// storage.RangeGetter, storage.Locker and storage.UploadLister.
//
// # Configuration
//
// A store is named by a URL, s3://BUCKET/PREFIX; key K lives in object
// PREFIX/K of BUCKET (PREFIX may be empty: s3://BUCKET). ParseURL splits the
// URL; ConfigFromEnv turns it into a Config using the standard AWS settings,
// and Open connects and checks that the bucket exists:
//
//	cfg, err := s3.ConfigFromEnv("s3://results/prod", os.LookupEnv)
//	if err != nil { ... }
//	st, err := s3.Open(ctx, cfg)
//
// The settings ConfigFromEnv reads:
//
//	AWS_ENDPOINT_URL_S3  endpoint URL for S3, e.g. http://127.0.0.1:9000;
//	                     the scheme decides TLS (http: plain, https: TLS)
//	AWS_ENDPOINT_URL     endpoint URL for all AWS services, if the above is unset
//	AWS_REGION           region (else AWS_DEFAULT_REGION; else asked of the server)
//
// Without an endpoint the store talks to AWS (s3.amazonaws.com, TLS).
// ParseEndpoint is the one reader of endpoints, wherever they come from
// (these variables, Config.Endpoint, resultgen's blocks): http://HOST:PORT
// is plain HTTP, https://HOST:PORT is TLS, and a bare HOST:PORT is TLS
// unless Insecure is set. A path, query, fragment, credentials or another
// scheme are refused, and https:// with Insecure is a contradiction.
//
// # Credentials
//
// Credentials come from the standard chain and nowhere else (never from a
// URL, a directive or a configuration file of this project): first
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), then the
// shared credentials file, AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials
// (with ~/.aws/config), at the profile AWS_PROFILE or "default". With none,
// requests are anonymous. Config.Credentials overrides the chain.
//
// # Consistency
//
// S3 offers strong read-after-write consistency, and a PUT replaces an
// object atomically, so:
//
//   - Put is atomic. A body of up to Config.PartSize bytes (default 16 MiB)
//     goes up in one request; a longer body is streamed as a multipart
//     upload in parts of PartSize (the last up to 64 KiB longer), 4 parts
//     in flight at a time (sent from a record's own memory when its value
//     is one large slice, else from at most 4 part buffers, however large
//     the result), and the object appears only when the upload completes. A failed or cancelled
//     upload (or one whose body panics) is aborted, with a fresh context of
//     its own when ctx was cancelled, and leaves no object and no parts. A
//     process killed mid-upload, or a server unreachable even for the abort,
//     leaves an incomplete upload: invisible, but its parts are kept (and
//     billed on AWS) until aborted. Uploads lists them and AbortUpload drops
//     one (resultgen results verify and prune -uploads use them); on AWS a
//     lifecycle rule with AbortIncompleteMultipartUpload does it too.
//   - PutOptions.IfAbsent sends If-None-Match: *, which the server checks
//     under its own lock at commit time: for a multipart upload on
//     CompleteMultipartUpload (minio-go v7.4.1's own multipart path drops
//     the header there, so this package drives multipart uploads itself
//     through minio.Core and sends it on the complete request). Of
//     concurrent writers of one key exactly one wins; the others get an
//     error wrapping storage.ErrExists and can read the winner's object.
//     (AWS S3 and MinIO both honour it; see "Conditional writes" for a
//     server that does not.)
//   - PutOptions.Metadata is kept as user metadata, so Stat answers with
//     one HEAD request: all of it in one entry, x-amz-meta-resultgen-meta,
//     a JSON object of names to values (one header on every GET and HEAD,
//     not one per name; objects written before it, with an entry per name,
//     read as before). Names must be ASCII tokens (letters, digits, "-",
//     "_", "."), values printable ASCII without leading or trailing space;
//     Stat returns them under the names given to Put.
//   - Missing objects are reported with storage.ErrNotFound. Network errors
//     name the operation, the key and the endpoint, e.g.
//     s3 put "k" at 127.0.0.1:9000: dial tcp ...: connection refused.
//   - Delete checks that the object exists and then deletes it; S3 has no
//     conditional delete, so two concurrent Deletes may both succeed.
//
// # Reading ahead
//
// Storage is a storage.ReadAheader: the runtime may keep up to
// Config.ReadAhead GETs in flight (DefaultReadAhead, 16) to read a flow
// run's records ahead of its tasks (see the runtime package's doc,
// "Flows on S3"); a negative ReadAhead turns that off. With the default
// transport the client keeps that many idle connections per host warm, so
// the parallel GETs reuse connections instead of opening new ones.
//
// # Conditional writes
//
// This package relies on three conditional operations (type Feature):
// PutObject with If-None-Match: * (Put with IfAbsent, taking a lease),
// PutObject with If-Match (taking over, renewing and releasing a lease) and
// CompleteMultipartUpload with If-None-Match: * (Put with IfAbsent of a
// body longer than PartSize). A server that ignores them breaks exclusivity
// silently, so a Storage probes them once, on the first operation that
// needs one: on a fresh object PREFIX/.locks/probe-RANDOM it makes a
// conditional PUT twice (the second must fail with 412), a PUT with its
// own ETag and one with another (412), and a one-part multipart upload onto
// the object completed with If-None-Match: * (412), then removes the object
// (about 9 requests; ProbeStats reports them). The result is kept for the
// Storage's life; a probe that failed for another reason (network,
// permissions, a cancelled context) is made again by the next operation.
// An operation that needs a feature the server ignores or rejects (501
// NotImplemented, or 400) fails before writing, with a
// *ConditionalWriteError naming the server, the feature and what the probe
// saw, which matches ErrNoConditionalWrites; the missing features are also
// logged once at WARN. Operations that need no condition (Get, Stat, List,
// a plain Put, Delete, Touch) work on any server.
//
// # Leases
//
// Lock serializes work on one key across processes and machines with a
// lease object, PREFIX/.locks/<sha256 of the key, hex>, holding the owner
// (Config.Owner, by default "HOST/PID/RANDOM"), the holder's host name,
// process id and storage.BootID, when it took the lease, a random token
// and an expiry time (the .locks folder is reserved on every backend: keys
// under it are refused and List skips it).
//
//   - Taking: PUT the lease with If-None-Match: *. Exactly one of
//     concurrent takers creates it.
//   - Waiting: while the lease exists and has not expired, Lock polls with
//     jittered exponential backoff (50 ms up to 2 s, and soon after the
//     expiry) until ctx is done. It reports whom it waits for (owner, host,
//     pid, since, expiry) once per holder, not at every poll: to the
//     storage.LockTrace of ctx, else at WARN through Config.Logger.
//   - Taking over: an expired lease (its holder crashed or stalled) is
//     overwritten with If-Match: <the ETag read>, so of two takers of the
//     same expired lease only one wins. A killed holder's lease is thus
//     taken over at most ttl after its last renewal. A live lease whose
//     holder crashed on this machine is taken over the same way at once:
//     its host name and BootID are this process's and no process of its
//     pid runs (storage.ProcessGone), so rerunning a crashed job on the
//     same machine does not wait its lease out. A holder that cannot be
//     shown dead (another machine, boot or pid namespace; a pid that runs,
//     maybe reused) is waited out.
//   - Renewing: while held, the lease is rewritten every ttl/3 with If-Match
//     on our last ETag (Config.DisableLeaseRenew turns this off). A failed
//     renewal is retried every ttl/9, each attempt bounded by the expiry.
//   - Losing: the lease is lost when a renewal's condition fails (another
//     process took it over) or when no renewal succeeded before it expired
//     (the server was unreachable; by then another process may take it).
//     The holder then stops renewing for good (it never revives an expired
//     lease), reports the loss once, to the LockTrace's Lost, else at ERROR
//     through Config.Logger, and its unlock returns an error wrapping
//     ErrLeaseLost (which also matches storage.ErrLockLost). Whatever it
//     does after the loss is no longer exclusive; resultgen's runtime
//     cancels the task's context and commits its result only if no record
//     is there by then.
//   - Releasing: unlock deletes the lease only while it is ours (its ETag is
//     the one we wrote) and at least max(ttl/4, 1s) from expiry, when nobody
//     can have taken it over; closer to expiry it marks the lease expired
//     with a conditional overwrite instead, which leaves a small object that
//     the next taker takes over.
//
// Expiry compares the holder's clock with the taker's: clocks of the
// processes sharing a store must agree to well within the lease ttl.
package s3
