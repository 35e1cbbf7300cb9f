package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/minio/minio-go/v7"
)

// s3Floor times, on the same MinIO, the requests resultgen's S3 column
// cannot do without, sent by minio-go alone with nothing else around
// them: the floor of that column under its durability promise (see
// README, "On S3, what is stored when a call returns").
//
//   - first run: per step, a GET that misses (the lookup before the body
//     runs) and a conditional PUT (If-None-Match: *) of the step's record,
//     acknowledged before the next step starts, as a task call returns
//     only once its record is committed;
//   - finished run by id: one GET of a small object (the run's record).
type s3Floor struct {
	mc     *minio.Client
	bucket string
	cfg    config
}

func newS3Floor(ctx context.Context, cfg config) (*s3Floor, error) {
	mc, bucket, err := newBucket(ctx, cfg, "bench-peers-floor")
	if err != nil {
		return nil, err
	}
	return &s3Floor{mc: mc, bucket: bucket, cfg: cfg}, nil
}

// recordSize is about what a step's record weighs: its payload and the
// record's header and trailer.
func (f *s3Floor) recordSize() int { return f.cfg.size + 600 }

// first times the first run's requests under the fresh prefix rep.
func (f *s3Floor) first(ctx context.Context, rep int) (time.Duration, error) {
	body := bytes.Repeat([]byte("r"), f.recordSize())
	start := time.Now()
	for i := range f.cfg.steps {
		name := fmt.Sprintf("rep-%d/%064d", rep, i)
		o, err := f.mc.GetObject(ctx, f.bucket, name, minio.GetObjectOptions{})
		if err == nil {
			_, err = io.ReadAll(o)
			o.Close()
		}
		if minio.ToErrorResponse(err).Code != "NoSuchKey" {
			return 0, fmt.Errorf("s3 floor: GET %s: want a miss, got %v", name, err)
		}
		opts := minio.PutObjectOptions{}
		opts.SetMatchETagExcept("*")
		if _, err := f.mc.PutObject(ctx, f.bucket, name, bytes.NewReader(body), int64(len(body)), opts); err != nil {
			return 0, fmt.Errorf("s3 floor: PUT %s: %w", name, err)
		}
	}
	return time.Since(start), nil
}

// byID times one GET of a step's record the first run wrote.
func (f *s3Floor) byID(ctx context.Context, rep int) (sample, error) {
	name := fmt.Sprintf("rep-%d/%064d", rep, 0)
	start := time.Now()
	o, err := f.mc.GetObject(ctx, f.bucket, name, minio.GetObjectOptions{})
	if err != nil {
		return sample{}, err
	}
	b, err := io.ReadAll(o)
	o.Close()
	d := time.Since(start)
	if err != nil || len(b) != f.recordSize() {
		return sample{}, fmt.Errorf("s3 floor: GET %s: %d bytes, %v", name, len(b), err)
	}
	return sample{d: d}, nil
}
