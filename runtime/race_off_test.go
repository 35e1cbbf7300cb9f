//go:build !race

package runtime_test

// raceEnabled is false: see race_on_test.go.
const raceEnabled = false
