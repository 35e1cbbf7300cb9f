//go:build race

package runtime_test

// raceEnabled: the race detector is on, which changes allocation counts
// (sync.Pool drops some of what is put back).
const raceEnabled = true
