package serializer

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// Compressed wraps inner so that its output is compressed with compression:
// "zstd" ("" means zstd), "gzip" or "zlib". The result's Spec is inner's
// with Compression set. Wrapping a compressed serializer again is an error.
func Compressed(inner Serializer, compression string) (Serializer, error) {
	if inner == nil {
		return nil, errors.New("compressed: nil serializer")
	}
	if compression == "" {
		compression = DefaultCompression
	}
	if !slices.Contains(compressionNames, compression) {
		return nil, fmt.Errorf("%w compression %q (valid: %s)", ErrUnknown, compression, strings.Join(compressionNames, ", "))
	}
	if c := inner.Spec().Compression; c != "" {
		return nil, fmt.Errorf("serializer %q is already compressed", inner.Spec().String())
	}
	return compressed{inner: inner, comp: compression}, nil
}

type compressed struct {
	inner Serializer
	comp  string
}

func (c compressed) Spec() Spec {
	s := c.inner.Spec()
	s.Compression = c.comp
	return s
}

func (c compressed) Encode(w io.Writer, v any) (err error) {
	cw, put := compressor(c.comp, w)
	defer put()
	if err := c.inner.Encode(cw, v); err != nil {
		_ = cw.Close()
		return err
	}
	if err := cw.Close(); err != nil {
		return fmt.Errorf("%s: finish stream: %w", c.comp, err)
	}
	return nil
}

func (c compressed) Decode(r io.Reader, v any) error {
	cr, put, err := decompressor(c.comp, r)
	if err != nil {
		return fmt.Errorf("%s: %w", c.comp, err)
	}
	defer put()
	var in io.Reader = cr
	if isTrusted(r) {
		in = trusted{cr}
	}
	if err := c.inner.Decode(in, v); err != nil {
		return err
	}
	// Read the stream to its end so the compressor's own checksum is
	// verified and a damaged tail is not silently ignored.
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return fmt.Errorf("%s: %w", c.comp, err)
	}
	return nil
}

// Pools of compressors and decompressors. A zstd encoder allocates its
// window and tables when created, so creating one per value dominates the
// cost of small values (BenchmarkZstdPool measures it).
var (
	zstdEncoders = sync.Pool{New: func() any {
		e, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
		if err != nil {
			panic(err) // only on invalid constant options
		}
		return e
	}}
	zstdDecoders = sync.Pool{New: func() any {
		d, err := zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(1),     // synchronous: no goroutines to leak from the pool
			zstd.WithDecoderMaxWindow(128<<20)) // our encoder uses 8 MiB windows
		if err != nil {
			panic(err) // only on invalid constant options
		}
		return d
	}}
	gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}
	zlibWriters = sync.Pool{New: func() any { return zlib.NewWriter(nil) }}
	gzipReaders sync.Pool // *gzip.Reader; made on first use (NewReader needs input)
	zlibReaders sync.Pool // io.ReadCloser implementing zlib.Resetter
)

func compressor(comp string, w io.Writer) (io.WriteCloser, func()) {
	switch comp {
	case Gzip:
		z := gzipWriters.Get().(*gzip.Writer)
		z.Reset(w)
		return z, func() { z.Reset(nil); gzipWriters.Put(z) }
	case Zlib:
		z := zlibWriters.Get().(*zlib.Writer)
		z.Reset(w)
		return z, func() { z.Reset(nil); zlibWriters.Put(z) }
	default:
		z := zstdEncoders.Get().(*zstd.Encoder)
		z.Reset(w)
		return z, func() { z.Reset(nil); zstdEncoders.Put(z) }
	}
}

func decompressor(comp string, r io.Reader) (io.Reader, func(), error) {
	switch comp {
	case Gzip:
		if z, ok := gzipReaders.Get().(*gzip.Reader); ok {
			if err := z.Reset(r); err != nil {
				return nil, nil, err
			}
			return z, func() { gzipReaders.Put(z) }, nil
		}
		z, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, err
		}
		return z, func() { gzipReaders.Put(z) }, nil
	case Zlib:
		if z, ok := zlibReaders.Get().(io.ReadCloser); ok {
			if err := z.(zlib.Resetter).Reset(r, nil); err != nil {
				return nil, nil, err
			}
			return z, func() { zlibReaders.Put(z) }, nil
		}
		z, err := zlib.NewReader(r)
		if err != nil {
			return nil, nil, err
		}
		return z, func() { zlibReaders.Put(z) }, nil
	default:
		z := zstdDecoders.Get().(*zstd.Decoder)
		if err := z.Reset(r); err != nil {
			zstdDecoders.Put(z)
			return nil, nil, err
		}
		return z, func() { _ = z.Reset(nil); zstdDecoders.Put(z) }, nil
	}
}
