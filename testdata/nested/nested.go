// Package nested is a task called by a flow that another flow calls: the
// outer flow's settings reach the task through the middle flow, which sets
// nothing, as at run time. Ping and Pong call each other.
package nested

import "context"

// Work is persisted only when Outer runs it through Middle.
//
//result:task
func Work(ctx context.Context, n int) (int, error) {
	return n * 2, nil
}

// Middle sets nothing of its own.
//
//result:flow
func Middle(ctx context.Context) (int, error) {
	return WorkTask.Call(ctx, 21)
}

// Outer persists everything it runs to the s3/prod block.
//
//result:flow persist=true storage=s3/prod
func Outer(ctx context.Context) error {
	_, err := MiddleFlow.Call(ctx)
	return err
}

// Ping and Pong call each other, and Work.
//
//result:flow serializer=json
func Ping(ctx context.Context, n int) error {
	if n == 0 {
		_, err := WorkTask.Call(ctx, n)
		return err
	}
	return PongFlow.Call(ctx, n-1)
}

// Pong sets nothing of its own.
//
//result:flow
func Pong(ctx context.Context, n int) error {
	if n == 0 {
		_, err := WorkTask.Call(ctx, n)
		return err
	}
	return PingFlow.Call(ctx, n-1)
}
