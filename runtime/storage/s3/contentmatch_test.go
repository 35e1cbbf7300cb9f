package s3_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// ContentMatch tells from a listing alone whether an object holds given
// bytes: yes for an object put in one request (its size known or not,
// touched or not) and exactly those bytes; no for other bytes of the same
// size, for a prefix of them, and for an object put in parts (its ETag is
// no MD5), whatever it holds.
func TestContentMatch(t *testing.T) {
	st, _ := openStore(t, "cm", func(c *s3.Config) { c.PartSize = s3.MinPartSize })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	match := st.ContentMatch()
	if match == nil {
		t.Fatal("ContentMatch is nil on a store without server-side encryption")
	}
	small := []byte("a record's bytes, put in one request")
	big := bytes.Repeat([]byte("part "), int(s3.MinPartSize/5*2+7)) // three parts
	puts := map[string]struct {
		body []byte
		size int64
	}{
		"sized":   {small, int64(len(small))},
		"unsized": {small, -1},
		"touched": {small, int64(len(small))},
		"parts":   {big, int64(len(big))},
	}
	for key, p := range puts {
		if err := st.Put(ctx, key, bytes.NewReader(p.body), storage.PutOptions{Size: p.size}); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}
	if err := st.Touch(ctx, "touched", time.Now()); err != nil {
		t.Fatalf("touch: %v", err)
	}
	other := bytes.Clone(small)
	other[3] ^= 1
	listed := 0
	for info, err := range st.List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		listed++
		p := puts[info.Key]
		if info.ETag == "" {
			t.Errorf("%s: listed without an ETag", info.Key)
		}
		want := info.Key != "parts"
		if got := match(info, p.body); got != want {
			t.Errorf("%s: match of its own bytes = %v, want %v (ETag %s)", info.Key, got, want, info.ETag)
		}
		if match(info, other[:min(len(other), len(p.body))]) || match(info, p.body[:len(p.body)-1]) {
			t.Errorf("%s: matches bytes it does not hold", info.Key)
		}
	}
	if listed != len(puts) {
		t.Errorf("listed %d objects, want %d", listed, len(puts))
	}
}
