package generator

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
)

// FileState is how a package's result_gen.go on disk compares with what
// Generate would write.
type FileState uint8

const (
	UpToDate   FileState = iota // the same bytes
	Missing                     // no file where one belongs
	Stale                       // other bytes
	Obsolete                    // a file whose package has no directives left
	Unreadable                  // the file could not be read (Checked.Err says why)
)

func (s FileState) String() string {
	switch s {
	case UpToDate:
		return "up to date"
	case Missing:
		return "missing"
	case Stale:
		return "stale"
	case Obsolete:
		return "obsolete"
	case Unreadable:
		return "unreadable"
	}
	return "FileState(?)"
}

// Checked is one generated file compared with the disk.
type Checked struct {
	Path  string // absolute
	State FileState
	Err   error // set when State is Unreadable
}

// Check compares r with the files on disk and writes nothing: one Checked
// for each file of r.Files (in their order), then one Obsolete for each of
// r.Obsolete. A file is up to date only when its bytes are exactly what
// Generate returned; `resultgen check` fails on anything else.
func (r *Result) Check() []Checked {
	out := make([]Checked, 0, len(r.Files)+len(r.Obsolete))
	for _, f := range r.Files {
		c := Checked{Path: f.Path}
		old, err := os.ReadFile(f.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			c.State = Missing
		case err != nil:
			c.State, c.Err = Unreadable, err
		case !bytes.Equal(old, f.Content):
			c.State = Stale
		}
		out = append(out, c)
	}
	for _, p := range r.Obsolete {
		out = append(out, Checked{Path: p, State: Obsolete})
	}
	return out
}

// Check generates as Generate does and compares the result with the files
// on disk (Result.Check), writing nothing: what `resultgen check` and a CI
// job need to tell whether the committed code is current.
func Check(ctx context.Context, cfg Config, patterns ...string) (*Result, []Checked, error) {
	res, err := Generate(ctx, cfg, patterns...)
	if err != nil {
		return nil, nil, err
	}
	return res, res.Check(), nil
}
