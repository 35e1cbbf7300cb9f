package results

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/txnstore"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/vmihailenco/msgpack/v5"
)

// Status says what an object in a store is.
type Status string

// The statuses of an Entry (see the package doc).
const (
	StatusRecord     Status = "record"
	StatusNotRecord  Status = "not a record"
	StatusDamaged    Status = "damaged"
	StatusUnreadable Status = "unreadable"
)

// Errors callers branch on with errors.Is.
var (
	// ErrNotRecord: the object at the key is not a resultgen record.
	// It is record.ErrNotRecord.
	ErrNotRecord = record.ErrNotRecord
	// ErrNeedsType: the record's payload cannot be decoded without its Go
	// type (gob, or a serializer this process has not registered).
	ErrNeedsType = errors.New("the value cannot be decoded without its Go type")
	// ErrNoCriteria: Prune was given no criterion.
	ErrNoCriteria = errors.New("no prune criterion: give at least one of expired, older-than, runs-older-than, task, flow and stale")
)

// DefaultWorkers is how many objects List, Verify and Prune look at at once
// when their options leave it zero. Looking at a record is a few small reads,
// so on a remote store the work is mostly waiting.
const DefaultWorkers = 8

// Entry is one object of a store.
type Entry struct {
	Key        string
	Location   string // where a user finds it: a file path, an s3:// URL
	Status     Status
	ObjectSize int64     // bytes of the whole object
	Modified   time.Time // as the store reports it
	// Meta is the record's self-description when Status is StatusRecord.
	// Meta.Size and Meta.Checksum are set only when the store reads byte
	// ranges (see PayloadSize).
	Meta record.Meta
	// Expired: the record's expiration was at or before the time it was
	// looked at.
	Expired bool
	// Err says why the object is not a readable record (every Status but
	// StatusRecord and StatusTemporary).
	Err error
	// Temp describes a store's own file (StatusTemporary, see ListTemps).
	Temp *storage.Temp
}

// PayloadSize returns the record's payload size, and false when the store
// could not tell it without reading the payload.
func (e Entry) PayloadSize() (int64, bool) {
	return e.Meta.Size, e.Status == StatusRecord && e.Meta.Checksum != ""
}

// ListOptions select and tune List.
type ListOptions struct {
	Prefix string // only keys starting with it (storage.ValidatePrefix)
	Task   string // only records of this task or flow (MatchName); "" means all objects
	// FlowRun: only records of this flow run (see InFlowRun); "" means all
	// objects.
	FlowRun string
	Now     time.Time // for Entry.Expired; zero means time.Now()
	Workers int       // objects looked at at once; < 1 means DefaultWorkers
	// Looked, when not nil, is called once per object looked at, whether
	// or not it is yielded (a command's progress).
	Looked func()
}

func (o ListOptions) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// InFlowRun reports whether the record described by m belongs to flow run
// id: its label flow_run_id is id (the run's tasks, and the result of a
// named run) or starts with id + "/" (the subflows of a named run, whose
// ids derive from it).
func InFlowRun(m record.Meta, id string) bool {
	got := m.Labels["flow_run_id"]
	return id != "" && (got == id || strings.HasPrefix(got, id+"/"))
}

// List yields every object of st under opts.Prefix as an Entry, in key
// order, reading record metadata but no payload. A problem with one object
// is in its Entry; the error is the store's failing to list, and ends the
// sequence.
func List(ctx context.Context, st storage.Storage, opts ListOptions) iter.Seq2[Entry, error] {
	now := opts.now()
	return func(yield func(Entry, error) bool) {
		if err := storage.ValidatePrefix(opts.Prefix); err != nil {
			yield(Entry{}, err)
			return
		}
		inspect := func(ctx context.Context, info storage.Info) (Entry, bool) {
			e, ok := inspect(ctx, st, info, now, true)
			if ok && opts.Task != "" && (e.Status != StatusRecord || !MatchName(e.Meta, opts.Task)) {
				return Entry{}, false
			}
			if ok && opts.FlowRun != "" && (e.Status != StatusRecord || !InFlowRun(e.Meta, opts.FlowRun)) {
				return Entry{}, false
			}
			return e, ok
		}
		ordered(ctx, st.List(ctx, opts.Prefix), opts.Workers, opts.Looked, inspect, yield)
	}
}

// Show returns the Entry of the record at key with its metadata verified
// (header and trailer). An absent key gives an error wrapping
// storage.ErrNotFound; an object that is not a readable record gives its
// Entry (Status and Err say why) and no error.
func Show(ctx context.Context, st storage.Storage, key string, now time.Time) (Entry, error) {
	if err := storage.ValidateKey(key); err != nil {
		return Entry{}, err
	}
	info, err := st.Stat(ctx, key)
	if err != nil {
		return Entry{}, err
	}
	e, ok := inspect(ctx, st, info, now, true)
	if !ok {
		return Entry{}, fmt.Errorf("%s: %w", key, storage.ErrNotFound)
	}
	return e, nil
}

