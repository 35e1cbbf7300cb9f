package main

import (
	"io"
	"strings"
	"unicode/utf8"
)

// tableSample is how many rows a table sizes its columns from.
const tableSample = 1000

// table writes rows of cells aligned in columns, two spaces apart, as
// text/tabwriter does, in memory that does not grow with the rows (`results
// ls` of a store of a million records): it sizes the columns from the first
// tableSample rows, then writes each later row as it comes, padded to those
// widths (a longer cell pushes only its own row to the right). Tables of up
// to tableSample rows print exactly as tabwriter prints them.
type table struct {
	w      io.Writer
	rows   [][]string // held until the sample is complete
	widths []int      // set once the sample is complete
	line   strings.Builder
}

func newTable(w io.Writer, header ...string) *table {
	t := &table{w: w}
	t.row(header...)
	return t
}

// row adds a row; its last cell is not padded.
func (t *table) row(cells ...string) {
	if t.widths == nil {
		t.rows = append(t.rows, cells)
		if len(t.rows) == tableSample {
			t.size()
		}
		return
	}
	t.write(cells)
}

// flush writes the rows still held; call it once, after the last row.
func (t *table) flush() {
	if t.widths == nil {
		t.size()
	}
}

// size fixes the column widths from the rows held and writes them.
func (t *table) size() {
	t.widths = []int{}
	for _, r := range t.rows {
		for i, c := range r[:max(len(r)-1, 0)] {
			if i == len(t.widths) {
				t.widths = append(t.widths, 0)
			}
			t.widths[i] = max(t.widths[i], utf8.RuneCountInString(c))
		}
	}
	for _, r := range t.rows {
		t.write(r)
	}
	t.rows = nil
}

func (t *table) write(cells []string) {
	t.line.Reset()
	for i, c := range cells {
		t.line.WriteString(c)
		if i == len(cells)-1 {
			break
		}
		w := 0
		if i < len(t.widths) {
			w = t.widths[i]
		}
		t.line.WriteString(strings.Repeat(" ", max(w-utf8.RuneCountInString(c), 0)+2))
	}
	t.line.WriteByte('\n')
	io.WriteString(t.w, t.line.String())
}
