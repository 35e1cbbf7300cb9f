package record

import (
	"io"
	"sync"
)

// handoff is Write's streaming body for a store's Put, in place of an
// io.Pipe: first (the bytes encoded before the spill), then each slice the
// encoder writes. Read copies as a pipe does; WriteTo (storage.Handoff,
// which storage.Local's Put uses) gives each slice to the destination as
// it is, so the payload is not copied into a buffer on its way to the file.
// Serves P4 write (256 MiB): perf showed that copy (io.Pipe into Put's
// 256 KiB buffer) as 4.5% of the writing process's CPU samples; without
// it a write-rg process took 270 ms instead of 306 ms (medians of 8,
// alternating, load 2.5) and 54 ms less CPU.
//
// As with a pipe, Write returns only when the reader is done with p (the
// caller's memory is never kept), and a reader that stops (closeRead)
// makes the writer's next Write fail. writeAhead is the exception: its
// piece stays the reader's after it returns, until settle reports it
// taken (a sealed payload's batches, see sealWriter). Lend gives a store
// slices of a piece to send as they are: the piece is done with once
// they are released (P5 S3 put 64 MiB: storage/s3 sends the parts of a
// large record from the writer's memory instead of copying each into a
// part buffer first: client CPU 122 -> 109 ms an op, medians of 3 runs
// of 10, minio-go alone 99; the copy was 16% of the process's CPU
// samples, and the four 16 MiB buffers are no longer allocated).
type handoff struct {
	first  []byte
	pieces chan []byte   // Write's p, to the reader
	taken  chan int      // the reader's answer for a piece: how much of it it took (room for aheadMax)
	ahead  []int         // the lengths of the pieces written ahead whose answers are not received, oldest first
	rdone  chan struct{} // closed when the reader stops
	ronce  sync.Once
	rerr   error // why the reader stopped; set before rdone closes
	werr   error // why the writer stopped (nil: io.EOF); set before pieces closes
	wonce  sync.Once

	cur []byte // Read's piece, what is left of it
	off int    // how much of the piece Read took

	// The pieces received and not yet answered, oldest first: the current
	// one, and any whose bytes are all read but some still lent (Lend).
	// A piece is answered once read to its end with no loan out, and only
	// after every older piece: the writer matches answers in order.
	mu   sync.Mutex
	owed []*owedPiece
}

// owedPiece is a piece the reader received and has not answered.
type owedPiece struct {
	n     int  // its length
	loans int  // slices of it lent and not released
	read  bool // read (or lent) to its end
}

func newHandoff(first []byte) *handoff {
	return &handoff{first: first, pieces: make(chan []byte), taken: make(chan int, aheadMax), rdone: make(chan struct{})}
}

// aheadMax is the most pieces a writer may have written ahead (writeAhead)
// and not settled: the reader's answers for them wait in taken's buffer,
// so a reader never blocks on answering.
const aheadMax = 4

// Handoff marks h as a storage.Handoff.
func (h *handoff) Handoff() {}

// Write hands p to the reader and returns when the reader is done with it
// (and with every piece written ahead).
func (h *handoff) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if err := h.settle(0); err != nil {
		return 0, err
	}
	select {
	case h.pieces <- p:
	case <-h.rdone:
		return 0, h.rerr
	}
	n := <-h.taken // the reader answers every piece it received
	if n < len(p) {
		return n, h.rerr
	}
	return n, nil
}

// writeWhile is Write that runs during while the reader takes p: the two
// work on p at once, and during must not change it. during is not run when
// the reader has stopped before it received p.
func (h *handoff) writeWhile(p []byte, during func()) (int, error) {
	if len(p) == 0 {
		during()
		return 0, nil
	}
	if err := h.settle(0); err != nil {
		return 0, err
	}
	select {
	case h.pieces <- p:
	case <-h.rdone:
		return 0, h.rerr
	}
	during()
	n := <-h.taken
	if n < len(p) {
		return n, h.rerr
	}
	return n, nil
}

// writeAhead hands p to the reader and runs during while the reader takes
// it, as writeWhile, but returns without waiting for the reader to be done
// with p: p is the reader's, unchanged, until settle reports it taken. The
// writer then prepares its next piece while the reader writes this one
// out. At most aheadMax pieces may be unsettled.
func (h *handoff) writeAhead(p []byte, during func()) error {
	if len(p) == 0 {
		during()
		return nil
	}
	if len(h.ahead) == aheadMax {
		panic("record: more than aheadMax pieces written ahead")
	}
	select {
	case h.pieces <- p:
	case <-h.rdone:
		return h.rerr
	}
	h.ahead = append(h.ahead, len(p))
	during()
	return nil
}

// settle waits until at most n pieces written ahead are still the
// reader's (the reader takes them in order, so the oldest are settled
// first); an error when the reader stopped before taking one whole.
func (h *handoff) settle(n int) error {
	for len(h.ahead) > n {
		got := <-h.taken // every piece the reader received is answered, at the latest by closeRead
		want := h.ahead[0]
		h.ahead = h.ahead[1:]
		if got < want {
			// the reader stopped in this piece: it was the last one it
			// received, so none is left to answer
			h.ahead = h.ahead[:0]
			return h.rerr
		}
	}
	return nil
}

