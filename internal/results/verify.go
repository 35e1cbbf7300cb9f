package results

import (
	"context"
	"errors"
	"io"
	"iter"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/storage"
)

// Problem names what is wrong with a checked object; "" means nothing.
type Problem string

// The problems Verify reports, from the most to the least specific.
const (
	ProblemNone       Problem = ""
	ProblemTruncated  Problem = "truncated"           // record.ErrTruncated
	ProblemChecksum   Problem = "checksum mismatch"   // record.ErrChecksum
	ProblemVersion    Problem = "unsupported version" // record.ErrVersion
	ProblemCorrupt    Problem = "corrupt"             // any other record.ErrCorrupt
	ProblemNotRecord  Problem = "not a record"        // ErrNotRecord
	ProblemMissing    Problem = "missing"             // storage.ErrNotFound
	ProblemInvalidKey Problem = "invalid key"         // storage.ErrInvalidKey
	ProblemUnreadable Problem = "unreadable"          // the store failed
)

// Check is the outcome of verifying one object.
type Check struct {
	Key  string
	Meta record.Meta // the verified metadata, Size and Checksum included, when Err is nil
	Read int64       // bytes read
	Err  error       // nil: the record is intact
}

// Problem classifies c.Err.
func (c Check) Problem() Problem {
	switch err := c.Err; {
	case err == nil:
		return ProblemNone
	case errors.Is(err, ErrNotRecord):
		return ProblemNotRecord
	case errors.Is(err, record.ErrTruncated):
		return ProblemTruncated
	case errors.Is(err, record.ErrChecksum):
		return ProblemChecksum
	case errors.Is(err, record.ErrVersion):
		return ProblemVersion
	case errors.Is(err, record.ErrCorrupt):
		return ProblemCorrupt
	case errors.Is(err, storage.ErrNotFound):
		return ProblemMissing
	case errors.Is(err, storage.ErrInvalidKey):
		return ProblemInvalidKey
	}
	return ProblemUnreadable
}

// VerifyKey reads the whole record at key and checks its header CRC,
// trailer CRC, payload length and payload SHA-256, streaming the payload
// without keeping it. It decodes nothing.
func VerifyKey(ctx context.Context, st storage.Storage, key string) Check {
	c := Check{Key: key}
	if err := storage.ValidateKey(key); err != nil {
		c.Err = err
		return c
	}
	rc, err := st.Get(ctx, key)
	if err != nil {
		c.Err = err
		return c
	}
	defer rc.Close()
	cr := &countingReader{r: rc, ctx: ctx}
	d, err := record.NewReader(cr)
	if err == nil {
		_, err = io.Copy(io.Discard, d)
	}
	c.Read = cr.n
	if err != nil {
		var ce *record.CorruptError
		if errors.As(err, &ce) && ce.Key == "" {
			ce.Key = key // NewReader knows no key; the error is ours to fill
		}
		// A damaged start with an intact trailer is damage, not a foreign
		// object, and a zero-filled object is said to be one: the same
		// judgment as the runtime's (record.Classify).
		c.Err = record.Classify(ctx, st, key, err)
		return c
	}
	c.Meta = d.Meta()
	return c
}

// countingReader counts the bytes read and stops when ctx is done.
type countingReader struct {
	r   io.Reader
	ctx context.Context
	n   int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// VerifyOptions select and tune Verify.
type VerifyOptions struct {
	Prefix  string // only keys starting with it
	Workers int    // records verified at once; < 1 means DefaultWorkers
	Looked  func() // when not nil, called once per object looked at
}

// Verify verifies every object of st under opts.Prefix with VerifyKey and
// yields the checks in key order. Objects that are not records are yielded
// with ProblemNotRecord (`results verify` fails on them: a run of their key
// does). The error
// is the store's failing to list, and ends the sequence.
func Verify(ctx context.Context, st storage.Storage, opts VerifyOptions) iter.Seq2[Check, error] {
	return func(yield func(Check, error) bool) {
		if err := storage.ValidatePrefix(opts.Prefix); err != nil {
			yield(Check{}, err)
			return
		}
		check := func(ctx context.Context, info storage.Info) (Check, bool) {
			c := VerifyKey(ctx, st, info.Key)
			if c.Problem() == ProblemMissing || c.Problem() == ProblemInvalidKey {
				return c, false // removed since listed, or a store's own file
			}
			return c, true
		}
		ordered(ctx, st.List(ctx, opts.Prefix), opts.Workers, opts.Looked, check, yield)
	}
}
