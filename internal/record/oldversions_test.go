package record_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resultgen/resultgen/internal/record"
	"github.com/resultgen/resultgen/runtime/storage"
)

// v1Fixtures are records of format version 1 (SHA-256 payload checksums),
// written by this package's writer before version 2, one for every built-in
// serializer, compressed and not, a payload past the small-write cap and a
// literal (testdata/v1/<name>.rec), with the checksums their writes
// reported. A reader of any later version must keep reading them.
var v1Fixtures = []struct {
	name, checksum string
	size           int64
}{
	{"msgpack", "sha256:0a7b9b5296e1082c171c418d653699cc9a168cf8fd7416ea9d3bebafe2184d18", 165},
	{"msgpack-big", "sha256:bdd057f511c9fd1495b727601b7f94f8c48bdd61427cb2c691a57184adfee39e", 108005},
	{"json", "sha256:58596e82485fe5896fdc50771f8600205a50676a86e1a893de87b82853adadc8", 308},
	{"gob", "sha256:810cd8bc5d903d0a8b9cb1b370f5566d900444a3049be4b28d7b3e04c8efbeb4", 263},
	{"msgpack-zstd", "sha256:dd37a9a74bfce4d079dd373d56549c7d1d2799a0d8b6cc3cfbbb237e686ed7c2", 126},
	{"json-gzip", "sha256:40648a65efa4a8d6a2240c0705cc2bc2aa4924cd665937086383384bfeb208d7", 171},
	{"gob-zlib", "sha256:77b0dc62a5c97ecbe224deddd86f53f01a4e9548de409f895776f6bf6bd977ce", 217},
	{"literal", "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0},
}

// v2Fixtures are the same records written as format version 2 (XXH3-128
// of the whole payload), by this package's writer before version 3
// (testdata/v2/<name>.rec).
var v2Fixtures = []struct {
	name, checksum string
	size           int64
}{
	{"msgpack", "xxh3-128:3e9b95e5825ed596386a7b8185ee8e59", 165},
	{"msgpack-big", "xxh3-128:42a841475e1f20e8f64d6430a15db8aa", 108005},
	{"json", "xxh3-128:cf4a49767277b5d9565d808f8e9b9cdf", 308},
	{"gob", "xxh3-128:07b1f6b465912b3c95e93bd124d75cf8", 263},
	{"msgpack-zstd", "xxh3-128:50aaee7e7e906f5df3fb09542094adcb", 126},
	{"json-gzip", "xxh3-128:e51bca517d0ce6154350b142061640b0", 171},
	{"gob-zlib", "xxh3-128:00b3457650affd043d9cec59b5de6d1a", 217},
	{"literal", "xxh3-128:99aa06d3014798d86001c324468d497f", 0},
}

// fixture returns testdata/v<version>/<name>.rec.
func fixture(t testing.TB, version int, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", fmt.Sprintf("v%d", version), name+".rec"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Records written as format version 1 stay readable, through every reader,
// from a store that keeps bytes in memory (the in-place path), from files
// (the streamed path) and as a bare stream; a flipped payload byte in one
// is still damage.
func TestReadVersion1Fixtures(t *testing.T) { testOldFixtures(t, 1, v1Fixtures) }

// So do records written as format version 2.
func TestReadVersion2Fixtures(t *testing.T) { testOldFixtures(t, 2, v2Fixtures) }

func testOldFixtures(t *testing.T, version int, fixtures []struct {
	name, checksum string
	size           int64
}) {
	ctx := context.Background()
	local, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("resultgen format version 1 fixture; ", 3000)
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			b := fixture(t, version, fx.name)
			mem := storage.NewMemory()
			for _, st := range []storage.Storage{mem, local} {
				if err := st.Put(ctx, fx.name, bytes.NewReader(b), storage.PutOptions{}); err != nil {
					t.Fatal(err)
				}
				m, err := record.ReadMeta(ctx, st, fx.name)
				if err != nil || m.Version != version || m.Checksum != fx.checksum || m.Size != fx.size {
					t.Fatalf("%s: ReadMeta: version %d, %s, %d bytes, %v; want version %d, %s, %d bytes", st, m.Version, m.Checksum, m.Size, err, version, fx.checksum, fx.size)
				}
				if m.Task != "fixture" || m.Labels["run"] != "r1" {
					t.Fatalf("%s: header %+v", st, m)
				}
				if m.Writer != "" {
					t.Fatalf("%s: writer %q in a record written before the writer was recorded; want none", st, m.Writer)
				}
				switch fx.name {
				case "literal":
					var v bool
					if _, err := record.Read(ctx, st, fx.name, nil, &v); err != nil || !v {
						t.Fatalf("%s: Read literal: %v, %v", st, v, err)
					}
				case "msgpack-big":
					var v string
					if _, err := record.Read(ctx, st, fx.name, nil, &v); err != nil || v != big {
						t.Fatalf("%s: Read: %d bytes, %v", st, len(v), err)
					}
				default:
					var v []Row
					if _, err := record.Read(ctx, st, fx.name, nil, &v); err != nil || !sameRows(v, rows()) {
						t.Fatalf("%s: Read: %+v, %v", st, v, err)
					}
				}
			}
			m, payload, err := record.Decode(bytes.NewReader(b))
			if err != nil || m.Version != version || m.Checksum != fx.checksum || int64(len(payload)) != fx.size {
				t.Fatalf("Decode: %s, %d bytes, %v", m.Checksum, len(payload), err)
			}
			if fx.size == 0 {
				return
			}
			// One flipped bit in the middle of the payload: the checksum
			// catches it.
			tsize := 48 // the binary trailer
			if fx.name == "json" {
				tsize = 134 // the JSON one
			}
			bad := bytes.Clone(b)
			bad[len(b)-tsize-int(fx.size)/2] ^= 0x01
			if _, _, err := record.Decode(bytes.NewReader(bad)); !errors.Is(err, record.ErrChecksum) {
				t.Fatalf("a flipped payload bit: %v, want ErrChecksum", err)
			}
		})
	}
}