// closeWrite ends the body: the reader sees err, or io.EOF when nil.
func (h *handoff) closeWrite(err error) {
	h.wonce.Do(func() {
		h.werr = err
		close(h.pieces)
	})
}

// closeRead stops the reader: a Write waiting, or any later one, fails
// with err.
func (h *handoff) closeRead(err error) {
	h.ronce.Do(func() {
		h.rerr = err
		h.mu.Lock()
		// Every piece received is answered now (a store releases its
		// loans before its Put returns): in full when read to its end,
		// else with how much of it was taken (a piece half read: its
		// writer waits for the answer, and fails).
		for _, o := range h.owed {
			if o.read {
				h.taken <- o.n
			} else {
				h.taken <- h.off
			}
		}
		h.owed = nil
		h.mu.Unlock()
		h.cur = nil
		close(h.rdone)
	})
}

// piece makes the writer's next piece the current one; false at the end
// of the body.
func (h *handoff) piece() bool {
	p, ok := <-h.pieces
	if ok {
		h.cur, h.off = p, 0
		h.mu.Lock()
		h.owed = append(h.owed, &owedPiece{n: len(p)})
		h.mu.Unlock()
	}
	return ok
}

// doneCur marks the current piece read to its end, answering it (and
// any pieces after it that wait only for it) unless some of it is lent.
func (h *handoff) doneCur() {
	h.cur = nil
	h.mu.Lock()
	h.owed[len(h.owed)-1].read = true
	h.answer()
	h.mu.Unlock()
}

// answer answers the oldest pieces that are read and have no loan out,
// in order, up to the first that is not; h.mu is held.
func (h *handoff) answer() {
	for len(h.owed) > 0 && h.owed[0].read && h.owed[0].loans == 0 {
		h.taken <- h.owed[0].n // never blocks: taken has room for every piece a writer may await
		h.owed = h.owed[1:]
	}
}

// Lend returns the body's next n bytes as the writer's own memory, not
// copied, when they lie in one piece that holds at least keep more bytes
// after them; otherwise ok is false and nothing is taken (the caller
// reads the bytes instead). The slice stays valid, unchanged, until
// release is called: the piece's writer does not get its answer (its
// Write does not return) before. The caller calls release exactly once,
// when no request reads the slice any more, and before its Put returns.
// A store that sends parts of a large body concurrently (storage/s3's
// multipart Put) sends them from the writer's memory this way.
func (h *handoff) Lend(n, keep int) (p []byte, release func(), ok bool) {
	if n <= 0 || len(h.first) > 0 {
		return nil, nil, false
	}
	if h.cur == nil && !h.piece() {
		return nil, nil, false // the end: Read reports it
	}
	if len(h.cur)-h.off < n+keep {
		return nil, nil, false
	}
	p = h.cur[h.off : h.off+n : h.off+n]
	h.off += n
	h.mu.Lock()
	o := h.owed[len(h.owed)-1]
	o.loans++
	h.mu.Unlock()
	if h.off == len(h.cur) {
		h.doneCur()
	}
	var once sync.Once
	return p, func() {
		once.Do(func() {
			h.mu.Lock()
			o.loans--
			h.answer()
			h.mu.Unlock()
		})
	}, true
}

// end is the reader's error at the end of the body.
func (h *handoff) end() error {
	if h.werr != nil {
		return h.werr
	}
	return io.EOF
}

func (h *handoff) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	if len(h.first) > 0 {
		n := copy(b, h.first)
		h.first = h.first[n:]
		return n, nil
	}
	if h.cur == nil && !h.piece() {
		return 0, h.end()
	}
	n := copy(b, h.cur[h.off:])
	h.off += n
	if h.off == len(h.cur) {
		h.doneCur()
	}
	return n, nil
}

// WriteTo writes the rest of the body to w, each piece as the writer gave
// it, in writes of at most writePiece bytes.
func (h *handoff) WriteTo(w io.Writer) (int64, error) {
	var total int64
	if len(h.first) > 0 {
		n, err := w.Write(h.first)
		total += int64(n)
		h.first = h.first[n:]
		if err != nil {
			return total, err
		}
	}
	for {
		if h.cur == nil && !h.piece() {
			if h.werr != nil {
				return total, h.werr
			}
			return total, nil
		}
		for h.off < len(h.cur) {
			n, err := w.Write(h.cur[h.off:min(len(h.cur), h.off+writePiece)])
			total += int64(n)
			h.off += n
			if err != nil {
				return total, err // closeRead answers the waiting writer
			}
		}
		h.doneCur()
	}
}

// writePiece is the largest write WriteTo makes: one write(2) of many
// megabytes cost this kernel more than several of 256 KiB (P4's baseline
// writes its file in pieces of this size for that reason).
const writePiece = 256 << 10
