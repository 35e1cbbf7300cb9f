// Package secretinkey has storage keys with secret-looking parameters
// (check secret-in-key).
package secretinkey

// want +2 `task Fetch: storage_key uses \{parameters\[apiKey\]\}: "apiKey" looks secret, and keys are stored in plain text in object names`
//
//result:task storage_key=users/{parameters[user]}/{parameters[apiKey]}
func Fetch(user, apiKey string) string { return "" }

// want +2 `task Connect: storage_key uses \{parameters\[cfg\].DBPassword\}: "DBPassword" looks secret`
//
//result:task storage_key=db/{parameters[cfg].Host}/{parameters[cfg].DBPassword}
func Connect(cfg Config) string { return "" }

type Config struct{ Host, DBPassword string }

// Not findings: words that only contain a secret word.
//
//result:task storage_key=kb/{parameters[keyboard]}/{parameters[monkey]}
func Typing(keyboard, monkey string) string { return "" }
