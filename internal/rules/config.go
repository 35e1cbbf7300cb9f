package rules

import (
	"io"
	"time"
)

// Kind tells tasks from flows.
type Kind uint8

const (
	KindTask Kind = iota + 1 // a task: cached, keyed, persisted per call
	KindFlow                 // a flow: a run that groups task runs
)

// Config holds settings set explicitly by directives or options. The zero
// value of each field means "not set": it is then inherited from the calling
// flow or the global settings.
type Config struct {
	Name            string
	Persist         *bool
	Storage         string // "local", "local:PATH", "memory", "s3://BUCKET/PREFIX", "TYPE/NAME"
	StorageBackend  Store  // a store made in code (runtime.StorageBackend); beats Storage
	StorageKey      string // the template as written, for logs and records
	Serializer      string // "msgpack", "json", "gob", "compressed/<x>"
	SerializerValue Codec  // a serializer made in code (runtime.SerializerValue); beats Serializer
	Compression     string // "zstd", "gzip", "zlib"
	CacheInMemory   *bool
	CachePolicy     string // "default", "none", "inputs+task_source", "inputs-name", ...
	CacheKeyFn      bool   // the task has a cache_key_fn (set by the generator)
	CacheExpiration time.Duration
	RefreshCache    *bool
	Isolation       string // "read_committed" (default) or "serializable"
	Retries         int
	RetryDelay      time.Duration
	// RunID names a flow run (set with the runtime.RunID option; flows
	// only): the run is durable, see runtime.RunID. "" gives the run a
	// random UUID.
	RunID string
	// NewRun re-runs a named flow run even when it finished (the
	// runtime.NewRun option).
	NewRun bool
	// VerifyHits is the fraction of a task's cache hits that are recomputed
	// and compared with the record (the runtime.VerifyHits option); nil means
	// RESULTGEN_VERIFY_HITS.
	VerifyHits *float64
	// ResumeAcrossVersions lets a named flow run resume under other flow
	// code than it started under (the runtime.ResumeAcrossVersions option).
	ResumeAcrossVersions bool
	// Encrypt seals the persisted results (encrypt=, runtime.Encrypt);
	// nil means the calling flow's, else RESULTGEN_ENCRYPT_RESULTS.
	Encrypt *bool
}

// Store is a store made in code, as the rules see it: a name for logs,
// records and review. The runtime's storage.Storage is one; the
// runtime.StorageBackend option, which takes a storage.Storage, is how a
// Config gets one.
type Store interface {
	String() string
}

// Codec is a serializer made in code: the method set of the runtime's
// serializer.Serializer, which the runtime.SerializerValue option takes.
type Codec interface {
	Spec() SerializerSpec
	Encode(w io.Writer, v any) error
	Decode(r io.Reader, v any) error
}
