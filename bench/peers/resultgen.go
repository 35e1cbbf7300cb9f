package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/resultgen/resultgen/runtime"
	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// resultgenSystem runs ChainFlow under an engine of its own per repetition,
// whose storage starts empty: a new local folder, or a new S3 prefix
// registered as the engine's default storage.
type resultgenSystem struct {
	label string
	cfg   config
	// store returns the settings of repetition rep's engine and the
	// storage (nil: local) to register as its default.
	store func(ctx context.Context, rep int) (map[string]string, *s3.Storage, error)
}

func (s *resultgenSystem) name() string { return s.label }
func (s *resultgenSystem) close() error { return nil }

func (s *resultgenSystem) fresh(ctx context.Context, rep int) (run, error) {
	env, st, err := s.store(ctx, rep)
	if err != nil {
		return nil, err
	}
	env[settings.Home] = filepath.Join(s.cfg.work, "home")
	set, err := settings.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		return nil, err
	}
	e := runtime.NewEngine(set, runtime.WithLogger(slog.New(slog.DiscardHandler)))
	if st != nil {
		e.RegisterStorage(s3Block, st)
	}
	return &resultgenRun{ctx: runtime.WithEngine(ctx, e), steps: s.cfg.steps, size: s.cfg.size, id: fmt.Sprintf("bench-%d", rep)}, nil
}

const s3Block = "s3/bench-peers"

func newResultgenLocal(cfg config) (*resultgenSystem, error) {
	return &resultgenSystem{label: "resultgen local", cfg: cfg,
		store: func(_ context.Context, rep int) (map[string]string, *s3.Storage, error) {
			dir := filepath.Join(cfg.work, fmt.Sprintf("local-%d", rep))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, nil, err
			}
			return map[string]string{settings.LocalStoragePath: dir}, nil, nil
		}}, nil
}

// newBucket makes a bucket named name and a timestamp on the MinIO at
// cfg.s3Endpoint (plain HTTP, credentials from the AWS environment
// variables), and returns a client of it.
func newBucket(ctx context.Context, cfg config, name string) (*minio.Client, string, error) {
	bucket := fmt.Sprintf("%s-%d", name, time.Now().UnixNano())
	mc, err := minio.New(cfg.s3Endpoint, &minio.Options{
		Creds:  credentials.NewEnvAWS(),
		Secure: false,
		Region: "us-east-1",
	})
	if err != nil {
		return nil, "", fmt.Errorf("s3 %s: %w", cfg.s3Endpoint, err)
	}
	if err := mc.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
		return nil, "", fmt.Errorf("s3 %s: make bucket %s: %w", cfg.s3Endpoint, bucket, err)
	}
	return mc, bucket, nil
}

// newResultgenS3 makes a bucket for resultgen's S3 column (see newBucket).
func newResultgenS3(ctx context.Context, cfg config) (*resultgenSystem, error) {
	_, bucket, err := newBucket(ctx, cfg, "bench-peers")
	if err != nil {
		return nil, err
	}
	return &resultgenSystem{label: "resultgen S3", cfg: cfg,
		store: func(ctx context.Context, rep int) (map[string]string, *s3.Storage, error) {
			st, err := s3.Open(ctx, s3.Config{Bucket: bucket, Prefix: fmt.Sprintf("rep-%d", rep),
				Endpoint: cfg.s3Endpoint, Insecure: true, Region: "us-east-1"})
			if err != nil {
				return nil, nil, err
			}
			return map[string]string{settings.DefaultStorage: s3Block}, st, nil
		}}, nil
}

type resultgenRun struct {
	ctx         context.Context
	steps, size int
	id          string // the named run of first and byID
}

// first runs the flow on empty storage as the named run r.id (as DBOS runs
// a workflow under its id): every task runs and is written, and so is the
// run's result.
func (r *resultgenRun) first(context.Context) (sample, error) {
	return r.flow(ChainFlow.WithOptions(runtime.RunID(r.id)))
}

// rerun runs the flow again: a new flow run, whose tasks find every output
// in storage (their cache key leaves out the run id) and read it back.
func (r *resultgenRun) rerun(context.Context) (sample, error) { return r.flow(ChainFlow) }

// byID asks for the finished run r.id again: its stored result comes back
// without running the body or reading any task's record.
func (r *resultgenRun) byID(context.Context) (sample, error) {
	return r.flow(ChainFlow.WithOptions(runtime.RunID(r.id)))
}

func (r *resultgenRun) flow(f ChainFlowType) (sample, error) {
	start := time.Now()
	v, err := f.Call(r.ctx, r.steps, r.size)
	return sample{d: time.Since(start), digest: v}, err
}
