package runtime

import (
	"time"

	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

// The Options below are what generated WithOptions methods accept. Each sets
// one Config field explicitly, so it beats the calling flow's setting and the
// global settings, exactly as the matching directive would.

// Persist sets persist: true persists the result, false never does (and beats
// every inferred reason).
func Persist(v bool) Option { return func(c *Config) { c.Persist = &v } }

// Storage sets the storage spec: "local", "local:PATH", "memory",
// "s3://BUCKET/PREFIX" or a block slug "TYPE/NAME".
func Storage(spec string) Option { return func(c *Config) { c.Storage = spec } }

// StorageBackend sets a store made in code; it beats Storage.
func StorageBackend(st storage.Storage) Option {
	return func(c *Config) { c.StorageBackend = st }
}

// Serializer sets the serializer by name: "msgpack", "json", "gob" or
// "compressed/<one of those>".
func Serializer(spec string) Option { return func(c *Config) { c.Serializer = spec } }

// SerializerValue sets a serializer made in code; it beats Serializer.
func SerializerValue(s serializer.Serializer) Option {
	return func(c *Config) { c.SerializerValue = s }
}

// Compression sets the compression of a "compressed/*" serializer: "zstd"
// (the default), "gzip" or "zlib".
func Compression(name string) Option { return func(c *Config) { c.Compression = name } }

// CacheInMemory sets whether the value is kept in memory after it is
// persisted; false drops it and reads it back from storage when asked for.
func CacheInMemory(v bool) Option { return func(c *Config) { c.CacheInMemory = &v } }

// CachePolicy sets the cache policy: "default", "none", or parts among
// "inputs", "task_source", "run_id", "flow_parameters" joined with '+';
// "inputs-NAME" leaves parameter NAME out of the inputs.
func CachePolicy(p string) Option { return func(c *Config) { c.CachePolicy = p } }

// CacheExpiration sets how long a persisted result may be reused; zero means
// forever. A negative duration writes a record that is already expired, so
// it is never served (the next run recomputes and overwrites it), as in the
// seeds' engine; the directive form cache_expiration=-5s is a generate
// error instead.
func CacheExpiration(d time.Duration) Option {
	return func(c *Config) { c.CacheExpiration = d }
}

// RefreshCache sets whether the task recomputes and overwrites a cached result.
func RefreshCache(v bool) Option { return func(c *Config) { c.RefreshCache = &v } }

// VerifyHits sets the fraction of the task's cache hits that are verified,
// from 0 (none: the default, unless RESULTGEN_VERIFY_HITS says otherwise)
// to 1 (every hit). Each hit is drawn at random with that probability; a
// verified hit runs the body too, encodes the fresh value with the task's
// serializer and compares it with the cached one. A difference, or a body
// that fails, is logged at WARN ("task NAME: verify: ...", with the key and
// the first differing field); the run returns the cached value either way
// and nothing is written. It finds tasks whose value depends on something
// their key does not cover: the clock, the environment, files, the
// network. A fraction outside 0..1 fails the run.
func VerifyHits(fraction float64) Option { return func(c *Config) { c.VerifyHits = &fraction } }

// Encrypt sets whether the persisted results are encrypted at rest (the
// encrypt directive key): true seals each record under the current key of
// the keyring (RESULTGEN_KEYRING or RESULTGEN_KEYRING_FILE; a run without
// one fails), false keeps them in the clear even under
// RESULTGEN_ENCRYPT_RESULTS=true. A flow's setting passes to the tasks it
// calls. Records of either kind are read whatever the setting, the
// encrypted ones with the keyring.
func Encrypt(v bool) Option { return func(c *Config) { c.Encrypt = &v } }

// Isolation sets the isolation level: "read_committed" (the default) or
// "serializable" (one computation per key at a time).
func Isolation(level string) Option { return func(c *Config) { c.Isolation = level } }

// Retries sets how many times a failed run is retried.
func Retries(n int) Option { return func(c *Config) { c.Retries = n } }

// RetryDelay sets the pause before each retry.
func RetryDelay(d time.Duration) Option { return func(c *Config) { c.RetryDelay = d } }

// Name sets the run name shown in logs and records.
func Name(name string) Option { return func(c *Config) { c.Name = name } }

// RunID names a flow run, making it durable: the id replaces the run's
// random UUID and name, so the default cache policy's run_id part is the
// same in every attempt of the run, in any process. With an id:
//
//   - a run that finished is not run again: its result, kept under
//     ".runs/<flow>/<id>" in the flow's storage, is returned with state
//     Cached, whether or not the flow persists its result otherwise;
//     calling it with other parameters is an error (ErrRunParameters),
//     unless NewRun is given too;
//   - a run that did not finish (its process crashed) runs its body again,
//     and the tasks that finished before are loaded from storage (tasks
//     that return a value persist in a named run; State.Resumed counts
//     them);
//   - a run resumes only under the flow code it started under: when the
//     flow's code version (Def.Source, kept with the run from its start)
//     changed since, the run fails with ErrRunCodeChanged, naming both
//     versions, unless ResumeAcrossVersions is given; a finished run is
//     returned whatever the code, and State.CodeVersion says which code
//     produced it;
//   - one process runs the id at a time: the others wait on the run's lock
//     (local storage: a file lock; S3: a lease renewed every
//     RESULTGEN_LEASE_TTL/3 and taken over when its holder dies), then
//     return the winner's result.
//
// An id is one storage-key segment: 1 to 255 bytes of UTF-8, no "/", "\",
// control characters, "." or "..", and not starting with ".tmp-". On a
// task, RunID is an error.
func RunID(id string) Option { return func(c *Config) { c.RunID = id } }

// NewRun, with RunID, runs the flow body again even when the named run
// finished, with the same or other parameters, and replaces the run's
// result. The run's tasks still load what is stored under the id (their
// keys include their inputs, so only tasks whose inputs are unchanged are
// reused); to start from nothing, forget the run first with
// `resultgen results rm -flow-run ID`.
func NewRun() Option { return func(c *Config) { c.NewRun = true } }

// ResumeAcrossVersions, with RunID, lets a named run that started (or,
// with NewRun, finished) under other code of its flow run its body under
// the current code, instead of failing with ErrRunCodeChanged. Each task
// the run finished before is then reused only where both its own code
// version and its inputs still match what its record kept (labels
// code_version and inputs), whatever its key is made of (cache policy,
// storage_key or cache_key_fn); the others run again and replace their
// records. The run's record then holds the new code version, so later
// attempts under that code resume without the option.
//
// Without it, a run's tasks are still checked one by one: a task record
// the run wrote is reused only when the task's code version is the one
// that wrote it. A finished run is returned by id whatever the code; the
// option does not change that (NewRun runs it again).
func ResumeAcrossVersions() Option { return func(c *Config) { c.ResumeAcrossVersions = true } }
