package results

import (
	"fmt"
	"time"

	"github.com/resultgen/resultgen/internal/record"
)

// FormatSerializer names how a record's value is kept: its serializer spec
// ("msgpack", "compressed/json+zstd") or "literal".
func FormatSerializer(m record.Meta) string {
	if m.Serializer == nil {
		return "literal"
	}
	return m.Serializer.String()
}

// FormatTime renders t in UTC to the second, RFC 3339: "2026-01-02T03:04:05Z".
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// FormatExpires renders a record's expiration: "never", "EXPIRED" when
// expired, else the time (FormatTime).
func FormatExpires(m record.Meta, expired bool) string {
	switch {
	case m.Expires.IsZero():
		return "never"
	case expired:
		return "EXPIRED"
	}
	return FormatTime(m.Expires)
}

// FormatSize renders a byte count for people: "512 B", "1.5 KiB", "3.0 GiB".
func FormatSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
