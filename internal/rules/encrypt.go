package rules

import "strconv"

// The settings of encryption at rest (internal/record's sealed records).
const (
	// EnvEncryptResults=true encrypts every persisted result unless its
	// task or flow says encrypt=false.
	EnvEncryptResults = "RESULTGEN_ENCRYPT_RESULTS"
	// EnvKeyring holds the keyring: "id:base64key[,id2:base64key...]",
	// the first key current unless one is marked "*id:...". Read from the
	// environment only, never printed.
	EnvKeyring = "RESULTGEN_KEYRING"
	// EnvKeyringFile names a file holding the keyring in the same
	// spelling (one entry a line; '#' starts a comment line).
	EnvKeyringFile = "RESULTGEN_KEYRING_FILE"
)

// Where a run's encryption comes from (Resolved.EncryptFrom); an inherited
// one is "flow NAME", as for storage.
const (
	EncryptFromOwn      = "own"      // the function's encrypt= (or runtime.Encrypt)
	EncryptFromSettings = "settings" // RESULTGEN_ENCRYPT_RESULTS
)

// resolveEncrypt decides whether a run's persisted results are sealed:
// its own encrypt=, else the calling flow's, else the setting.
func resolveEncrypt(own, passed *bool, passedFrom string, setting bool) (bool, string) {
	switch {
	case own != nil:
		return *own, EncryptFromOwn
	case passed != nil:
		return *passed, passedFrom
	}
	return setting, EncryptFromSettings
}

// EncryptWhy says why a run encrypts its results or not, for review and
// logs: "encrypt=true", "RESULTGEN_ENCRYPT_RESULTS=false", "flow etl".
func (r Resolved) EncryptWhy() string {
	switch r.EncryptFrom {
	case EncryptFromOwn:
		return "encrypt=" + strconv.FormatBool(r.Encrypt)
	case EncryptFromSettings, "":
		return EnvEncryptResults + "=" + strconv.FormatBool(r.Encrypt)
	}
	return r.EncryptFrom
}