// inspect looks at one listed object. full reads the trailer too where the
// store reads ranges. ok is false when the object vanished since it was
// listed.
func inspect(ctx context.Context, st storage.Storage, info storage.Info, now time.Time, full bool) (Entry, bool) {
	e := Entry{
		Key:        info.Key,
		Location:   storage.Location(st, info.Key),
		ObjectSize: info.Size,
		Modified:   info.Modified,
	}
	if err := storage.ValidateKey(info.Key); err != nil {
		return e, false // a store's own file
	}
	if strings.HasPrefix(info.Key, txnstore.Prefix+"/") {
		return e, false // a transaction's marker (see PruneTxns)
	}
	var (
		m   record.Meta
		err error
	)
	if _, ranged := st.(storage.RangeGetter); ranged && full {
		m, err = record.ReadMetaSized(ctx, st, info.Key, info.Size)
	} else {
		m, err = record.Head(ctx, st, info.Key)
	}
	switch {
	case err == nil:
		e.Status, e.Meta, e.Expired = StatusRecord, m, m.Expired(now)
	case errors.Is(err, storage.ErrNotFound):
		return e, false
	case notRecord(err):
		e.Status, e.Err = StatusNotRecord, err // names the key and says why
	case errors.Is(err, record.ErrCorrupt) || errors.Is(err, record.ErrVersion):
		e.Status, e.Err = StatusDamaged, err
	default:
		e.Status, e.Err = StatusUnreadable, err
	}
	return e, true
}

// notRecord tells a foreign object from a damaged record.
func notRecord(err error) bool { return errors.Is(err, record.ErrNotRecord) }

// ordered calls fn on every listed object, up to workers at once, and
// yields the results in list order, skipping those fn drops. looked, when
// not nil, is called (from the caller's goroutine) once per object fn
// looked at, dropped or not: a command's progress. A list error
// is yielded in its place and ends the run. It returns once every call has
// returned.
func ordered[T any](ctx context.Context, list iter.Seq2[storage.Info, error], workers int, looked func(), fn func(context.Context, storage.Info) (T, bool), yield func(T, error) bool) {
	if workers < 1 {
		workers = DefaultWorkers
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()

	type result struct {
		v  T
		ok bool
	}
	type slot struct {
		ch  chan result
		err error
	}
	queue := make(chan slot, workers)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(queue)
		for info, err := range list {
			if err != nil {
				select {
				case queue <- slot{err: err}:
				case <-ctx.Done():
				}
				return
			}
			ch := make(chan result, 1)
			select {
			case queue <- slot{ch: ch}:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, ok := fn(ctx, info)
				ch <- result{v, ok}
			}()
		}
	}()
	var zero T
	for s := range queue {
		if s.err != nil {
			yield(zero, s.err)
			return
		}
		r := <-s.ch
		if looked != nil {
			looked()
		}
		if r.ok && !yield(r.v, nil) {
			return
		}
	}
	if err := ctx.Err(); err != nil {
		yield(zero, err)
	}
}

// Value verifies the whole record at key and decodes its payload into an
// `any` through the serializer the record names (literal records give true,
// false or nil). For gob, and for serializers this process has not
// registered, the error matches ErrNeedsType. The value is as the
// serializer decodes it; pass it through JSONValue before json.Marshal.
func Value(ctx context.Context, st storage.Storage, key string) (any, record.Meta, error) {
	m, err := record.Head(ctx, st, key)
	if err != nil {
		return nil, record.Meta{}, err
	}
	if s := m.Serializer; s != nil {
		if s.Type == serializer.GobName {
			return nil, m, fmt.Errorf("%s: %w: gob records decode only into their Go type (%s); read the value with the program's typed wrapper", key, ErrNeedsType, m.GoType)
		}
		if _, err := serializer.New(*s); err != nil {
			return nil, m, fmt.Errorf("%s: %w: serializer %s is not built in (%w); only a program that registers it can decode the value", key, ErrNeedsType, s.String(), err)
		}
	}
	var v any
	m, err = record.Read(ctx, st, key, anyDecoder(m), &v)
	if err != nil {
		return nil, record.Meta{}, err
	}
	return v, m, nil
}

// anyDecoder returns the serializer that decodes the record of m into an
// `any`, or nil for the record's own. The built-in msgpack decoder turns
// maps into map[string]any and fails on other keys (a Go map[int]T); this
// one decodes every map as map[any]any, which JSONValue then renders.
func anyDecoder(m record.Meta) serializer.Serializer {
	if m.Serializer == nil || m.Serializer.Type != serializer.MsgpackName {
		return nil
	}
	spec := *m.Serializer
	var s serializer.Serializer = looseMsgpack{spec: serializer.Spec{Type: spec.Type, Options: spec.Options}}
	if spec.Compression != "" {
		c, err := serializer.Compressed(s, spec.Compression)
		if err != nil {
			return nil
		}
		s = c
	}
	return s
}

