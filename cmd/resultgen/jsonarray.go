package main

import (
	"encoding/json"
	"io"
)

// jsonArray writes a JSON array to w an element at a time, as a listing
// finds them, so that a store's listing is never held whole. The array's
// closing bracket is indented by indent and its elements by indent plus
// two spaces; compact elements are marshaled on one line each.
type jsonArray struct {
	w       io.Writer
	indent  string
	compact bool
	n       int    // elements written
	buf     []byte // reused between elements
}

// add writes v as the next element.
func (a *jsonArray) add(v any) error {
	var b []byte
	var err error
	if a.compact {
		b, err = json.Marshal(v)
	} else {
		b, err = json.MarshalIndent(v, a.indent+"  ", "  ")
	}
	if err != nil {
		return err
	}
	sep := ","
	if a.n == 0 {
		sep = "["
	}
	a.n++
	a.buf = append(append(append(append(a.buf[:0], sep...), '\n'), a.indent+"  "...), b...)
	_, err = a.w.Write(a.buf)
	return err
}

// end closes the array ("[]" when it has no element); the caller writes
// what follows it.
func (a *jsonArray) end() error {
	end := "\n" + a.indent + "]"
	if a.n == 0 {
		end = "[]"
	}
	_, err := io.WriteString(a.w, end)
	return err
}
