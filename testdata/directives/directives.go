// Package directives uses every directive key.
package directives

import (
	"context"
	"io"
	"net/netip"
	"time"

	"github.com/resultgen/resultgen/runtime/serializer"
)

type Level int

func (l Level) String() string { return [...]string{"low", "high"}[l] }

type Region string

type Inner struct {
	Region Region
	Addr   netip.Addr
}

type Request struct {
	User  string
	Inner *Inner
	Page  uint16
	Score float32
	Debug bool
	Level Level
}

// Report uses every task key.
//
//result:task name="monthly-report" persist storage="local:out/reports"
//result:storage_key="{flow_run.flow_name}/{flow_run.id}/{parameters[req].User}-{parameters[req].Inner.Region}-{parameters[req].Inner.Addr}-p{parameters[req].Page}-{parameters[req].Score}-{parameters[req].Debug}-{parameters[req].Level}-{task_run.run_count}.json"
//result:serializer=compressed/json compression=gzip cache_in_memory=false
//result:cache_policy=inputs-progress+task_source cache_expiration=90m refresh_cache=false
//result:isolation=serializable retries=3 retry_delay=1500ms
func Report(ctx context.Context, req *Request, progress func(int)) (map[string]int, error) {
	return nil, nil
}

// Keyed has a cache_key_fn taking a context and returning (string, error).
//
//result:task cache_key_fn=keyFor cache_policy=none
func Keyed(ctx context.Context, id int, tags []string) (string, error) { return "", nil }

func keyFor(ctx context.Context, id int, tags []string) (string, error) { return "k", nil }

// PlainKeyed has a cache_key_fn without a context returning string.
//
//result:task cache_key_fn=plainKey
func PlainKeyed(name string) string { return name }

func plainKey(name string) string { return name }

// Unreadable can never give its value back: no Call.
//
//result:task persist=false cache_in_memory=false
func Unreadable(n int) int { return n }

// Upper is a task with a custom serializer value.
//
//result:task serializer=upperSerializer
func Upper(s string) string { return s }

type upper struct{}

func (upper) Spec() serializer.Spec           { return serializer.Spec{Type: "upper"} }
func (upper) Encode(w io.Writer, v any) error { return nil }
func (upper) Decode(r io.Reader, v any) error { return nil }

var upperSerializer serializer.Serializer = upper{}

// Nightly is a flow with every flow key.
//
//result:flow name=nightly persist=true storage=s3/prod serializer=compressed/msgpack compression=zstd
//result:cache_in_memory=true retries=2 retry_delay=1h
func Nightly(ctx context.Context, day time.Time) error {
	_, err := ReportTask.State(ctx, &Request{}, nil).Result()
	return err
}
