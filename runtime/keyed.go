package runtime

import (
	"encoding/hex"

	"github.com/resultgen/resultgen/internal/record"
)

// With encryption on (plan.encrypt), nothing stored next to a sealed
// record may be an oracle for its inputs: a plain hash of a low-entropy
// parameter (a bool, a user id) is guessed by hashing the candidates. So
// the inputs part of a cache-policy key, and each parameter's hash in the
// key manifest, are keyed hashes (HMAC-SHA-256 under a key derived from
// the keyring's current key, record.Keyring.MAC) of the plain digests.
// The storage key, made from the keyed inputs, is no oracle either. The
// manifest says so (Manifest.Keyed). Rotating the current key changes
// these hashes: the cache keys of encrypted tasks keyed by their inputs
// change with it (their next runs miss and write new records).

// keyInputs replaces the inputs' hex digest hx (of the plain digest in
// kh.sum) with the hex of its keyed hash.
func keyInputs(hx *[64]byte, kh *keyHasher, kr *record.Keyring) {
	hexSum(hx, kr.MAC(kh.sum[:]))
}

// keyedParams is withParams with each included parameter's hash keyed:
// the first 16 hex digits of the HMAC of its plain digest.
func keyedParams(man record.Manifest, kh *keyHasher, kr *record.Keyring) record.Manifest {
	if kh == nil || man.Inputs == "" {
		return man
	}
	ps := make([]record.ParamSum, len(kh.in.params))
	for i, p := range kh.in.params {
		ps[i].Name = p.name
		if p.h == nil {
			ps[i].Excluded = true
			continue
		}
		ps[i].Hash = hex.EncodeToString(kr.MAC(p.h.Sum(nil))[:8])
	}
	man.Params = ps
	return man
}
