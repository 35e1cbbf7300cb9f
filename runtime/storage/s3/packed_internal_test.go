package s3

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// TestPackedMetadataIsJSON checks that the packed metadata entry is, byte
// for byte, what encoding/json writes for the map (which readers decode
// with encoding/json, and which earlier versions wrote), for values with
// every printable ASCII byte, among them those JSON escapes ('"', '\\')
// and those encoding/json escapes for HTML ('<', '>', '&').
func TestPackedMetadataIsJSON(t *testing.T) {
	const nameBytes = "abcxyz019-_." // lower case: no two names differ only in case
	rnd := rand.New(rand.NewPCG(1, 2))
	word := func(alphabet string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rnd.IntN(len(alphabet))]
		}
		return string(b)
	}
	var printable []byte
	for c := byte(0x20); c <= 0x7e; c++ {
		printable = append(printable, c)
	}
	cases := []map[string]string{
		{"resultgen-version": "3", "resultgen-type": "[]uint8", "resultgen-labels": `{"a":"<b>&\"c\\"}`},
		{"k": ""},
		{"Task": "a", "Other.Name_2": "b<c", "z": "\\"},
	}
	for range 200 {
		m := map[string]string{}
		for range 1 + rnd.IntN(12) {
			v := "x" + word(string(printable), rnd.IntN(30)) + "y" // no leading or trailing space
			m[word(nameBytes, 1+rnd.IntN(20))] = v
		}
		cases = append(cases, m)
	}
	for _, m := range cases {
		got, err := encodeMetadata(m)
		if err != nil {
			t.Fatalf("encodeMetadata(%q): %v", m, err)
		}
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if p := got["X-Amz-Meta-"+packedMeta]; p != string(want) || len(got) != 1 {
			t.Fatalf("encodeMetadata(%q) = %q\nwant the one entry %q", m, got, want)
		}
	}
}
