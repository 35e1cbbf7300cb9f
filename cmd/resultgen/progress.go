package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"
)

// progress reports long work on stderr while it runs: one line, rewritten
// in place at most once a second from the first second on, and cleared
// when the work ends. It reports only to a terminal, and not while the
// command's own output goes to the same terminal: a log file or a pipe
// gets only the command's report.
type progress struct {
	w     io.Writer // nil: report nothing
	now   func() time.Time
	start time.Time
	last  time.Time
	shown bool
}

// newProgress returns the progress of c's work. stdoutBusy says the
// command writes its output as it goes (rows of ls, lines of verify), so
// that a progress line would garble it when both go to one terminal.
func newProgress(c *cmdEnv, stdoutBusy bool) *progress {
	p := &progress{now: time.Now}
	if isTerminal(c.stderr) && !(stdoutBusy && isTerminal(c.stdout)) {
		p.w = c.stderr
	}
	p.start = p.now()
	p.last = p.start
	return p
}

// update shows the line that line formats, when a second has passed since
// the work started and since the line was last shown. line is called only
// then, so a caller may pass a closure that formats its counters.
func (p *progress) update(line func() string) {
	if p.w == nil {
		return
	}
	t := p.now()
	if t.Sub(p.start) < time.Second || t.Sub(p.last) < time.Second && p.shown {
		return
	}
	p.last, p.shown = t, true
	fmt.Fprintf(p.w, "\r%s, %s\x1b[K", line(), t.Sub(p.start).Round(time.Second))
}

// done clears the line, if one was shown.
func (p *progress) done() {
	if p.w != nil && p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
