package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/resultgen/resultgen/internal/benchtable/tasks"
	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
)

var (
	bigReps  = flag.Int("bigreps", 5, "repetitions of P6 (generation) and of P5's 64 MiB measures")
	p4Reps   = flag.Int("p4reps", 16, "paired repetitions of P4 (fsync-bound: enough that a rerun agrees within 10%)")
	child    = flag.String("child", "", "internal: run one P4 measurement in this process and print it")
	childDir = flag.String("child-dir", "", "internal: the P4 working folder")
	childArg = flag.Int("child-seed", 0, "internal: the P4 task's seed (its key)")
)

// bigSize is P4's payload.
const bigSize = 256 << 20

// measurement is what a child process reports of its one operation.
type measurement struct {
	NS  int64 // the operation's wall time
	HWM int64 // the process's peak resident set, bytes (VmHWM)
	CPU int64 // user+system CPU time, ns: of a command's process tree (exec), of the operation's process during it (P4)
}

// runChild performs one P4 operation in a fresh process, so that its peak
// resident set (read from /proc/self/status) is the operation's alone, and
// prints the measurement as JSON. The payload is made before the clock
// starts, for both sides.
func runChild(op, dir string) {
	if op == "exec" {
		execChild(dir, flag.Args())
		return
	}
	ctx, e := engine(dir, settings.Keyring, benchKeyring)
	defer e.Close()
	base := filepath.Join(dir, "base.bin")
	var payload []byte
	if strings.HasPrefix(op, "write") {
		payload = tasks.Payload(bigSize)
	}
	start, cpu := time.Now(), cpuTime()
	switch op {
	case "write-base":
		// The same durability as a record's write: the data and the name
		// (the folder's fsync), into a file that did not exist.
		f, err := os.OpenFile(base, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			panic(err)
		}
		// In writes of 256 KiB, as a record's write (and io.Copy with a
		// large buffer) makes them: one write(2) of the whole 256 MiB cost
		// this kernel about five times the copying (perf:
		// copy_folio_from_iter_atomic 173 ms against 35 ms), which made the
		// baseline slow and swing.
		for p := payload; len(p) > 0; {
			n, err := f.Write(p[:min(len(p), 256<<10)])
			if err != nil {
				panic(err)
			}
			p = p[n:]
		}
		if err := f.Sync(); err != nil {
			panic(err)
		}
		if err := f.Close(); err != nil {
			panic(err)
		}
		d, err := os.Open(dir)
		if err != nil {
			panic(err)
		}
		if err := d.Sync(); err != nil {
			panic(err)
		}
		if err := d.Close(); err != nil {
			panic(err)
		}
	case "write-rg":
		// A first run under a new key: a lookup that misses, then the write.
		st := tasks.BigTask.State(ctx, bigSize, *childArg)
		if b, err := st.Result(); err != nil || st.IsCached() || len(b) != bigSize {
			panic(fmt.Sprint("write-rg: not a first run: ", st.CacheReason(), err))
		}
	case "write-enc", "read-enc": // P4 encrypted (bigEncRows)
		st := tasks.BigTask.WithOptions(runtime.Encrypt(true)).State(ctx, bigSize, *childArg)
		b, err := st.Result()
		if err != nil || len(b) != bigSize || st.IsCached() != (op == "read-enc") {
			panic(fmt.Sprint(op, ": ", st.CacheReason(), len(b), err))
		}
	case "read-base":
		b, err := os.ReadFile(base)
		if err != nil || len(b) != bigSize {
			panic(fmt.Sprint("read-base: ", len(b), err))
		}
	case "read-rg":
		st := tasks.BigTask.State(ctx, bigSize, *childArg)
		b, err := st.Result()
		if err != nil || len(b) != bigSize || !st.IsCached() {
			panic(fmt.Sprint("read-rg: not a hit: ", st.CacheReason(), len(b), err))
		}
	default:
		panic("unknown child " + op)
	}
	m := measurement{NS: time.Since(start).Nanoseconds(), HWM: vmHWM(), CPU: (cpuTime() - cpu).Nanoseconds()}
	_ = json.NewEncoder(os.Stdout).Encode(m)
}

// vmHWM is this process's peak resident set in bytes, 0 where
// /proc/self/status has none.
func vmHWM() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// inChild runs this program again for one P4 operation.
func inChild(op, dir string, seed int) measurement {
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	var out, errb bytes.Buffer
	cmd := exec.Command(exe, "-child", op, "-child-dir", dir, "-child-seed", strconv.Itoa(seed))
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		panic(fmt.Sprintf("P4 %s: %v\n%s", op, err, errb.String()))
	}
	var m measurement
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		panic(fmt.Sprintf("P4 %s: %v: %q", op, err, out.String()))
	}
	return m
}

