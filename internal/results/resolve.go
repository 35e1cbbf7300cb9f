package results

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/resultgen/resultgen/runtime/storage"
)

// ErrAmbiguousKey is wrapped by ResolveKey's error when an abbreviated key
// matches several keys; the message lists them.
var ErrAmbiguousKey = errors.New("ambiguous key")

// maxListed is how many candidates an ambiguity error lists.
const maxListed = 10

// ResolveKey returns the key that arg names in st, as git resolves an
// abbreviated commit: arg itself when an object is there; else the one key
// that starts with arg, or, for "START...END" (how resultgen shortens long
// keys in its output), the one key that starts with START and ends with
// END. No match gives an error wrapping storage.ErrNotFound; several an
// error wrapping ErrAmbiguousKey that lists them. A store's own files
// (.locks, .index, temporary files) never match.
func ResolveKey(ctx context.Context, st storage.Storage, arg string) (string, error) {
	if err := storage.ValidateKey(arg); err == nil {
		if _, err := st.Stat(ctx, arg); err == nil {
			return arg, nil
		} else if !errors.Is(err, storage.ErrNotFound) {
			return "", err
		}
	}
	start, end, elided := strings.Cut(arg, "...")
	if !elided {
		start = arg
	}
	if start == "" {
		return "", fmt.Errorf("key %q: %w", arg, storage.ErrNotFound)
	}
	if err := storage.ValidatePrefix(start); err != nil {
		return "", err
	}
	var found []string
	for info, err := range st.List(ctx, start) {
		if err != nil {
			return "", err
		}
		if storage.ValidateKey(info.Key) != nil || !strings.HasSuffix(info.Key, end) || len(info.Key) < len(start)+len(end) {
			continue
		}
		found = append(found, info.Key)
		if len(found) > maxListed {
			break
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("no key is or starts with %q in %s: %w", arg, st, storage.ErrNotFound)
	case 1:
		return found[0], nil
	}
	n := fmt.Sprintf("%d keys", len(found))
	if len(found) > maxListed {
		found, n = found[:maxListed], fmt.Sprintf("more than %d keys", maxListed)
	}
	return "", fmt.Errorf("%w: %q matches %s in %s; give more of the key:\n  %s", ErrAmbiguousKey, arg, n, st, strings.Join(found, "\n  "))
}
