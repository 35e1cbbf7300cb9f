package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/dbos-inc/dbos-transact-golang/dbos"
	"github.com/jackc/pgx/v5/pgxpool"
)

// chainInput is the DBOS workflow's input.
type chainInput struct {
	N    int `json:"n"`
	Size int `json:"size"`
}

// dbosSystem runs dbosChain, the DBOS twin of Chain: every step is a
// dbos.RunAsStep whose output DBOS checkpoints in Postgres.
type dbosSystem struct {
	ctx  dbos.Context
	pool *pgxpool.Pool
	cfg  config
	tag  string
}

// bodyStarts records when each workflow's body starts, by workflow id, so
// a recovered workflow is timed from the moment it runs, not from the
// moment its queue picks it up.
var bodyStarts sync.Map

// dbosChain is Chain as a DBOS workflow.
func dbosChain(ctx dbos.Context, in chainInput) (string, error) {
	if id, err := dbos.GetWorkflowID(ctx); err == nil {
		bodyStarts.Store(id, time.Now())
	}
	d := newDigest()
	for i := range in.N {
		v, err := dbos.RunAsStep(ctx, func(context.Context) (string, error) {
			bodies.Add(1)
			return Payload(i, in.Size), nil
		}, dbos.WithStepName("Step"))
		if err != nil {
			return "", err
		}
		d.add(v)
	}
	return d.String(), nil
}

func newDBOS(ctx context.Context, cfg config, log *slog.Logger) (*dbosSystem, error) {
	pool, err := pgxpool.New(ctx, cfg.dbosURL)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s: %w", pool.Config().ConnConfig.Host, err)
	}
	dc, err := dbos.NewContext(ctx, dbos.Config{AppName: "bench-peers", SystemDBPool: pool, Logger: log})
	if err != nil {
		pool.Close()
		return nil, err
	}
	dbos.RegisterWorkflow(dc, dbosChain)
	if err := dbos.Launch(dc); err != nil {
		pool.Close()
		return nil, err
	}
	return &dbosSystem{ctx: dc, pool: pool, cfg: cfg, tag: fmt.Sprintf("%d", time.Now().UnixNano())}, nil
}

func (s *dbosSystem) name() string { return "DBOS" }

func (s *dbosSystem) close() error {
	dbos.Shutdown(s.ctx, 5*time.Second)
	s.pool.Close()
	return nil
}

// fresh returns a run under a workflow id never used before.
func (s *dbosSystem) fresh(_ context.Context, rep int) (run, error) {
	return &dbosRun{s: s, id: fmt.Sprintf("bench-peers-%s-%d", s.tag, rep)}, nil
}

type dbosRun struct {
	s  *dbosSystem
	id string
}

// poll is how often a polling handle looks for the workflow's result: fast,
// so waiting adds at most a millisecond to what is measured.
var poll = dbos.WithHandlePollingInterval(time.Millisecond)

// first runs the workflow under a new id: every step runs and its output
// is checkpointed.
func (r *dbosRun) first(context.Context) (sample, error) {
	start := time.Now()
	h, err := dbos.RunWorkflow(r.s.ctx, dbosChain, chainInput{N: r.s.cfg.steps, Size: r.s.cfg.size}, dbos.WithWorkflowID(r.id))
	if err != nil {
		return sample{}, err
	}
	v, err := h.GetResult()
	return sample{d: time.Since(start), digest: v}, err
}

// rerun recovers the workflow: it is put back to PENDING, as if its process
// had died after the last step's checkpoint and before the workflow's own
// result was recorded, and resumed under the same id. The body runs again;
// every step returns its checkpointed output. DBOS runs a resumed workflow
// from its internal queue, polled every second, so the time is taken from
// the moment the body starts to the moment the result is back; the wait for
// the queue is reported apart.
func (r *dbosRun) rerun(context.Context) (sample, error) {
	if _, err := r.s.pool.Exec(r.s.ctx, `UPDATE dbos.workflow_status SET status = 'PENDING' WHERE workflow_uuid = $1`, r.id); err != nil {
		return sample{}, fmt.Errorf("set workflow %s back to PENDING: %w", r.id, err)
	}
	bodyStarts.Delete(r.id)
	start := time.Now()
	h, err := dbos.ResumeWorkflow[string](r.s.ctx, r.id)
	if err != nil {
		return sample{}, err
	}
	v, err := h.GetResult(poll)
	end := time.Now()
	if err != nil {
		return sample{}, err
	}
	t, ok := bodyStarts.Load(r.id)
	if !ok {
		return sample{}, fmt.Errorf("workflow %s was resumed but its body did not run", r.id)
	}
	began := t.(time.Time)
	return sample{d: end.Sub(began), extra: began.Sub(start), digest: v}, nil
}

// byID returns the finished workflow's result by its id.
func (r *dbosRun) byID(context.Context) (sample, error) {
	start := time.Now()
	h, err := dbos.RetrieveWorkflow[string](r.s.ctx, r.id)
	if err != nil {
		return sample{}, err
	}
	v, err := h.GetResult(poll)
	return sample{d: time.Since(start), digest: v}, err
}
