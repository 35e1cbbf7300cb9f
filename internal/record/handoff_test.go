package record

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// writeAll writes pieces to h in a goroutine and closes it, returning the
// Write errors on the channel.
func writeAll(h *handoff, pieces [][]byte, closeErr error) chan error {
	errs := make(chan error, 1)
	go func() {
		var first error
		for _, p := range pieces {
			if n, err := h.Write(p); err != nil || n != len(p) {
				first = errors.Join(err, errors.New("short write"))
				break
			}
		}
		h.closeWrite(closeErr)
		errs <- first
	}()
	return errs
}

// The body is first and then every piece, in order, whether read with
// small reads (a store that reads, S3) or written out whole (WriteTo,
// storage.Local); each Write returns only once its piece was taken.
func TestHandoffBody(t *testing.T) {
	pieces := [][]byte{[]byte("hello, "), bytes.Repeat([]byte("x"), 100000), {}, []byte("end")}
	want := append([]byte("HEAD:"), bytes.Join(pieces, nil)...)
	t.Run("read", func(t *testing.T) {
		h := newHandoff([]byte("HEAD:"))
		errs := writeAll(h, pieces, nil)
		got, err := io.ReadAll(iotest.OneByteReader(struct{ io.Reader }{h}))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("read %d bytes, %v; want %d", len(got), err, len(want))
		}
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	})
	t.Run("write to", func(t *testing.T) {
		h := newHandoff([]byte("HEAD:"))
		errs := writeAll(h, pieces, nil)
		var b bytes.Buffer
		// a Read first, then WriteTo takes the rest of the piece
		p := make([]byte, 3)
		if n, err := h.Read(p); n != 3 || err != nil {
			t.Fatal(n, err)
		}
		b.Write(p)
		if _, err := h.WriteTo(&b); err != nil || !bytes.Equal(b.Bytes(), want) {
			t.Fatalf("wrote %d bytes, %v; want %d", b.Len(), err, len(want))
		}
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	})
	t.Run("writer fails", func(t *testing.T) {
		h := newHandoff(nil)
		boom := errors.New("encoder failed")
		writeAll(h, pieces[:1], boom)
		if _, err := io.ReadAll(h); !errors.Is(err, boom) {
			t.Fatalf("read: %v, want the writer's error", err)
		}
	})
}

// A store that stops (its file write fails, or it returns early) makes
// the writer's waiting and later Writes fail rather than hang.
func TestHandoffReaderStops(t *testing.T) {
	for _, tc := range []struct {
		name string
		read func(h *handoff) error
	}{
		{"write to fails", func(h *handoff) error {
			_, err := h.WriteTo(failingWriter{})
			return err
		}},
		{"half a piece read", func(h *handoff) error {
			_, err := h.Read(make([]byte, 10))
			return err
		}},
		{"nothing read", func(*handoff) error { return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHandoff(nil)
			errs := writeAll(h, [][]byte{bytes.Repeat([]byte("y"), 1000), []byte("more")}, nil)
			_ = tc.read(h)
			h.closeRead(errWriteAborted)
			if err := <-errs; !errors.Is(err, errWriteAborted) {
				t.Fatalf("writer: %v, want errWriteAborted", err)
			}
		})
	}
}

type failingWriter struct{}

func (failingWriter) Write(p []byte) (int, error) { return len(p) / 2, errors.New("disk full") }

