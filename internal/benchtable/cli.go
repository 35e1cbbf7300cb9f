package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/storage"
)

var (
	cliRecords = flag.Int("records", 1_000_000, "records in the CLI rows' store")
	cliCache   = flag.String("store-cache", "", "folder that keeps the CLI rows' store between runs (default: the user's cache folder, resultgen-benchtable)")
)

// cliTasks is how many tasks the CLI store's records belong to (ls -summary
// prints one row per task).
const cliTasks = 100

// cliGoal is issue 21's bound on the CLI's peak RSS on a store of a million
// records, in bytes.
const cliGoal = 64_000_000

// buildStore makes, once, a local store of n tiny valid records (of
// cliTasks tasks, 8-byte msgpack payloads) under cache, and returns its
// folder. The records are encoded by package record (into a memory store)
// and written as plain files without fsync, two writers at a time: about a
// minute for a million; a store found complete (its marker file) is
// reused.
func buildStore(cache string, n int) (string, error) {
	root := filepath.Join(cache, fmt.Sprintf("store-%d", n))
	marker := filepath.Join(cache, fmt.Sprintf("store-%d.done", n))
	if _, err := os.Stat(marker); err == nil {
		return root, nil
	}
	if err := os.RemoveAll(root); err != nil { // a build cut short, this program's own
		return "", err
	}
	ctx := context.Background()
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const workers = 2
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			mem := storage.NewMemory()
			made := map[string]bool{}
			for i := w; i < n; i += workers {
				task := fmt.Sprintf("bench%02d", i%cliTasks)
				key := fmt.Sprintf("%s/%08d.msgpack", task, i)
				meta := record.Meta{Task: task, Func: "example.com/bench." + task, GoType: "int64", Created: created.Add(time.Duration(i) * time.Second)}
				if _, err := record.Write(ctx, mem, key, meta, nil, int64(i), storage.PutOptions{}); err != nil {
					errs[w] = err
					return
				}
				b, _, err := mem.GetBytes(ctx, key)
				if err != nil {
					errs[w] = err
					return
				}
				_ = mem.Delete(ctx, key)
				dir := filepath.Join(root, task)
				if !made[dir] {
					if err := os.MkdirAll(dir, 0o700); err != nil {
						errs[w] = err
						return
					}
					made[dir] = true
				}
				if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(key)), b, 0o600); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return "", err
		}
	}
	return root, os.WriteFile(marker, []byte(strconv.Itoa(n)+"\n"), 0o600)
}

// cliRows measures the peak RSS of the CLI's store-wide commands on a store
// of *cliRecords records (issue 21, item 5: at most 64 MB each). None of
// them changes the store: nothing in it expires and it is far below the
// -max-size given.
func cliRows(dir string) ([]row, []string) {
	cache := *cliCache
	if cache == "" {
		c, err := os.UserCacheDir()
		if err != nil {
			return nil, []string{"CLI: skipped: " + err.Error()}
		}
		cache = filepath.Join(c, "resultgen-benchtable")
	}
	start := time.Now()
	root, err := buildStore(cache, *cliRecords)
	if err != nil {
		return nil, []string{"CLI: skipped: cannot build the store: " + err.Error()}
	}
	built := time.Since(start)
	gen := filepath.Join(dir, "resultgen-cli")
	if out, err := exec.Command("go", "build", "-o", gen, "./cmd/resultgen").CombinedOutput(); err != nil {
		return nil, []string{fmt.Sprintf("CLI: skipped, cannot build resultgen: %v\n%s", err, out)}
	}
	home := filepath.Join(dir, "clihome")
	_ = os.MkdirAll(home, 0o700)
	env := []string{"RESULTGEN_HOME=" + home}
	spec := "local:" + root
	var rows []row
	for _, c := range []struct {
		name string
		args []string
	}{
		{"CLI results ls, 1M records", []string{"results", "ls", "-storage", spec}},
		{"CLI results ls -summary, 1M records", []string{"results", "ls", "-summary", "-storage", spec}},
		{"CLI results prune -expired, 1M records", []string{"results", "prune", "-expired", "-storage", spec}},
		{"CLI results prune -max-size, 1M records", []string{"results", "prune", "-max-size", "1TiB", "-storage", spec}},
		{"CLI results verify, 1M records", []string{"results", "verify", "-q", "-storage", spec}},
	} {
		m, err := runToolEnv(dir, env, gen, c.args...)
		if err != nil {
			rows = append(rows, row{name: c.name, goal: "<=64MB", rg: "error", note: err.Error()})
			continue
		}
		rows = append(rows, row{name: c.name, goal: "<=64MB", rg: fmt.Sprintf("%.0fMB", float64(m.HWM)/1e6), allocs: dur(float64(m.NS)),
			pass: m.HWM <= cliGoal, note: "peak RSS (wait4) of `resultgen " + joinArgs(c.args) + "`; the requests column holds its wall time"})
	}
	return rows, []string{fmt.Sprintf("CLI: a local store of %d records of %d tasks (8-byte msgpack payloads), built once under %s (%s this run); peak RSS of the command's process tree; goal: streaming, at most 64 MB (issue 21, item 5).",
		*cliRecords, cliTasks, cache, built.Round(time.Second))}
}

// joinArgs is the command line a, with the store's path shortened.
func joinArgs(a []string) string {
	out := slices.Clone(a)
	for i := range len(out) - 1 {
		if out[i] == "-storage" {
			out[i+1] = "local:STORE"
		}
	}
	return strings.Join(out, " ")
}
