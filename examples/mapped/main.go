// Command mapped runs one task over a slice of inputs with the generated
// Map method: one task run per line, concurrently, the futures in the
// order of the lines. Each result is stored under a key made of the
// calling flow's region parameter, the day the flow run started and the
// run's map index:
//
//	eu-west/2026-03-02/part-0.json
//	eu-west/2026-03-02/part-1.json
//	eu-west/2026-03-02/part-2.json
//
// Run it twice on one day and the second run loads every part instead of
// counting again.
package main

//go:generate go tool resultgen

import (
	"context"
	"fmt"
	"os"
	"strings"
)

// CountWords counts the words of one line.
//
//result:task storage_key="{flow_run.parameters[region]}/{flow_run.start_time:2006-01-02}/part-{task_run.map_index}.json" serializer=json
func CountWords(line string) int {
	return len(strings.Fields(line))
}

// Ingest counts the words of every line, one mapped task run per line,
// and returns the total.
//
//result:flow name=ingest
func Ingest(ctx context.Context, region string, lines []string) (int, error) {
	total := 0
	for i, f := range CountWordsTask.Map(ctx, lines) {
		n, err := f.Result()
		if err != nil {
			return 0, fmt.Errorf("line %d: %w", i, err)
		}
		st := f.State()
		fmt.Printf("%-9s part %d: %d words -> %s\n", st.Name(), i, n, st.Location())
		total += n
	}
	return total, nil
}

func main() {
	lines := []string{
		"results are the bedrock of caching",
		"a mapped task runs once per input",
		"each run knows its index",
	}
	total, err := IngestFlow.Call(context.Background(), "eu-west", lines)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mapped:", err)
		os.Exit(1)
	}
	fmt.Printf("flow ingest counted %d words\n", total)
}
