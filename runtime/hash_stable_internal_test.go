package runtime

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// The inputs' encoding is part of every cache key already written: a
// change to it, even one that writes the same bytes in other pieces,
// must leave each digest as it was, or every record in every store is
// missed on the next run. These digests were computed by the encoder
// before it wrote a tag and its value in one piece.
func TestHasherDigestsAreStable(t *testing.T) {
	type row struct {
		A string
		B []int
		C map[string]float64
		D *bool
	}
	yes := true
	cases := []struct {
		name string
		fill func(h *Hasher) error
		want string
		// params: each parameter's own digest (Manifest.Params), tracked
		params string
	}{
		{"string", func(h *Hasher) error {
			if h.Param("name") {
				h.String("hit")
			}
			return nil
		}, "509d64e36d899ebcdd8efbdfd454a7624dbbb0cc36db9ccef50cce138cc81437", "[{name 5bdd0db0fc83c0d1 false}]"},
		{"long string", func(h *Hasher) error {
			if h.Param("text") {
				h.String(strings.Repeat("ab", 100))
			}
			return nil
		}, "e06cfa3881d9900c4efa25998a4920aa84bde14f232db068f6c85d7ee592ae98", "[{text 36af5d638934a687 false}]"},
		{"scalars", func(h *Hasher) error {
			if h.Param("i") {
				h.Int(-42)
			}
			if h.Param("u") {
				h.Uint(math.MaxUint64)
			}
			if h.Param("f") {
				h.Float(2.5)
			}
			if h.Param("c") {
				h.Complex(complex(1, -1))
			}
			if h.Param("b") {
				h.Bool(true)
			}
			if h.Param("bytes") {
				h.Bytes([]byte("xyz"))
			}
			return nil
		}, "ba613c006109559f6040ee5861f5b4d07aabead2b19e0278902f8e46c66ef1d4", "[{i a3d60dc00f978654 false} {u 0892fe8cef0e4ab3 false} {f c55b6390f4bd326f false} {c 3016582de53257f8 false} {b e632b7095b0bf32c false} {bytes ce990b1c93342382 false}]"},
		{"value", func(h *Hasher) error {
			if h.Param("r") {
				return h.Value(row{A: "a", B: []int{1, 2, 3}, C: map[string]float64{"y": 2, "x": 1}, D: &yes})
			}
			return nil
		}, "f6fdfe80accdec1be8efa2278990ee613a228d17d70e87dc0c185e61a31beb25", "[{r eb0b7ca463cc974c false}]"},
		{"excluded", func(h *Hasher) error {
			if h.Param("skipped") {
				h.String("never")
			}
			if h.Param("kept") {
				h.Int(7)
			}
			return nil
		}, "6455506d02ba12eb9b5d2e61820ef0d8c51d166d9aec8d25ec05f95c083bc8f4", "[{skipped  true} {kept c6fdf99115f89981 false}]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, track := range []bool{false, true} {
				h := newHasher(map[string]bool{"skipped": true})
				h.track = track
				if err := c.fill(h); err != nil {
					t.Fatal(err)
				}
				if got := h.sum(); got != c.want {
					t.Errorf("track=%v: digest %s, want %s", track, got, c.want)
				}
				if track {
					if got := fmt.Sprint(h.paramSums()); got != c.params {
						t.Errorf("parameters' digests %s, want %s", got, c.params)
					}
				}
			}
		})
	}
}
