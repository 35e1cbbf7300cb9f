// Package fmtcache keeps go/format's output on disk, keyed by the SHA-256
// of the unformatted source, as the go command's build cache keeps compiled
// packages. The resultgen command passes a Cache's Source to the generator
// (generator.Config.Format), so regenerating a package after an edit
// formats only the pieces of result_gen.go whose functions changed: go/format
// was 46-52% of the generator's CPU on 1,000 tasks (P6 of make bench).
//
// The generator library itself never writes: it formats with go/format
// unless its caller hands it a formatter, and the output is byte-identical
// either way (an entry is format.Source's own output, stored with its
// SHA-256 and dropped when that does not match).
package fmtcache

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

// Env names the folder of the format cache; "off" turns the cache off.
// Unset or empty, it is resultgen/format under the user's cache folder
// (os.UserCacheDir: $XDG_CACHE_HOME or ~/.cache on Linux).
const Env = "RESULTGEN_FORMAT_CACHE"

// Cache is a format cache in a folder. Entries are files dir/XX/HEX (XX
// the first two hex digits of the key, which also covers the Go version
// whose go/format made the output), written to a temporary file and
// renamed. Using an entry refreshes its modification time at most once an
// hour; at most once a day, Open removes the entries unused for trimAge.
// Nothing else under dir is touched. Every failure of the cache is a miss:
// formatting never depends on it. A nil *Cache formats without one.
type Cache struct {
	dir string
}

// trimAge is how long an unused entry is kept.
const trimAge = 5 * 24 * time.Hour

// Dir is the cache's folder named by Env, looked up with lookup (os.LookupEnv
// in the command): "" when the cache is off or no user cache folder exists.
func Dir(lookup func(string) (string, bool)) string {
	dir, _ := lookup(Env)
	switch dir {
	case "off":
		return ""
	case "":
		c, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		return filepath.Join(c, "resultgen", "format")
	}
	return dir
}

// Open opens the cache in dir, trimming it at most once a day; dir "" is
// no cache (nil).
func Open(dir string) *Cache {
	if dir == "" {
		return nil
	}
	c := &Cache{dir: dir}
	c.trim(time.Now())
	return c
}

// Source is format.Source(src), from the cache when it holds it.
func (c *Cache) Source(src []byte) ([]byte, error) {
	if c == nil {
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

func (c *Cache) key(src []byte) string {
	h := sha256.New()
	h.Write([]byte("resultgen format cache 1\x00" + goruntime.Version() + "\x00"))
	h.Write(src)
	return hex.EncodeToString(h.Sum(nil))
}

func (c *Cache) path(key string) string { return filepath.Join(c.dir, key[:2], key) }

func (c *Cache) get(key string) ([]byte, bool) {
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

func (c *Cache) put(key string, out []byte) {
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
func (c *Cache) trim(now time.Time) {
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