// looseMsgpack decodes msgpack into `any` with maps of any key type. It
// only decodes: Value never writes.
type looseMsgpack struct{ spec serializer.Spec }

func (l looseMsgpack) Spec() serializer.Spec { return l.spec }

func (l looseMsgpack) Encode(io.Writer, any) error {
	return errors.New("results: looseMsgpack only decodes")
}

func (l looseMsgpack) Decode(r io.Reader, v any) error {
	dec := msgpack.NewDecoder(r)
	dec.SetMapDecoder(func(d *msgpack.Decoder) (any, error) { return d.DecodeUntypedMap() })
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("msgpack: decode into %T: %w", v, err)
	}
	return nil
}

// JSONValue returns v with what encoding/json refuses made printable: maps
// with non-string keys get their keys formatted with %v, and NaN and the
// infinities become the strings "NaN", "+Inf" and "-Inf".
func JSONValue(v any) any {
	switch x := v.(type) {
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[fmt.Sprint(k)] = JSONValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = JSONValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = JSONValue(e)
		}
		return out
	case float64:
		return jsonFloat(x)
	case float32:
		return jsonFloat(float64(x))
	}
	return v
}

func jsonFloat(f float64) any {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	return f
}

// entryJSON is the JSON form of an Entry.
type entryJSON struct {
	Key        string            `json:"key"`
	Location   string            `json:"location"`
	Status     Status            `json:"status"`
	Task       string            `json:"task,omitempty"`
	GoType     string            `json:"go_type,omitempty"`
	Code       string            `json:"code_version,omitempty"`
	Serializer string            `json:"serializer,omitempty"`
	Literal    *string           `json:"literal,omitempty"`
	Size       *int64            `json:"size,omitempty"` // payload; absent when unknown
	Checksum   string            `json:"checksum,omitempty"`
	ObjectSize int64             `json:"object_size"`
	Version    int               `json:"version,omitempty"`
	Writer     string            `json:"writer,omitempty"` // the resultgen version that wrote the record; absent when it does not say
	Created    *time.Time        `json:"created,omitempty"`
	Expires    *time.Time        `json:"expires,omitempty"`
	Expired    bool              `json:"expired"`
	Modified   time.Time         `json:"modified"`
	Labels     map[string]string `json:"labels,omitempty"`
	Encryption *encryptionJSON   `json:"encryption,omitempty"` // an encrypted record's key id and cipher
	Error      string            `json:"error,omitempty"`
	Kind       storage.TempKind  `json:"kind,omitempty"`  // temporary: "temporary" or "lock"
	PID        int               `json:"pid,omitempty"`   // temporary: the writer's process
	Stale      *bool             `json:"stale,omitempty"` // temporary: may be removed
}

// MarshalJSON renders the entry as one flat JSON object: key, location,
// status, task, go_type, code_version (record.Meta.CodeVersion; absent when
// the record does not say), serializer (absent for literals) or literal, size
// (payload bytes, absent when unknown), checksum, object_size, version,
// writer (the resultgen version that wrote it, absent when the record does
// not say), created, expires (absent: never), expired, modified, labels,
// encryption ({"key_id", "cipher"}; absent for a record in the clear) and
// error;
// for a store's own file (StatusTemporary) also kind, pid and stale.
func (e Entry) MarshalJSON() ([]byte, error) {
	return json.Marshal(e.toJSON())
}

func (e Entry) toJSON() entryJSON {
	j := entryJSON{
		Key:        e.Key,
		Location:   e.Location,
		Status:     e.Status,
		ObjectSize: e.ObjectSize,
		Modified:   e.Modified.UTC(),
		Expired:    e.Expired,
	}
	if e.Err != nil {
		j.Error = e.Err.Error()
	}
	if t := e.Temp; t != nil {
		stale := t.Stale
		j.Kind, j.PID, j.Stale = t.Kind, t.PID, &stale
	}
	if e.Status == StatusRecord {
		m := e.Meta
		j.Task, j.GoType, j.Literal, j.Labels, j.Version, j.Checksum = m.Task, m.GoType, m.Literal, m.Labels, m.Version, m.Checksum
		j.Code = m.CodeVersion()
		j.Writer = m.Writer
		if enc := m.Encryption; enc != nil {
			j.Encryption = &encryptionJSON{KeyID: enc.KeyID, Cipher: enc.Cipher}
		}
		if m.Serializer != nil {
			j.Serializer = m.Serializer.String()
		}
		if n, ok := e.PayloadSize(); ok {
			j.Size = &n
		}
		created := m.Created
		j.Created = &created
		if !m.Expires.IsZero() {
			exp := m.Expires
			j.Expires = &exp
		}
	}
	return j
}

// encryptionJSON is how an encrypted record is sealed, in an entry's JSON:
// nothing secret.
type encryptionJSON struct {
	KeyID  string `json:"key_id"`
	Cipher string `json:"cipher"`
}
