package settings

import (
	"errors"
	"fmt"
	"os"

	"github.com/resultgen/resultgen/internal/keyring"
)

// loadKeyring returns the keyring of RESULTGEN_KEYRING, else of the file
// (RESULTGEN_KEYRING_FILE, already absolute), else nil. Its errors name the
// setting and never quote a key.
func loadKeyring(lookup func(string) (string, bool), file string) (*keyring.Keyring, error) {
	if v, ok := lookup(Keyring); ok && v != "" {
		kr, err := keyring.Parse(v)
		if err != nil {
			return nil, &Error{Name: Keyring, Source: string(FromEnv), Err: fmt.Errorf("%w: %w", ErrInvalidValue, err), Fix: "spell it id:base64key[,id2:base64key] with 32-byte keys (`openssl rand -base64 32`)"}
		}
		return kr, nil
	}
	if file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			err = fmt.Errorf("%w: no keyring file %s", ErrInvalidValue, file)
		}
		return nil, &Error{Name: KeyringFile, Source: string(FromEnv), Value: file, HasValue: true, Err: err, Fix: "point it at a readable file, or unset it"}
	}
	kr, err := keyring.Parse(string(b))
	if err != nil {
		return nil, &Error{Name: KeyringFile, Source: file, Err: fmt.Errorf("%w: %w", ErrInvalidValue, err), Fix: "one id:base64key a line, '*' before the current key's id"}
	}
	return kr, nil
}
