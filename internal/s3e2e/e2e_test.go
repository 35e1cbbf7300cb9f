package s3e2e_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/internal/s3/s3test"
	"github.com/resultgen/resultgen/runtime/storage"
)

// Sizes of testdata/flow's results.
const (
	payloadSize = 2 << 20  // Payload.Data of Racy
	blobSize    = 20 << 20 // Second's Blob
)

// TestSecondProcessGetsCachedResults runs the same flow in two processes one
// after the other: the second loads both tasks' results from S3 ("Cached")
// and gets the values the first process computed.
func TestSecondProcessGetsCachedResults(t *testing.T) {
	w := newWorld(t, s3test.Shared(t), s3test.BucketOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	p1 := w.start(t, ctx, "share", "alpha")
	first := p1.wait(t)
	second := w.run(t, ctx, "share", "alpha")

	base := "s3://" + w.bucket + "/" + w.prefix + "/"
	tests := []struct {
		what string // the task's output line
		at   string // its location, "" for a hashed key
	}{
		{"stamp", base + "share/alpha.json"},
		{"mark", ""},
	}
	for _, tc := range tests {
		a, b := only(t, first, tc.what), only(t, second, tc.what)
		if a["state"] != "Completed" {
			t.Errorf("%s: first process: state %s, want Completed", tc.what, a["state"])
		}
		if b["state"] != "Cached" {
			t.Errorf("%s: second process: state %s, want Cached", tc.what, b["state"])
		}
		if want := fmt.Sprintf("by pid %d ", p1.cmd.Process.Pid); !strings.Contains(a["value"], want) {
			t.Errorf("%s: first process's value %q does not name it (%q)", tc.what, a["value"], want)
		}
		if b["value"] != a["value"] {
			t.Errorf("%s: second process got %q, want the first process's %q", tc.what, b["value"], a["value"])
		}
		if a["at"] != b["at"] || !strings.HasPrefix(a["at"], base) {
			t.Errorf("%s: locations %q and %q, want one under %s", tc.what, a["at"], b["at"], base)
		}
		if tc.at != "" && a["at"] != tc.at {
			t.Errorf("%s: location %q, want %q", tc.what, a["at"], tc.at)
		}
		// The record is there for anyone with the bucket, and says what it holds.
		st := w.store(t)
		var v string
		m, err := record.Read(ctx, st, strings.TrimPrefix(a["at"], base), nil, &v)
		if err != nil {
			t.Errorf("%s: read record: %v", tc.what, err)
		} else if v != a["value"] || m.GoType != "string" {
			t.Errorf("%s: record holds %q of type %q, want %q of type string", tc.what, v, m.GoType, a["value"])
		}
	}
}

// TestManyProcessesOneKey starts eight processes together, all asking for
// the same key. Serializable isolation computes it once; read_committed
// may compute it several times but every process ends with the one
// committed value, intact.
func TestManyProcessesOneKey(t *testing.T) {
	const n = 8
	srv := s3test.Shared(t)
	tests := []struct {
		name  string
		mode  string // the flow program's mode
		key   string // the task's storage key for tag "k"
		check func(t *testing.T, w *world, outs []string)
	}{
		{"serializable", "serializable", "once/k", checkSerializable},
		{"read_committed", "readcommitted", "racy/k", checkReadCommitted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, srv, s3test.BucketOptions{})
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			procs := make([]*proc, n)
			for i := range procs {
				procs[i] = w.start(t, ctx, tc.mode, "k")
			}
			// Every process is started and waiting: let them all go at once.
			for _, p := range procs {
				w.awaitFile(t, ctx, fmt.Sprintf("ready.%d", p.cmd.Process.Pid), p)
			}
			w.signal(t, "go")
			outs := make([]string, n)
			for i, p := range procs {
				outs[i] = p.wait(t)
			}
			tc.check(t, w, outs)

			// Nothing is left behind but the record: no lease, no temporary object.
			var keys []string
			for o := range w.client(t).ListObjects(ctx, w.bucket, minio.ListObjectsOptions{Recursive: true}) {
				if o.Err != nil {
					t.Fatalf("list %s: %v", w.bucket, o.Err)
				}
				keys = append(keys, o.Key)
			}
			if want := w.prefix + "/" + tc.key; !slices.Contains(keys, want) || slices.ContainsFunc(keys, func(k string) bool {
				return strings.Contains(k, "/.locks/") || strings.Contains(k, ".tmp-")
			}) {
				t.Errorf("objects in the bucket: %q; want %q and no lease or temporary object", keys, want)
			}
		})
	}
}

