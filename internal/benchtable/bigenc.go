package main

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
)

// benchKeyring is the keyring of the engines that measure encryption.
var benchKeyring = "bench:" + base64.StdEncoding.EncodeToString(make([]byte, 32))

// bigEncRows is P4 encrypted: writing and reading P4's 256 MiB []byte with
// runtime.Encrypt(true) against the same unencrypted, each operation in a
// process of its own as in bigRows, the two sides alternating which goes
// first.
func bigEncRows(dir string) ([]row, []string) {
	dir = filepath.Join(dir, "bigenc")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	clean := func() {
		_ = os.RemoveAll(filepath.Join(dir, "storage"))
		syncAll()
	}
	clean()
	inChild("write-rg", dir, 0) // warm-up
	inChild("write-enc", dir, 0)
	var wc, we, rc, re []float64
	var cpu [4][]float64 // CPU time: write clear, encrypted; read clear, encrypted
	for i := range *p4Reps {
		seed := i + 1
		w := [2]string{"write-rg", "write-enc"}
		rd := [2]string{"read-rg", "read-enc"}
		first := i % 2
		var wm, rm [2]measurement
		clean()
		wm[first] = inChild(w[first], dir, seed)
		syncAll()
		wm[1-first] = inChild(w[1-first], dir, seed)
		rm[first] = inChild(rd[first], dir, seed)
		rm[1-first] = inChild(rd[1-first], dir, seed)
		wc, we = append(wc, float64(wm[0].NS)), append(we, float64(wm[1].NS))
		rc, re = append(rc, float64(rm[0].NS)), append(re, float64(rm[1].NS))
		for j, m := range []measurement{wm[0], wm[1], rm[0], rm[1]} {
			cpu[j] = append(cpu[j], float64(m.CPU))
		}
	}
	tput := func(ns float64) string { return fmt.Sprintf("%.0fMB/s", bigSize/ns*1e3) }
	through := func(name string, clear, enc, cpuClear, cpuEnc []float64) row {
		mc, sc := spread(clear)
		me, se := spread(enc)
		r := pairRatio(enc, clear)
		return row{name: name, goal: ">=0.80x", base: tput(mc) + " " + sc, rg: tput(me) + " " + se, ratio: r, pass: r >= 0.80,
			note: "baseline: the same run unencrypted; the first and second halves of the repetitions agree within " + agree(clear, enc) +
				"; CPU time of the operation's process during it (user+system) " + dur(median(cpuEnc)) + " against " + dur(median(cpuClear)) +
				fmt.Sprintf(", %.2fx", median(cpuEnc)/max(median(cpuClear), 1))}
	}
	return []row{
		through("P4 write 256 MiB encrypted/unencrypted", wc, we, cpu[0], cpu[1]),
		through("P4 read 256 MiB encrypted/unencrypted", rc, re, cpu[2], cpu[3]),
	}, nil
}
