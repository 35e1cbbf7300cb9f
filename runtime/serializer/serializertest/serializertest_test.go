package serializertest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/serializer/serializertest"
)

// sloppy is a serializer with the faults the suite must catch: it writes
// a counter before each value (so two encodings differ), and it encodes a
// value it cannot represent (a func, a channel) as null instead of
// refusing it.
type sloppy struct{ n *atomic.Int64 }

func (sloppy) Spec() serializer.Spec { return serializer.Spec{Type: "sloppy"} }

func (s sloppy) Encode(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte("null")
	}
	_, err = io.WriteString(w, strings.Repeat(" ", int(s.n.Add(1)%3))+string(b))
	return err
}

func (sloppy) Decode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

// TestSuiteCatchesFaults runs the suite on sloppy in a child test process
// (a failing suite fails the test it runs in) and checks that it failed,
// naming each fault.
func TestSuiteCatchesFaults(t *testing.T) {
	if os.Getenv("SERIALIZERTEST_SLOPPY") == "1" {
		serializertest.Run(t, sloppy{n: new(atomic.Int64)})
		return
	}
	if testing.Short() {
		t.Skip("runs the test binary again")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSuiteCatchesFaults$", "-test.v")
	cmd.Env = append(os.Environ(), "SERIALIZERTEST_SLOPPY=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err == nil {
		t.Fatalf("the suite passed a serializer that is not deterministic and refuses nothing:\n%s", out.String())
	}
	for _, want := range []string{
		"--- FAIL: TestSuiteCatchesFaults/Deterministic",
		"two encodings differ",
		"--- FAIL: TestSuiteCatchesFaults/Refuses",
		"without error; it must refuse a value it cannot represent",
		"--- PASS: TestSuiteCatchesFaults/RoundTrip",
		`serializer "sloppy" is not registered`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the suite's output lacks %q:\n%s", want, out.String())
		}
	}
}

// The suite passes a correct serializer made for one type, given its
// values, and checks its refusals.
func TestValuesAndRefuses(t *testing.T) {
	serializertest.Run(t, serializer.JSON(),
		serializertest.Values([]string{"a", "b"}, map[string]int{"x": 1, "y": 2}),
		serializertest.Refuses(make(chan int)))
}
