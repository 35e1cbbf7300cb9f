package storage

import (
	"context"
	"io"
	"sync"
)

// copyBufs holds copyCtx's buffers: large enough for few system calls on
// big records, and reused so a small record does not allocate one.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// copyCtx copies src to dst in chunks, stopping with ctx.Err() as soon as ctx
// is done, so a cancelled Put stops reading its body.
func copyCtx(ctx context.Context, dst io.Writer, src io.Reader) (int64, error) {
	if h, ok := src.(Handoff); ok {
		return h.WriteTo(ctxWriter{ctx, dst})
	}
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		nr, rerr := src.Read(buf)
		if nr > 0 {
			nw, werr := dst.Write(buf[:nr])
			n += int64(nw)
			if werr != nil {
				return n, werr
			}
		}
		if rerr == io.EOF {
			return n, ctx.Err()
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

// Handoff is a Put body that hands the store its producer's own memory:
// WriteTo writes each piece to w as the producer gave it, with no copy
// into a buffer of the store's. record.Write's streaming body is one (P4
// write: see internal/record's handoff); a store may also Read it.
type Handoff interface {
	io.Reader
	io.WriterTo
	Handoff()
}

// ctxWriter is w that fails with ctx.Err() once ctx is done, checked
// before each write, as copyCtx checks before each read.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}
