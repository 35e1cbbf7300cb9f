package findings

import (
	"github.com/resultgen/resultgen/review/report"
)

// checkSecretUnencrypted finds a persisted task (standalone or as some
// flow calls it) that is not encrypted at rest and has a parameter whose
// name looks secret (check secret-unencrypted, a warning at the parameter;
// see secretLooking): its result, made from the secret, and the key
// manifest's hash of the parameter sit in storage in the clear. A
// parameter that the storage key itself uses is secret-in-key's finding
// instead.
func (e *engine) checkSecretUnencrypted(f *fn, rows []report.Row) {
	if !f.isTask() {
		return
	}
	clear := false
	for _, r := range rows {
		clear = clear || r.Persisted && !r.Encrypted
	}
	if !clear {
		return
	}
	inKey := map[string]bool{}
	if d := f.d; d.StorageKey != nil {
		for _, part := range d.StorageKey.Parts {
			if part.Ref != nil && part.Ref.Root == "parameters" {
				inKey[part.Ref.Name] = true
			}
		}
	}
	for _, p := range f.params {
		if !secretLooking(p.Name()) || inKey[p.Name()] {
			continue
		}
		e.report(f.u, p.Pos(), report.Warning, report.CheckSecretUnencrypted, f,
			"add encrypt=true (keys: RESULTGEN_KEYRING), or persist=false",
			"%s is persisted unencrypted and parameter %q looks secret: its result and the parameter's hash are stored in the clear", f.label(), p.Name())
	}
}
