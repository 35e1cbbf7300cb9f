package serializer

import "io"

// Codec is a Serializer bound to one Go type T, for callers that know the
// type of their values (generated code always does).
type Codec[T any] struct {
	s Serializer
}

// NewCodec binds s to T; a nil s means the default (msgpack).
func NewCodec[T any](s Serializer) Codec[T] {
	if s == nil {
		s = Msgpack()
	}
	return Codec[T]{s: s}
}

// Serializer returns the serializer the codec uses.
func (c Codec[T]) Serializer() Serializer {
	if c.s == nil {
		return Msgpack()
	}
	return c.s
}

// Spec describes the codec's serializer.
func (c Codec[T]) Spec() Spec { return c.Serializer().Spec() }

// Encode writes v to w. With a compressed serializer the compressed stream
// is complete when Encode returns.
func (c Codec[T]) Encode(w io.Writer, v T) error { return c.Serializer().Encode(w, v) }

// Decode reads one T from r. On error it returns T's zero value, never a
// partly decoded one.
func (c Codec[T]) Decode(r io.Reader) (T, error) {
	var v T
	if err := c.Serializer().Decode(r, &v); err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}
