package runtime

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/resultgen/resultgen/internal/rules"
	"github.com/resultgen/resultgen/runtime/serializer"
	"github.com/resultgen/resultgen/runtime/settings"
	"github.com/resultgen/resultgen/runtime/storage"
	"github.com/resultgen/resultgen/runtime/storage/s3"
)

// ErrUnknownStorage is wrapped by the error of a storage spec naming a block
// slug that is neither registered nor configured.
var ErrUnknownStorage = errors.New("unknown storage block")

// WithStore makes every storage spec the engine's runs name ("local",
// "local:PATH", "memory", "s3://...", a block) open st instead, so that a
// test keeps every record of the code under it in one store of its own,
// whatever the directives say (package resulttest uses it). Stores passed
// in code (StorageBackend) are still used as given. The engine does not
// close st.
func WithStore(st storage.Storage) EngineOption {
	return func(e *Engine) { e.store = st }
}

// openStorage resolves a storage spec to a store, opening each store once
// per engine (every spec opens the WithStore store, when one is given):
//
//   - "" : settings.DefaultStorage, else "local"
//   - "local": settings.LocalStoragePath
//   - "local:PATH": PATH, relative to the working directory
//   - "memory": one in-memory store per engine
//   - "s3://BUCKET/PREFIX": an S3 store
//   - "TYPE/NAME": a block registered in code, else one in settings.Blocks
//     ("local/*" blocks are folders, "s3/*" blocks are S3 stores)
func (e *Engine) openStorage(spec string) (storage.Storage, error) {
	if e.store != nil {
		return e.store, nil
	}
	if spec == "" {
		spec = e.settings.DefaultStorage
	}
	if spec == "" {
		spec = "local"
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if st, ok := e.stores[spec]; ok {
		return st, nil
	}
	st, err := e.openStorageLocked(spec)
	if err != nil {
		return nil, err
	}
	e.stores[spec] = st
	return st, nil
}

func (e *Engine) openStorageLocked(raw string) (storage.Storage, error) {
	sp, err := rules.ParseStorage(raw)
	if err != nil {
		return nil, err
	}
	switch sp.Kind {
	case rules.StorageLocal:
		if sp.Path != "" {
			return e.openLocalLocked(raw, sp.Path)
		}
		if e.settings.LocalStoragePath == "" {
			return nil, fmt.Errorf("storage %q: %s is not set", raw, settings.LocalStoragePath)
		}
		return e.openLocalLocked(raw, e.settings.LocalStoragePath)
	case rules.StorageMemory:
		if e.memory == nil {
			e.memory = storage.NewMemory()
		}
		return e.memory, nil
	case rules.StorageS3:
		return e.openS3(settings.Block{URL: raw})
	case rules.StorageBlock:
		if st, ok := e.blocks[raw]; ok {
			return st, nil
		}
		b, ok := e.settings.Blocks[raw]
		if !ok {
			return nil, fmt.Errorf("storage %q: %w (known: %s)", raw, ErrUnknownStorage, e.knownSlugsLocked())
		}
		switch sp.BlockType {
		case settings.BlockLocal:
			return e.openLocalLocked(raw, b.URL)
		case settings.BlockS3:
			return e.openS3(b)
		}
		return nil, fmt.Errorf("storage %q: unsupported block type %q (want local or s3)", raw, sp.BlockType)
	}
	return nil, fmt.Errorf("storage %q: %s", storage.Redact(raw), rules.StorageWant)
}

// openLocalLocked opens a local store, sharing one store per absolute folder
// so in-process locks see every spec that names the same folder.
func (e *Engine) openLocalLocked(spec, path string) (storage.Storage, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("storage %q: %w", storage.Redact(spec), err)
	}
	id := "local:" + abs
	if st, ok := e.stores[id]; ok {
		return st, nil
	}
	st, err := storage.NewLocal(abs)
	if err != nil {
		return nil, fmt.Errorf("storage %q: %w", storage.Redact(spec), err)
	}
	e.stores[id] = st
	e.opened = append(e.opened, st)
	return st, nil
}

func (e *Engine) knownSlugsLocked() string {
	known := slices.Sorted(maps.Keys(e.blocks))
	for slug := range e.settings.Blocks {
		if !slices.Contains(known, slug) {
			known = append(known, slug)
		}
	}
	slices.Sort(known)
	if len(known) == 0 {
		return "none registered or configured"
	}
	return strings.Join(known, ", ")
}

// s3OpenTimeout bounds opening an S3 store, which checks that the bucket
// exists.
const s3OpenTimeout = 30 * time.Second

// openS3 is the one place S3 stores are opened: the standard AWS
// environment (endpoint, region, credentials chain) first, then what the
// block sets. Credentials never come from a block or a spec.
func (e *Engine) openS3(b settings.Block) (storage.Storage, error) {
	cfg, err := s3.ConfigFromEnv(b.URL, os.LookupEnv)
	if err != nil {
		return nil, fmt.Errorf("storage %q: %w", storage.Redact(b.URL), err)
	}
	// The block's endpoint, else the environment's, read by the one
	// endpoint parser with the block's insecure setting: http:// is plain
	// HTTP, https:// TLS, and a bare HOST:PORT follows insecure.
	raw, from := b.Endpoint, "endpoint"
	if raw == "" {
		raw, from = s3.EnvEndpoint(os.LookupEnv)
	}
	if raw != "" {
		cfg.Endpoint, cfg.Insecure, err = s3.ResolveEndpoint(raw, b.Insecure)
		if err != nil {
			return nil, fmt.Errorf("storage %q: %s: %w", storage.Redact(b.URL), from, err)
		}
	}
	if b.Region != "" {
		cfg.Region = b.Region
	}
	if cfg.SSE, err = s3.ParseSSE(b.SSE, os.LookupEnv); err != nil {
		return nil, fmt.Errorf("storage %q: %ssse: %w", storage.Redact(b.URL), blockOf(b.Slug), err)
	}
	cfg.Block = b.Slug
	cfg.Logger = e.logger
	ctx, cancel := context.WithTimeout(context.Background(), s3OpenTimeout)
	defer cancel()
	st, err := s3.Open(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("storage %q: %w", storage.Redact(b.URL), err)
	}
	return st, nil
}

// newSerializer builds a serializer from its name and compression.
func newSerializer(name, compression string) (serializer.Serializer, error) {
	spec, err := serializer.Parse(name, compression)
	if err != nil {
		return nil, err
	}
	return serializer.New(spec)
}

// blockOf is "block SLUG: " naming a block in an error, or "" (a store
// not opened for a block).
func blockOf(slug string) string {
	if slug == "" {
		return ""
	}
	return "block " + slug + ": "
}
