// Command peers times one workload through resultgen and through DBOS
// Transact Go, whose steps checkpoint their outputs in Postgres: a
// flow/workflow of -steps steps, each returning -size bytes.
//
// Run it with `make bench-peers` from the repository root: the script
// scripts/bench-peers.sh starts a throw-away Postgres and MinIO and passes
// their addresses here. By hand:
//
//	go run . -dbos 'postgres://USER@127.0.0.1:PORT/DB?sslmode=disable'
//
// with RESULTGEN_TEST_S3_ENDPOINT and the AWS variables set (as
// scripts/with-minio.sh sets them) to add the S3 column.
//
// What is timed is the table "measures" below; each system says how it
// does each measure. Every repetition starts from empty storage (a new
// local folder, S3 prefix or workflow id), runs the measures in order, and
// the systems take turns going first. The printed figures are medians.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"
)

// A measure is one row of the table. Each system implements every measure
// (see run); the row's note says what the resultgen column times when it
// is not the same operation as DBOS's.
type measure struct {
	name string
	do   func(ctx context.Context, r run) (sample, error)
	note string
}

// measures is the table, in the order each repetition runs them: a later
// measure may rely on what an earlier one stored.
//
// "finished run by id": both systems return a finished run's result by
// its id: DBOS a workflow's, resultgen a named flow run's (runtime.RunID),
// without running anything.
var measures = []measure{
	{
		name: "first run (every output written)",
		do:   func(ctx context.Context, r run) (sample, error) { return r.first(ctx) },
		note: "resultgen S3: per task one GET (the miss) and one conditional PUT, acknowledged before the task call returns",
	},
	{
		name: "re-run (every output read back)",
		do:   func(ctx context.Context, r run) (sample, error) { return r.rerun(ctx) },
		note: "DBOS: recovery of the same workflow id; resultgen: the same flow again, all tasks cached (cache_policy=inputs+task_source); on S3 one GET of the first run's steps index, which packs every task's record, and one listing that checks them",
	},
	{
		name: "finished run by id",
		do: func(ctx context.Context, r run) (sample, error) {
			return midOf(byIDCalls, func() (sample, error) { return r.byID(ctx) })
		},
		note: "DBOS: RetrieveWorkflow(id).GetResult; resultgen: the flow called again with the finished run's runtime.RunID (on S3 one GET); each repetition's sample is the median of 21 calls",
	},
}

// byIDCalls is how many times a repetition asks for the finished run by
// id: one call is one round trip (a GET, a Postgres query), whose time
// swings with the host, so a repetition's sample is the median of these.
const byIDCalls = 21

// midOf calls f n times and returns the sample of median duration.
func midOf(n int, f func() (sample, error)) (sample, error) {
	s := make([]sample, n)
	for i := range s {
		var err error
		if s[i], err = f(); err != nil {
			return sample{}, err
		}
	}
	slices.SortFunc(s, func(a, b sample) int { return cmp.Compare(a.d, b.d) })
	return s[n/2], nil
}

// A system is one column: it makes a fresh run per repetition.
type system interface {
	name() string
	// fresh returns a run whose storage holds nothing yet.
	fresh(ctx context.Context, rep int) (run, error)
	close() error
}

// A run is one repetition of the workload on one system.
type run interface {
	first(ctx context.Context) (sample, error)
	rerun(ctx context.Context) (sample, error)
	byID(ctx context.Context) (sample, error)
}

// A sample is one timing. extra is time spent before the timed part that
// the system needs but that is not the measured operation (DBOS's queue
// dispatch of a recovered workflow); it is reported apart.
type sample struct {
	d, extra time.Duration
	digest   string
}

type config struct {
	steps, size, reps, warmup int
	dbosURL                   string
	s3Endpoint                string
	work                      string
}

