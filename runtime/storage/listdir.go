package storage

import (
	"bufio"
	"cmp"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"slices"
	"strings"
)

// dirItem is one name of a folder, as (*Local).walk orders it: folders
// sort as name + "/", so a folder's keys come where they would in a flat
// list of keys.
type dirItem struct {
	name string
	dir  bool
}

func (d dirItem) sortKey() string {
	if d.dir {
		return d.name + "/"
	}
	return d.name
}

func compareItems(a, b dirItem) int {
	return cmp.Compare(a.sortKey(), b.sortKey())
}

// sortRun is how many names a folder listing sorts in memory. A folder
// with more (a store of a million records keyed by hash at its top) is
// sorted in runs of this size spilled to temporary files and merged, so a
// listing holds a few megabytes however large the folder is: the
// `results ls` row of make bench (1,000,000 records) needs it to stay
// within 64 MB.
const sortRun = 1 << 16

// readBatch is how many entries one ReadDir call returns.
const readBatch = 1024

// sortedDir yields the names of the open folder d that keep says to keep
// (given each name and whether it is a folder),
// in compareItems order, reading and sorting at most sortRun names in
// memory at once. isDir tells whether a name that is neither a plain
// folder nor a plain file (a symbolic link) leads to a folder. The error,
// yielded last, is a failure to read the folder or to spill.
func sortedDir(d *os.File, keep func(name string, dir bool) bool, isDir func(name string) bool, runSize int) iter.Seq2[dirItem, error] {
	return func(yield func(dirItem, error) bool) {
		var (
			run   []dirItem
			spill []*os.File
		)
		defer func() {
			for _, f := range spill {
				name := f.Name()
				_ = f.Close()
				_ = os.Remove(name)
			}
		}()
		for {
			entries, err := d.ReadDir(readBatch)
			for _, e := range entries {
				it := dirItem{name: e.Name()}
				switch t := e.Type(); {
				case t.IsDir():
					it.dir = true
				case t&fs.ModeSymlink != 0 || t&fs.ModeType != 0 && !t.IsRegular():
					it.dir = isDir(it.name)
				}
				if !keep(it.name, it.dir) {
					continue
				}
				run = append(run, it)
				if len(run) < runSize {
					continue
				}
				f, serr := spillRun(run)
				if serr != nil {
					yield(dirItem{}, serr)
					return
				}
				spill = append(spill, f)
				run = run[:0]
			}
			if errors.Is(err, io.EOF) || err == nil && len(entries) == 0 {
				break
			}
			if err != nil {
				yield(dirItem{}, err)
				return
			}
		}
		slices.SortFunc(run, compareItems)
		if len(spill) == 0 {
			for _, it := range run {
				if !yield(it, nil) {
					return
				}
			}
			return
		}
		mergeRuns(spill, run, yield)
	}
}

// spillRun sorts run and writes it to a temporary file outside the store,
// rewound for reading: each name as a uvarint length, the name, and a byte
// saying whether it is a folder.
func spillRun(run []dirItem) (*os.File, error) {
	slices.SortFunc(run, compareItems)
	f, err := os.CreateTemp("", "resultgen-list-*")
	if err != nil {
		return nil, fmt.Errorf("sort a large folder: %w", err)
	}
	w := bufio.NewWriterSize(f, 64<<10)
	var n [binary.MaxVarintLen64]byte
	for _, it := range run {
		w.Write(n[:binary.PutUvarint(n[:], uint64(len(it.name)))])
		w.WriteString(it.name)
		if it.dir {
			w.WriteByte(1)
		} else {
			w.WriteByte(0)
		}
	}
	err = w.Flush()
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		name := f.Name()
		_ = f.Close()
		_ = os.Remove(name)
		return nil, fmt.Errorf("sort a large folder: %w", err)
	}
	return f, nil
}

// runReader reads back one spilled run.
type runReader struct {
	r   *bufio.Reader
	cur dirItem
}

func (r *runReader) next() (bool, error) {
	n, err := binary.ReadUvarint(r.r)
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	b := make([]byte, n+1)
	if _, err := io.ReadFull(r.r, b); err != nil {
		return false, err
	}
	r.cur = dirItem{name: string(b[:n]), dir: b[n] == 1}
	return true, nil
}

// runHeap orders the heads of the runs being merged.
type runHeap []*runReader

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return compareItems(h[i].cur, h[j].cur) < 0 }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(*runReader)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// mergeRuns yields the items of the spilled runs and of last (sorted, in
// memory) in order.
func mergeRuns(spill []*os.File, last []dirItem, yield func(dirItem, error) bool) {
	h := make(runHeap, 0, len(spill))
	fail := func(err error) { yield(dirItem{}, fmt.Errorf("merge a large folder: %w", err)) }
	for _, f := range spill {
		r := &runReader{r: bufio.NewReaderSize(f, 32<<10)}
		ok, err := r.next()
		if err != nil {
			fail(err)
			return
		}
		if ok {
			h = append(h, r)
		}
	}
	heap.Init(&h)
	i := 0
	for len(h) > 0 || i < len(last) {
		if len(h) == 0 || i < len(last) && compareItems(last[i], h[0].cur) < 0 {
			if !yield(last[i], nil) {
				return
			}
			i++
			continue
		}
		top := h[0]
		if !yield(top.cur, nil) {
			return
		}
		ok, err := top.next()
		switch {
		case err != nil:
			fail(err)
			return
		case ok:
			heap.Fix(&h, 0)
		default:
			heap.Pop(&h)
		}
	}
}

// keepListed reports whether walk looks at name of folder dir: not the
// store's own files, and on the way to or under prefix. A folder is kept
// when its keys could match; a file is checked again, fully, in walk.
func keepListed(dir, prefix string) func(name string, isDir bool) bool {
	return func(name string, _ bool) bool {
		if strings.HasPrefix(name, tmpPrefix) || dir == "." && name == lockDir {
			return false
		}
		key := name
		if dir != "." {
			key = dir + "/" + name
		}
		// A file's key must start with prefix; a folder's keys start with
		// key + "/", which must start with prefix or be one of its folders.
		return strings.HasPrefix(key, prefix) || strings.HasPrefix(prefix, key+"/")
	}
}