// Pieces written ahead reach the reader in order, before and after a
// plain Write; settle returns once the reader took them, and reports a
// reader that stopped inside one.
func TestHandoffAhead(t *testing.T) {
	pieces := [][]byte{[]byte("one "), bytes.Repeat([]byte("two "), 5000), []byte("three "), []byte("four")}
	t.Run("in order", func(t *testing.T) {
		h := newHandoff([]byte("HEAD:"))
		errs := make(chan error, 1)
		go func() {
			var err error
			for _, p := range pieces[:aheadMax-1] {
				err = errors.Join(err, h.writeAhead(p, func() {}))
			}
			_, werr := h.Write(pieces[aheadMax-1])
			err = errors.Join(err, werr, h.settle(0))
			h.closeWrite(nil)
			errs <- err
		}()
		var b bytes.Buffer
		if _, err := h.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		if want := "HEAD:" + string(bytes.Join(pieces, nil)); b.String() != want {
			t.Errorf("body of %d bytes, want %d", b.Len(), len(want))
		}
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	})
	t.Run("reader stops", func(t *testing.T) {
		h := newHandoff(nil)
		errs := make(chan error, 1)
		go func() {
			var err error
			for _, p := range pieces[:2] {
				if err = h.writeAhead(p, func() {}); err != nil {
					break
				}
			}
			errs <- errors.Join(err, h.settle(0))
		}()
		if _, err := h.Read(make([]byte, 2)); err != nil { // half of the first piece
			t.Fatal(err)
		}
		h.closeRead(errWriteAborted)
		if err := <-errs; !errors.Is(err, errWriteAborted) {
			t.Fatalf("writer: %v, want errWriteAborted", err)
		}
	})
}

// Lend gives the reader the writer's own memory: the writer's Write
// returns only once every slice lent of its piece is released, the body
// read around the loans is the rest of the body, and Lend declines (taking
// nothing) what one piece does not hold.
func TestHandoffLend(t *testing.T) {
	a, b := bytes.Repeat([]byte("a"), 100), bytes.Repeat([]byte("b"), 1000)
	h := newHandoff([]byte("HEAD:"))
	returned := make(chan int, 3)
	go func() {
		for i, p := range [][]byte{a, b, []byte("end")} {
			if _, err := h.Write(p); err != nil {
				t.Error(err)
			}
			returned <- i
		}
		h.closeWrite(nil)
	}()
	if _, _, ok := h.Lend(3, 0); ok {
		t.Fatal("Lend with first's bytes unread: ok; want declined")
	}
	head := make([]byte, 5)
	if _, err := io.ReadFull(h, head); err != nil || string(head) != "HEAD:" {
		t.Fatal(string(head), err)
	}
	p1, release1, ok := h.Lend(50, 10)
	if !ok || &p1[0] != &a[0] || len(p1) != 50 {
		t.Fatalf("Lend(50, 10) = %d bytes, ok %v; want the first 50 bytes of the writer's own slice", len(p1), ok)
	}
	if _, _, ok := h.Lend(45, 10); ok {
		t.Fatal("Lend(45, 10) of 50 bytes left: ok; want declined")
	}
	p2, release2, ok := h.Lend(50, 0)
	if !ok || &p2[0] != &a[50] {
		t.Fatal("Lend(50, 0) of the last 50 bytes declined")
	}
	release1()
	select {
	case <-returned:
		t.Fatal("Write returned with a slice of its piece still lent")
	default:
	}
	release2()
	if i := <-returned; i != 0 {
		t.Fatalf("Write %d returned; want the first", i)
	}
	rest, err := io.ReadAll(h)
	if err != nil || string(rest) != string(b)+"end" {
		t.Fatalf("rest of the body: %d bytes, %v", len(rest), err)
	}
}

// A piece written ahead that is lent is answered only once released, and
// a later piece read meanwhile is answered after it: settle counts answers
// in order.
func TestHandoffLendAhead(t *testing.T) {
	x, y := bytes.Repeat([]byte("x"), 64), bytes.Repeat([]byte("y"), 64)
	h := newHandoff(nil)
	settled := make(chan error, 1)
	go func() {
		err := errors.Join(h.writeAhead(x, func() {}), h.writeAhead(y, func() {}))
		settled <- errors.Join(err, h.settle(0))
		h.closeWrite(nil)
	}()
	p, release, ok := h.Lend(len(x), 0)
	if !ok || &p[0] != &x[0] {
		t.Fatal("Lend of the whole first piece declined")
	}
	got := make([]byte, len(y))
	if _, err := io.ReadFull(h, got); err != nil || !bytes.Equal(got, y) {
		t.Fatal(err)
	}
	select {
	case <-settled:
		t.Fatal("settle returned with the first piece still lent")
	default:
	}
	release()
	release() // a second release is a no-op
	if err := <-settled; err != nil {
		t.Fatal(err)
	}
	if n, err := h.Read(got); n != 0 || err != io.EOF {
		t.Fatalf("after the body: %d, %v; want EOF", n, err)
	}
}