func checkSerializable(t *testing.T, w *world, outs []string) {
	var ran, values []string
	states := map[string]int{}
	for _, out := range outs {
		ran = append(ran, bodies(t, out, "once")...)
		l := only(t, out, "once")
		states[l["state"]]++
		values = append(values, l["value"])
	}
	if len(ran) != 1 {
		t.Fatalf("the serializable body ran %d times (%q), want once; outputs:\n%s", len(ran), ran, strings.Join(outs, "\n"))
	}
	if states["Completed"] != 1 || states["Cached"] != len(outs)-1 {
		t.Errorf("states %v, want 1 Completed and %d Cached", states, len(outs)-1)
	}
	want := "once k by " + ran[0]
	for i, v := range values {
		if v != want {
			t.Errorf("process %d got %q, want the one computed value %q", i, v, want)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stored string
	if _, err := record.Read(ctx, w.store(t), "once/k", nil, &stored); err != nil || stored != want {
		t.Errorf("stored record: %q, %v; want %q", stored, err, want)
	}
}

// payload is testdata/flow's Payload, as the record's msgpack map decodes.
type payload struct {
	Owner string
	Data  []byte
}

func checkReadCommitted(t *testing.T, w *world, outs []string) {
	ran := 0
	owners := map[string]int{}
	sums := map[string]int{}
	for i, out := range outs {
		ran += len(bodies(t, out, "racy"))
		l := only(t, out, "racy")
		if l["intact"] != "true" {
			t.Errorf("process %d: value not intact: %v", i, l)
		}
		if l["state"] != "Completed" && l["state"] != "Cached" {
			t.Errorf("process %d: state %s, want Completed or Cached", i, l["state"])
		}
		owners[l["owner"]]++
		sums[l["sha256"]]++
	}
	t.Logf("read_committed: %d of %d processes ran the body", ran, len(outs))
	if ran < 1 || len(owners) != 1 || len(sums) != 1 {
		t.Fatalf("processes got values of owners %v (digests %v), want one value for all", owners, sums)
	}
	var owner string
	for o := range owners {
		owner = o
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var v payload
	m, err := record.Read(ctx, w.store(t), "racy/k", nil, &v)
	if err != nil {
		t.Fatalf("stored record does not verify: %v", err)
	}
	if v.Owner != owner || !bytes.Equal(v.Data, fill(owner, payloadSize)) {
		t.Errorf("stored record holds %q's value (%d bytes), want %q's %d intact bytes", v.Owner, len(v.Data), owner, payloadSize)
	}
	if m.Size <= payloadSize || !strings.HasPrefix(m.Checksum, "xxh3-128-1mib:") {
		t.Errorf("record meta: size %d, checksum %q", m.Size, m.Checksum)
	}
}

// TestServerStoppedMidFlow kills a private MinIO while a flow uploads its
// second task's result (a 20 MiB multipart upload, stopped after its first
// part) and checks what a user relies on: the task fails naming the
// endpoint; after a restart nothing is visible at its key; the flow's retry
// loads the first task's committed result instead of running it, and
// commits the second.
func TestServerStoppedMidFlow(t *testing.T) {
	m := s3test.StartMinIO(t)
	w := newWorld(t, m.Server(), s3test.BucketOptions{Keep: true}) // the bucket goes with the server's data folder
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	p := w.start(t, ctx, "resume", "gamma")
	w.awaitFile(t, ctx, "paused", p) // the first part of Second's result is uploaded
	m.Kill()
	w.signal(t, "resume")
	w.awaitFile(t, ctx, "retrying", p) // attempt 1 failed; attempt 2 waits for the server

	out := p.awaitOutput(t, ctx, "attempt n=2") // printed before "retrying" was made
	firsts, seconds := lines(t, out, "first"), lines(t, out, "second")
	if len(firsts) != 1 || firsts[0].fields["state"] != "Completed" {
		t.Fatalf("attempt 1: want First Completed, got:\n%s", out)
	}
	if len(seconds) != 1 || seconds[0].fields["state"] != "Failed" {
		t.Fatalf("attempt 1: want Second Failed, got:\n%s\nstderr:\n%s", out, p.stderr)
	}
	firstKey, secondKey, failure := firsts[0].fields["key"], seconds[0].fields["key"], seconds[0].fields["err"]
	if !strings.Contains(failure, m.Endpoint()) {
		t.Errorf("Second's error does not name the endpoint %s: %s", m.Endpoint(), failure)
	}
	if !strings.Contains(failure, secondKey) {
		t.Errorf("Second's error does not name its key %s: %s", secondKey, failure)
	}

	m.Start() // same port, same data folder
	st := w.store(t)
	if info, err := st.Stat(ctx, secondKey); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("after the restart, Stat(%q) = %+v, %v; want not found (nothing half-written)", secondKey, info, err)
	}
	// The kill did cut an upload short: its first part is on the server, in
	// an upload that was never completed, so never visible. (MinIO lists
	// the uploads of one object name, not of a prefix.)
	var uploads []string
	for u := range w.client(t).ListIncompleteUploads(ctx, w.bucket, w.prefix+"/"+secondKey, true) {
		if u.Err != nil {
			t.Fatalf("list incomplete uploads: %v", u.Err)
		}
		uploads = append(uploads, u.Key)
	}
	if want := w.prefix + "/" + secondKey; !slices.Equal(uploads, []string{want}) {
		t.Errorf("incomplete uploads %q, want the one of Second's record %q", uploads, want)
	}
	var keys []string
	for info, err := range st.List(ctx, "") {
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		keys = append(keys, info.Key)
	}
	if !slices.Equal(keys, []string{firstKey}) {
		t.Errorf("after the restart the store holds %q, want only First's record %q", keys, firstKey)
	}
	var first string
	if _, err := record.Read(ctx, st, firstKey, nil, &first); err != nil || !strings.HasPrefix(first, "first gamma by ") {
		t.Errorf("First's record: %q, %v", first, err)
	}

	w.signal(t, "restarted")
	out = p.wait(t)

	attempts := lines(t, out, "attempt")
	if len(attempts) != 2 || attempts[0].fields["n"] != "1" || attempts[1].fields["n"] != "2" ||
		attempts[0].fields["flow_run"] != attempts[1].fields["flow_run"] {
		t.Errorf("want attempts 1 and 2 of one flow run, got %v", attempts)
	}
	firsts, seconds = lines(t, out, "first"), lines(t, out, "second")
	if len(firsts) != 2 || firsts[1].fields["state"] != "Cached" || firsts[1].fields["key"] != firstKey {
		t.Errorf("retry: want First Cached at %q, got %v", firstKey, firsts)
	}
	if n := len(bodies(t, out, "first")); n != 1 {
		t.Errorf("First's body ran %d times, want once (the retry reuses its record)", n)
	}
	if len(seconds) != 2 || seconds[1].fields["state"] != "Completed" || seconds[1].fields["key"] != secondKey {
		t.Errorf("retry: want Second Completed at %q, got %v", secondKey, seconds)
	}
	if f := only(t, out, "flow"); f["state"] != "Completed" {
		t.Errorf("flow state %s, want Completed", f["state"])
	}
	var blob []byte
	if _, err := record.Read(ctx, st, secondKey, nil, &blob); err != nil {
		t.Fatalf("Second's record after the retry: %v", err)
	}
	if !bytes.Equal(blob, fill("second gamma", blobSize)) {
		t.Errorf("Second's record holds %d bytes, not the %d computed", len(blob), blobSize)
	}
	if t.Failed() {
		t.Logf("flow output:\n%s\nstderr:\n%s", out, p.stderr)
	}

	// The upload the kill cut short is still there after the restart, and
	// MinIO no longer lists it bucket-wide: verify and prune -uploads find
	// it all the same, and prune aborts every one.
	name := w.prefix + "/" + secondKey
	leaked := len(exactUploads(t, w.client(t), w.bucket, name))
	if leaked == 0 {
		t.Fatalf("no incomplete upload at %s after the restart; the test needs one", name)
	}
	vout, verr, code := w.cli(t, ctx, "results", "verify", "-storage", blockSlug)
	if n := strings.Count(vout, "UPLOAD\t"+secondKey+"\t"); n != leaked || code != 0 {
		t.Errorf("verify after a restart: %d UPLOAD lines of %s, exit %d; want %d and exit 0 (young uploads are no problem)\nstdout:\n%s\nstderr:\n%s",
			n, secondKey, code, leaked, vout, verr)
	}
	pout, perr, code := w.cli(t, ctx, "results", "prune", "-storage", blockSlug, "-uploads", "-older-than", "0s")
	if n := strings.Count(pout, "aborted upload of "+secondKey+" "); n != leaked || code != 0 {
		t.Errorf("prune -uploads -older-than 0s after a restart: aborted %d of %s, exit %d; want %d and exit 0\nstdout:\n%s\nstderr:\n%s",
			n, secondKey, code, leaked, pout, perr)
	}
	if left := exactUploads(t, w.client(t), w.bucket, name); len(left) != 0 {
		t.Errorf("after prune -uploads, %d incomplete uploads left at %s", len(left), name)
	}
	vout, verr, code = w.cli(t, ctx, "results", "verify", "-storage", blockSlug)
	if strings.Contains(vout, "UPLOAD") || code != 0 {
		t.Errorf("verify after the prune lists uploads or fails (exit %d):\n%s\n%s", code, vout, verr)
	}
	t.Logf("uploads leaked by the kill and found after the restart: %d", leaked)
}

// exactUploads lists the ids of the incomplete uploads of the object name,
// asking for that exact name (which MinIO answers after a restart too).
func exactUploads(t *testing.T, c *minio.Client, bucket, name string) []string {
	t.Helper()
	var ids []string
	for u := range c.ListIncompleteUploads(context.Background(), bucket, name, true) {
		if u.Err != nil {
			t.Fatalf("list incomplete uploads of %s: %v", name, u.Err)
		}
		if u.Key == name {
			ids = append(ids, u.UploadID)
		}
	}
	return ids
}
