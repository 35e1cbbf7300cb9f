package examples_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// exportedSpan is what stdouttrace writes of a span, as far as the test
// reads it.
type exportedSpan struct {
	Name        string
	SpanContext struct{ TraceID, SpanID string }
	Parent      struct{ TraceID, SpanID string }
	Attributes  []struct {
		Key   string
		Value struct{ Value any }
	}
}

func (s exportedSpan) attr(key string) any {
	for _, a := range s.Attributes {
		if a.Key == key {
			return a.Value.Value
		}
	}
	return nil
}

// The observability example exports a flow's spans to stdout: the first
// run's task spans are misses (reason absent), the second's hits, each a
// child of its flow run's span; its metrics counted the same lookups.
func TestObservability(t *testing.T) {
	t.Parallel()
	bin, e := build(t, "observability"), newEnv(t)
	out := e.run(t, bin)
	mustContain(t, out, "run 1: sum of squares 5", "run 2: sum of squares 5",
		"metric resultgen.cache.lookups{resultgen.cache.miss_reason=absent,resultgen.cache.outcome=miss,resultgen.task.name=Square} 3",
		"metric resultgen.cache.lookups{resultgen.cache.outcome=hit,resultgen.task.name=Square} 3")

	var flows []exportedSpan
	tasks := map[string][]exportedSpan{} // by parent span id
	for line := range strings.Lines(out) {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var s exportedSpan
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("a span line is not JSON: %v\n%s", err, line)
		}
		switch s.Name {
		case "flow sum-squares":
			flows = append(flows, s)
		case "task Square":
			tasks[s.Parent.SpanID] = append(tasks[s.Parent.SpanID], s)
		default:
			t.Errorf("unexpected span %q", s.Name)
		}
	}
	if len(flows) != 2 {
		t.Fatalf("%d flow spans, want 2:\n%s", len(flows), out)
	}
	for i, want := range []string{"miss", "hit"} {
		f := flows[i]
		if f.attr("resultgen.state") != "Completed" || f.attr("code.function.name") != "github.com/resultgen/resultgen/examples/observability.SumSquares" {
			t.Errorf("flow span %d: state %v, function %v", i+1, f.attr("resultgen.state"), f.attr("code.function.name"))
		}
		ts := tasks[f.SpanContext.SpanID]
		if len(ts) != 3 {
			t.Errorf("flow run %d has %d task spans, want 3", i+1, len(ts))
		}
		for _, s := range ts {
			if s.SpanContext.TraceID != f.SpanContext.TraceID || s.attr("resultgen.cache.outcome") != want ||
				s.attr("resultgen.serializer") != "json" || s.attr("resultgen.storage") != "local:"+e.storage {
				t.Errorf("run %d: task span %s: trace %s (flow's %s), outcome %v (want %s), serializer %v, storage %v",
					i+1, s.SpanContext.SpanID, s.SpanContext.TraceID, f.SpanContext.TraceID, s.attr("resultgen.cache.outcome"), want,
					s.attr("resultgen.serializer"), s.attr("resultgen.storage"))
			}
			if want == "miss" && s.attr("resultgen.cache.miss_reason") != "absent" {
				t.Errorf("run 1: task span %s: miss reason %v, want absent", s.SpanContext.SpanID, s.attr("resultgen.cache.miss_reason"))
			}
		}
	}
}
