package review

import (
	"context"

	"github.com/resultgen/resultgen/runtime/settings"
)

// ReviewEach is Review under each of all, from one load of the packages:
// a test that compares reports under several settings loads once.
func ReviewEach(ctx context.Context, cfg Config, all []settings.Settings, patterns ...string) ([]*Report, error) {
	l, err := load(ctx, cfg, patterns)
	if err != nil {
		return nil, err
	}
	reps := make([]*Report, len(all))
	for i := range all {
		reps[i] = l.report(false, &all[i])
	}
	return reps, nil
}