// bigRows is P4: writing and reading a 256 MiB []byte on local storage
// against write+fsync and os.ReadFile, each operation in a process of its
// own, the two sides alternating which goes first; throughput ratios and
// the read's peak resident set. Each repetition writes the task's record
// under a new key (a first run), reads it back (a hit), then removes it.
func bigRows(dir string) ([]row, []string) {
	dir = filepath.Join(dir, "big")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	storage := filepath.Join(dir, "storage")
	base := filepath.Join(dir, "base.bin")
	// clean drops both sides' files (this program's own) and writes every
	// dirty page back: a measured write starts with no file in its way
	// (the baseline's truncation of the previous 256 MiB was in its time)
	// and no writeback of an earlier write going on beside it (the
	// baseline's spread was ±76%).
	clean := func() {
		_ = os.Remove(base)
		_ = os.RemoveAll(storage)
		syncAll()
	}
	clean()
	inChild("write-base", dir, 0) // warm-up: the page cache, the binary
	inChild("write-rg", dir, 0)
	var wb, wr, rb, rr, hb, hr []float64
	for i := range *p4Reps {
		seed := i + 1
		w := [2]string{"write-base", "write-rg"}
		rd := [2]string{"read-base", "read-rg"}
		first := i % 2 // which side goes first this repetition
		var wm, rm [2]measurement
		clean()
		wm[first] = inChild(w[first], dir, seed)
		syncAll()
		wm[1-first] = inChild(w[1-first], dir, seed)
		rm[first] = inChild(rd[first], dir, seed)
		rm[1-first] = inChild(rd[1-first], dir, seed)
		wb, wr = append(wb, float64(wm[0].NS)), append(wr, float64(wm[1].NS))
		rb, rr = append(rb, float64(rm[0].NS)), append(rr, float64(rm[1].NS))
		hb, hr = append(hb, float64(rm[0].HWM)), append(hr, float64(rm[1].HWM))
	}
	tput := func(ns float64) string { return fmt.Sprintf("%.0fMB/s", bigSize/ns*1e3) }
	through := func(name string, base, rg []float64) row {
		// cells in throughput: the median time's throughput, the spread of the times
		mb, sb := spread(base)
		mr, sr := spread(rg)
		r := pairRatio(rg, base) // throughput ratio: base time over resultgen's
		return row{name: name, goal: ">=0.85x", base: tput(mb) + " " + sb, rg: tput(mr) + " " + sr, ratio: r, pass: r >= 0.85,
			note: "the first and second halves of the repetitions agree within " + agree(base, rg)}
	}
	rss := median(hr) / bigSize
	rows := []row{
		through("P4 write 256 MiB []byte, local", wb, wr),
		through("P4 read 256 MiB []byte, local", rb, rr),
		{name: "P4 read peak RSS / payload", goal: "<=1.10x", base: cell(hb, mib), rg: cell(hr, mib), ratio: rss, pass: rss <= 1.10},
	}
	rows[0].note = "a first run under a new key (lookup miss + write: temporary file, fsync, rename, folder fsync), default settings; " +
		"resultgen's store starts the device writes of each 4 MiB written (sync_file_range), so its fsync waits only for the tail, which the baseline's plain write + fsync does not; " +
		"baseline create + writes of 256 KiB + fsync + folder fsync; before each pair both sides' files are removed and sync(2) run, and between the two writes sync(2) again, " +
		"so neither pays for the other's or an earlier repetition's writeback; " + rows[0].note
	return rows, []string{"P4: each operation in a fresh process; ratios are resultgen's throughput over the baseline's; peak RSS is the reading process's VmHWM over the 256 MiB payload (baseline: os.ReadFile)."}
}

// agree is how far apart the throughput ratios (pairRatio) of the first
// and of the second half of the repetitions are, as a percentage of the lower: a
// rerun's agreement measured within one run (the goal is 10%). With an
// even number of repetitions per half, each half holds both orders.
func agree(base, rg []float64) string {
	h := len(base) / 2
	if h == 0 {
		return "-"
	}
	a, b := pairRatio(rg[:h], base[:h]), pairRatio(rg[h:], base[h:])
	return fmt.Sprintf("%.0f%% (ratios %.2fx and %.2fx)", 100*math.Abs(a-b)/min(a, b), a, b)
}

func mib(b float64) string { return fmt.Sprintf("%.0fMiB", b/(1<<20)) }
