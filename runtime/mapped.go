package runtime

import "context"

// Map runs a task once per argument set, concurrently, and returns one
// future per set, in order: futures[i] is the run of inv(i), whose map
// index is i ({task_run.map_index} in its storage key,
// TaskRunFrom(ctx).MapIndex in its body). Generated Map methods call it.
//
// The runs share the engine's concurrency limit with Submit (see
// WithConcurrency) and start in index order; Map itself never waits, and
// holds at most that many goroutines for the runs at once, however many
// sets there are. Inside a flow, the flow waits for them before it
// finishes, as for Submit. When ctx is done before a run could start, its
// future fails with ctx's error.
func Map[R any](ctx context.Context, n int, inv func(i int) Invocation[R]) []*Future[R] {
	futures := make([]*Future[R], n)
	for i := range futures {
		futures[i] = &Future[R]{done: make(chan struct{})}
	}
	if n == 0 {
		return futures
	}
	e := engineFrom(ctx)
	fr := flowFrom(ctx)
	if fr != nil {
		fr.futures.Add(n)
	}
	done := func(f *Future[R]) {
		if fr != nil {
			fr.futures.Done()
		}
		close(f.done)
	}
	go func() {
		for i, f := range futures {
			select {
			case e.sem <- struct{}{}:
			case <-ctx.Done():
				for j, f := range futures[i:] {
					name := "?"
					if in := inv(i + j); in.Def != nil {
						name = in.Def.Name
					}
					f.state = failedState[R](ctx.Err(), name)
					done(f)
				}
				return
			}
			go func() {
				defer done(f)
				defer func() { <-e.sem }()
				in := inv(i)
				st, _, _ := runInv(ctx, &in, true, int32(i)+1)
				f.state = st
			}()
		}
	}()
	return futures
}
