package runtime

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/storage"
)

// Verify mode (VerifyHits, RESULTGEN_VERIFY_HITS): a fraction of cache hits
// also run the body, and the fresh value is compared with the cached one.
//
// What is compared: the cached value (decoded from the record) and the
// fresh value are both encoded with the task's serializer. Equal bytes are
// equal values. Otherwise the fresh encoding is decoded back and the two
// decoded values are walked field by field (record.DiffValues): a
// difference there is what the WARN names. Comparing re-encodings rather
// than the record's own payload bytes keeps a record written by an older
// encoder from counting as a difference; decoding before naming a field
// leaves out what the serializer does not keep (unexported fields, a time's
// monotonic reading and zone name under msgpack) and differences of
// encoding only: json writes map keys sorted, but msgpack (but for maps of
// string to string, bool or any) and gob write maps in Go's random order,
// so two encodings of one map may differ in bytes, never in decoded values.

// verifyHit recomputes a hit of the task with the probability fraction and
// logs what differs from cached (the value served); it never changes what
// the run returns nor writes anything.
func verifyHit[R any](ctx context.Context, l *runLog, s *slot, fraction float64, cached R, body func(context.Context) (R, error)) {
	if fraction < 1 && rand.Float64() >= fraction {
		return
	}
	fresh, err := callBody(ctx, body)
	if err != nil {
		l.verify(ctx, slog.LevelWarn, "the recomputation failed", s.key, slog.Any("error", err))
		return
	}
	d, differ, err := compareEncoded(s.p.ser, &cached, &fresh)
	switch {
	case err != nil:
		l.verify(ctx, slog.LevelWarn, "cannot compare the recomputation with the cached value", s.key, slog.Any("error", err))
	case differ:
		l.verify(ctx, slog.LevelWarn, "a recomputation differs from the cached value, so the key misses an input (the clock, the environment, files, the network?)", s.key,
			slog.String("field", fieldName(d.Field)), slog.String("difference", d.What))
	default:
		l.verify(ctx, slog.LevelDebug, "a recomputation equals the cached value", s.key)
	}
}

// fieldName is a ValueDiff.Field as logs show it.
func fieldName(f string) string {
	if f == "" {
		return "(the value)"
	}
	return f
}

// compareEncoded compares *cachedPtr and *freshPtr (two *R) as ser encodes
// them (see Verify mode above): differ tells whether they differ once
// decoded, d where. It takes pointers, as any, so that it is compiled
// once, not once per result type in every package of tasks.
func compareEncoded(ser serializer.Serializer, cachedPtr, freshPtr any) (d record.ValueDiff, differ bool, err error) {
	cached, fresh := reflect.ValueOf(cachedPtr).Elem(), reflect.ValueOf(freshPtr).Elem()
	var a, b bytes.Buffer
	if err := ser.Encode(&a, cached.Interface()); err != nil {
		return d, false, fmt.Errorf("encode the cached value: %w", err)
	}
	if err := ser.Encode(&b, fresh.Interface()); err != nil {
		return d, false, fmt.Errorf("encode the recomputed value: %w", err)
	}
	if bytes.Equal(a.Bytes(), b.Bytes()) {
		return d, false, nil
	}
	back := reflect.New(cached.Type())
	if err := ser.Decode(bytes.NewReader(b.Bytes()), back.Interface()); err != nil {
		return d, false, fmt.Errorf("decode the recomputed value: %w", err)
	}
	d, differ = record.DiffValues(cached.Interface(), back.Elem().Interface())
	return d, differ, nil
}

// verify writes a line of verify mode at level: "task NAME: verify: msg",
// with the key and extra.
func (l *runLog) verify(ctx context.Context, level slog.Level, msg, key string, extra ...slog.Attr) {
	if !l.log.Enabled(ctx, level) {
		return
	}
	a := append([]slog.Attr{slog.String("key", storage.ShortKey(key))}, extra...)
	l.log.LogAttrs(ctx, level, l.kind+" "+l.name+": verify: "+msg, l.attrs(a...)...)
}