func main() {
	var cfg config
	flag.IntVar(&cfg.steps, "steps", 1000, "steps per flow/workflow")
	flag.IntVar(&cfg.size, "size", 1024, "bytes each step returns")
	flag.IntVar(&cfg.reps, "reps", 5, "timed repetitions (the median is printed)")
	flag.IntVar(&cfg.warmup, "warmup", 1, "untimed repetitions first")
	flag.StringVar(&cfg.dbosURL, "dbos", os.Getenv("BENCH_PEERS_DATABASE_URL"), "Postgres URL of DBOS's system database (default $BENCH_PEERS_DATABASE_URL)")
	flag.StringVar(&cfg.s3Endpoint, "s3", os.Getenv("RESULTGEN_TEST_S3_ENDPOINT"), "MinIO/S3 endpoint HOST:PORT, plain HTTP, for the resultgen S3 column (default $RESULTGEN_TEST_S3_ENDPOINT; empty: no S3 column)")
	flag.StringVar(&cfg.work, "work", "", "folder for resultgen's local storage (default: a temporary folder, removed after)")
	flag.Parse()
	if err := bench(context.Background(), cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench-peers:", err)
		os.Exit(1)
	}
}

func bench(ctx context.Context, cfg config, out io.Writer) error {
	if cfg.dbosURL == "" {
		return errors.New("no DBOS database: pass -dbos or set BENCH_PEERS_DATABASE_URL (make bench-peers starts one)")
	}
	if cfg.steps < 1 || cfg.size < 16 || cfg.reps < 1 || cfg.warmup < 0 {
		return errors.New("want -steps >= 1, -size >= 16, -reps >= 1, -warmup >= 0")
	}
	if cfg.work == "" {
		dir, err := os.MkdirTemp("", "bench-peers-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfg.work = dir
	}
	quiet := slog.New(slog.DiscardHandler)

	db, err := newDBOS(ctx, cfg, quiet)
	if err != nil {
		return fmt.Errorf("DBOS: %w", err)
	}
	defer db.close()
	local, err := newResultgenLocal(cfg)
	if err != nil {
		return err
	}
	defer local.close()
	systems := []system{db, local}
	var s3sys system
	var floor *s3Floor
	if cfg.s3Endpoint != "" {
		s3sys, err = newResultgenS3(ctx, cfg)
		if err != nil {
			return err
		}
		defer s3sys.close()
		systems = append(systems, s3sys)
		if floor, err = newS3Floor(ctx, cfg); err != nil {
			return err
		}
	}
	var floorFirst, floorByID []sample // the S3 floor's samples

	// times[system][measure] holds the timed samples.
	times := map[string][][]sample{}
	for _, s := range systems {
		times[s.name()] = make([][]sample, len(measures))
	}
	var want string // the digest every run must return
	total := cfg.warmup + cfg.reps
	for rep := range total {
		timed := rep >= cfg.warmup
		// The systems take turns going first: rotate the order each repetition.
		order := slices.Clone(systems)
		k := rep % len(order)
		order = append(order[k:], order[:k]...)
		var names []string
		for _, s := range order {
			r, err := s.fresh(ctx, rep)
			if err != nil {
				return fmt.Errorf("%s: %w", s.name(), err)
			}
			for m, ms := range measures {
				before := bodies.Load()
				smp, err := ms.do(ctx, r)
				if err != nil {
					return fmt.Errorf("%s, %s: %w", s.name(), ms.name, err)
				}
				ran := bodies.Load() - before
				if m == 0 && ran != int64(cfg.steps) {
					return fmt.Errorf("%s, %s: %d step bodies ran, want %d", s.name(), ms.name, ran, cfg.steps)
				}
				if m > 0 && ran != 0 {
					return fmt.Errorf("%s, %s: %d step bodies ran again; every output should have been read back", s.name(), ms.name, ran)
				}
				if want == "" {
					want = smp.digest
				} else if smp.digest != want {
					return fmt.Errorf("%s, %s: result %q, want %q", s.name(), ms.name, smp.digest, want)
				}
				if timed {
					times[s.name()][m] = append(times[s.name()][m], smp)
				}
			}
			names = append(names, s.name())
		}
		if floor != nil {
			first, err := floor.first(ctx, rep)
			if err != nil {
				return err
			}
			byID, err := midOf(byIDCalls, func() (sample, error) { return floor.byID(ctx, rep) })
			if err != nil {
				return err
			}
			if timed {
				floorFirst, floorByID = append(floorFirst, sample{d: first}), append(floorByID, byID)
			}
			names = append(names, "S3 floor")
		}
		tag := "warm-up"
		if timed {
			tag = fmt.Sprintf("rep %d/%d", rep-cfg.warmup+1, cfg.reps)
		}
		fmt.Fprintf(os.Stderr, "bench-peers: %s done (%s)\n", tag, strings.Join(names, " -> "))
	}

	fmt.Fprintf(out, "\n%d steps x %d B per run; medians of %d repetitions after %d warm-up, systems alternating; every run returned %q\n\n",
		cfg.steps, cfg.size, cfg.reps, cfg.warmup, want)
	fmt.Fprintln(out, "| measure | DBOS | resultgen local | ratio | resultgen S3 | ratio |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|")
	for m, ms := range measures {
		d := median(times[db.name()][m])
		row := []string{ms.name, fmtDur(d)}
		for _, s := range []system{local, s3sys} {
			if s == nil {
				row = append(row, "-", "-")
				continue
			}
			r := median(times[s.name()][m])
			row = append(row, fmtDur(r), fmt.Sprintf("%.2fx", float64(r)/float64(d)))
		}
		fmt.Fprintf(out, "| %s |\n", strings.Join(row, " | "))
	}
	fmt.Fprintln(out, "\nratio = resultgen time / DBOS time (below 1: resultgen is faster).")
	if floor != nil {
		d0, d2 := median(times[db.name()][0]), median(times[db.name()][2])
		f0, f2 := median(floorFirst), median(floorByID)
		fmt.Fprintf(out, "- S3 floor, the requests resultgen S3 cannot do without, sent by minio-go alone to the same MinIO: first run (per step a GET that misses and a conditional PUT of %d B) %s, %.2fx of DBOS; finished run by id (one GET) %s, %.2fx of DBOS\n",
			floor.recordSize(), fmtDur(f0), float64(f0)/float64(d0), fmtDur(f2), float64(f2)/float64(d2))
	}
	for _, ms := range measures {
		if ms.note != "" {
			fmt.Fprintf(out, "- %s: %s\n", ms.name, ms.note)
		}
	}
	for m, ms := range measures {
		if x := medianExtra(times[db.name()][m]); x > 0 {
			fmt.Fprintf(out, "- %s, DBOS: not counted above, the queue dispatch before the recovered workflow starts: median %s\n", ms.name, fmtDur(x))
		}
	}
	fmt.Fprintln(out, "\nspread (fastest - slowest repetition):")
	for m, ms := range measures {
		var cells []string
		for _, s := range systems {
			lo, hi := spread(times[s.name()][m])
			cells = append(cells, fmt.Sprintf("%s %s - %s", s.name(), fmtDur(lo), fmtDur(hi)))
		}
		fmt.Fprintf(out, "- %s: %s\n", ms.name, strings.Join(cells, "; "))
	}
	return nil
}

func spread(s []sample) (lo, hi time.Duration) {
	for i, x := range s {
		if i == 0 || x.d < lo {
			lo = x.d
		}
		if x.d > hi {
			hi = x.d
		}
	}
	return lo, hi
}

func median(s []sample) time.Duration {
	d := make([]time.Duration, len(s))
	for i, x := range s {
		d[i] = x.d
	}
	return mid(d)
}

func medianExtra(s []sample) time.Duration {
	d := make([]time.Duration, len(s))
	for i, x := range s {
		d[i] = x.extra
	}
	return mid(d)
}

func mid(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	if len(d)%2 == 1 {
		return d[len(d)/2]
	}
	return (d[len(d)/2-1] + d[len(d)/2]) / 2
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	}
}
