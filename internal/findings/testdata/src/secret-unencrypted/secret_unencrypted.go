// Package secretunencrypted has persisted tasks with secret-looking
// parameters (check secret-unencrypted).
package secretunencrypted

//result:task persist
func Charge(user string, apiToken string) int { return 0 } // want `task Charge is persisted unencrypted and parameter "apiToken" looks secret`

// Not findings: encrypted, not persisted, or no secret-looking name.
//
//result:task persist encrypt
func ChargeSealed(user string, apiToken string) int { return 0 }

//result:task
func Login(password string) bool { return false }

//result:task persist
func Typing(keyboard, monkey string) string { return "" }
