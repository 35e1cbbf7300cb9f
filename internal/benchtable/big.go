package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
)

var (
	bigReps  = flag.Int("bigreps", 3, "paired repetitions of the large measures (P4-P6)")
	child    = flag.String("child", "", "internal: run one P4 measurement in this process and print it")
	childDir = flag.String("child-dir", "", "internal: the P4 working folder")
)

// bigSize is P4's payload.
const bigSize = 256 << 20

// measurement is what a child process reports of its one operation.
type measurement struct {
	NS  int64 // the operation's wall time
	HWM int64 // the process's peak resident set, bytes (VmHWM)
}

// bigPayload is bigSize bytes that do not compress to nothing.
func bigPayload() []byte {
	b := make([]byte, bigSize)
	x := uint64(0x9e3779b97f4a7c15)
	for i := 0; i+8 <= len(b); i += 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		for k := range 8 {
			b[i+k] = byte(x >> (8 * k))
		}
	}
	return b
}

// bigInv is the P4 task: a 256 MiB []byte on local storage, under a fixed
// cache key (so every child process finds the one record).
func bigInv(payload func() []byte) runtime.Invocation[[]byte] {
	return runtime.Invocation[[]byte]{
		Def:      def("big", "[]byte", runtime.Config{Storage: "local", CacheKeyFn: true}, runtime.KindTask),
		Body:     func(context.Context) ([]byte, error) { return payload(), nil },
		CacheKey: func(context.Context) (string, error) { return "big", nil },
	}
}

// runChild performs one P4 operation in a fresh process, so that its peak
// resident set (read from /proc/self/status) is the operation's alone, and
// prints the measurement as JSON.
func runChild(op, dir string) {
	if op == "exec" {
		execChild(dir, flag.Args())
		return
	}
	env := map[string]string{settings.Home: filepath.Join(dir, "home"), settings.LocalStoragePath: filepath.Join(dir, "storage")}
	s, err := settings.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		panic(err)
	}
	e := runtime.NewEngine(s, runtime.WithLogger(slog.New(slog.DiscardHandler)))
	defer e.Close()
	ctx := runtime.WithEngine(context.Background(), e)
	base := filepath.Join(dir, "base.bin")
	var payload []byte
	if strings.HasPrefix(op, "write") {
		payload = bigPayload()
	}
	start := time.Now()
	switch op {
	case "write-base":
		f, err := os.Create(base)
		if err != nil {
			panic(err)
		}
		if _, err := f.Write(payload); err != nil {
			panic(err)
		}
		if err := f.Sync(); err != nil {
			panic(err)
		}
		if err := f.Close(); err != nil {
			panic(err)
		}
	case "write-rg":
		// A refresh run writes the record anew under the same key.
		inv := bigInv(func() []byte { return payload })
		refresh := true
		inv.Def.Config.RefreshCache = &refresh
		if _, err := runtime.Run(ctx, inv).Result(); err != nil {
			panic(err)
		}
	case "read-base":
		b, err := os.ReadFile(base)
		if err != nil || len(b) != bigSize {
			panic(fmt.Sprint("read-base: ", len(b), err))
		}
	case "read-rg":
		st := runtime.Run(ctx, bigInv(func() []byte { panic("P4 read: not a cache hit") }))
		b, err := st.Result()
		if err != nil || len(b) != bigSize || !st.IsCached() {
			panic(fmt.Sprint("read-rg: ", len(b), err))
		}
	default:
		panic("unknown child " + op)
	}
	m := measurement{NS: time.Since(start).Nanoseconds(), HWM: vmHWM()}
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
func inChild(op, dir string) measurement {
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	var out, errb bytes.Buffer
	cmd := exec.Command(exe, "-child", op, "-child-dir", dir)
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
// own, alternating; throughput ratios and the read's peak resident set.
func bigRows(dir string) ([]row, []string) {
	dir = filepath.Join(dir, "big")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	inChild("write-base", dir)
	inChild("write-rg", dir)
	var wb, wr, rb, rr, hb, hr []float64
	for range *bigReps {
		wb = append(wb, float64(inChild("write-base", dir).NS))
		wr = append(wr, float64(inChild("write-rg", dir).NS))
		b, r := inChild("read-base", dir), inChild("read-rg", dir)
		rb, rr = append(rb, float64(b.NS)), append(rr, float64(r.NS))
		hb, hr = append(hb, float64(b.HWM)), append(hr, float64(r.HWM))
	}
	tput := func(ns float64) string { return fmt.Sprintf("%.0fMB/s", bigSize/ns*1e3) }
	through := func(name string, base, rg float64) row {
		r := base / rg // throughput ratio
		return row{name: name, goal: ">=0.85x", base: tput(base), rg: tput(rg), ratio: r, pass: r >= 0.85}
	}
	rss := median(hr) / bigSize
	return []row{
		through("P4 write 256 MiB []byte, local", median(wb), median(wr)),
		through("P4 read 256 MiB []byte, local", median(rb), median(rr)),
		{name: "P4 read peak RSS / payload", goal: "<=1.10x", base: mib(median(hb)), rg: mib(median(hr)), ratio: rss, pass: rss <= 1.10},
	}, []string{"P4: each operation in a fresh process; ratios are resultgen's throughput over the baseline's; peak RSS is the reading process's VmHWM over the 256 MiB payload (baseline: os.ReadFile)."}
}

func mib(b float64) string { return fmt.Sprintf("%.0fMiB", b/(1<<20)) }
