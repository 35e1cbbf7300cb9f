package generator

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"go/format"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"time"
)

// FormatCacheEnv names the folder of the format cache (see formatCache);
// "off" turns the cache off. Unset, it is resultgen/format under the user's
// cache folder (os.UserCacheDir: $XDG_CACHE_HOME or ~/.cache on Linux).
const FormatCacheEnv = "RESULTGEN_FORMAT_CACHE"

// formatCache keeps go/format's output for the pieces of generated files
// (see emit), keyed by the SHA-256 of the unformatted piece and the Go
// version resultgen was built with (whose go/format made the output), as
// the go command's build cache keeps compiled packages. Regenerating a
// package after an edit re-formats only the pieces whose functions changed
// (a piece is emitChunk functions), which is what brings P6 of `make bench`
// (regenerate 1,000 functions after a one-function edit) from 3.1-3.3x to
// about the time of go vet: go/format was 46-52% of the generator's CPU. The
// output is byte-identical to formatting: an entry is format.Source's own
// output, stored with its SHA-256 and dropped when that does not match.
//
// Entries are files dir/XX/HEX (XX the first two hex digits of the key),
// written to a temporary file and renamed. Using an entry refreshes its
// modification time at most once an hour; at most once a day, a run removes
// the entries unused for trimAge. Nothing else under dir is touched. Every
// failure of the cache is a miss: formatting never depends on it.
type formatCache struct {
	dir string // "" when off
}

// trimAge is how long an unused entry is kept.
const trimAge = 5 * 24 * time.Hour

// newFormatCache opens the cache named by FormatCacheEnv in env (the
// process's environment when env is nil).
func newFormatCache(env []string) *formatCache {
	dir, set := os.LookupEnv(FormatCacheEnv)
	if env != nil {
		dir, set = "", false
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, FormatCacheEnv+"="); ok {
				dir, set = v, true
			}
		}
	}
	switch {
	case dir == "off":
		return &formatCache{}
	case !set || dir == "":
		c, err := os.UserCacheDir()
		if err != nil {
			return &formatCache{}
		}
		dir = filepath.Join(c, "resultgen", "format")
	}
	fc := &formatCache{dir: dir}
	fc.trim(time.Now())
	return fc
}

// source is format.Source(src), from the cache when it holds it.
func (c *formatCache) source(src []byte) ([]byte, error) {
	if c == nil || c.dir == "" {
		return format.Source(src)
	}
	key := c.key(src)
	if out, ok := c.get(key); ok {
		return out, nil
	}
	out, err := format.Source(src)
	if err == nil {
		c.put(key, out)
	}
	return out, err
}

func (c *formatCache) key(src []byte) string {
	h := sha256.New()
	h.Write([]byte("resultgen format cache 1\x00" + goruntime.Version() + "\x00"))
	h.Write(src)
	return hex.EncodeToString(h.Sum(nil))
}

func (c *formatCache) path(key string) string { return filepath.Join(c.dir, key[:2], key) }

func (c *formatCache) get(key string) ([]byte, bool) {
	p := c.path(key)
	b, err := os.ReadFile(p)
	if err != nil || len(b) < sha256.Size {
		return nil, false
	}
	sum, out := b[:sha256.Size], b[sha256.Size:]
	if s := sha256.Sum256(out); !bytes.Equal(s[:], sum) {
		return nil, false
	}
	if fi, err := os.Stat(p); err == nil && time.Since(fi.ModTime()) > time.Hour {
		now := time.Now()
		_ = os.Chtimes(p, now, now)
	}
	return out, true
}

func (c *formatCache) put(key string, out []byte) {
	sub := filepath.Join(c.dir, key[:2])
	if err := os.MkdirAll(sub, 0o700); err != nil {
		return
	}
	f, err := os.CreateTemp(sub, ".tmp-")
	if err != nil {
		return
	}
	sum := sha256.Sum256(out)
	_, werr := f.Write(append(sum[:], out...))
	if cerr := f.Close(); werr != nil || cerr != nil {
		_ = os.Remove(f.Name())
		return
	}
	if err := os.Rename(f.Name(), c.path(key)); err != nil {
		_ = os.Remove(f.Name())
	}
}

// trim removes, at most once a day (the modification time of the file
// trimmed), the entries not used for trimAge and temporary files older
// than a day: only names the cache writes, in the two-digit folders.
func (c *formatCache) trim(now time.Time) {
	marker := filepath.Join(c.dir, "trimmed")
	if fi, err := os.Stat(marker); err == nil && now.Sub(fi.ModTime()) < 24*time.Hour {
		return
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return
	}
	if err := os.WriteFile(marker, nil, 0o600); err != nil {
		return
	}
	subs, _ := os.ReadDir(c.dir)
	for _, s := range subs {
		if !s.IsDir() || !isHex(s.Name(), 2) {
			continue
		}
		entries, _ := os.ReadDir(filepath.Join(c.dir, s.Name()))
		for _, e := range entries {
			name := e.Name()
			age := trimAge
			switch {
			case isHex(name, 64) && strings.HasPrefix(name, s.Name()):
			case strings.HasPrefix(name, ".tmp-"):
				age = 24 * time.Hour
			default:
				continue
			}
			if fi, err := e.Info(); err == nil && fi.Mode().Type() == 0 && now.Sub(fi.ModTime()) > age {
				_ = os.Remove(filepath.Join(c.dir, s.Name(), name))
			}
		}
	}
}

// isHex reports whether s is n lowercase hex digits.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return true
}
