package settings

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	toml "github.com/pelletier/go-toml/v2"
)

// ProfileName is the file name of the profile inside the resultgen home.
const ProfileName = "config.toml"

// ProfilePath returns the path of the profile file in home.
func ProfilePath(home string) string { return filepath.Join(home, ProfileName) }

// Profile is the profile file, read into memory for the CLI to change and
// save. Values are kept as written (paths are not expanded); Load resolves
// them. A Profile is not safe for concurrent use.
type Profile struct {
	path   string
	values map[string]string // setting -> value in normal form
	blocks map[string]Block  // slug -> block as written
}

// OpenProfile reads the profile file in home. A missing file gives an empty
// profile; a file that is not valid TOML, or that holds an unknown setting,
// a bad value or a bad block, gives an *Error naming the file.
func OpenProfile(home string) (*Profile, error) {
	p := &Profile{path: ProfilePath(home), values: map[string]string{}, blocks: map[string]Block{}}
	data, err := os.ReadFile(p.path)
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return nil, &Error{Source: p.path, Err: fmt.Errorf("%w: %w", ErrBadProfile, err),
			Fix: "make the file readable, or point RESULTGEN_HOME at another folder"}
	}
	if err := p.parse(data); err != nil {
		return nil, err
	}
	return p, nil
}

// ParseProfile reads a profile from data, as if it were the file at path
// (used in messages and to resolve relative paths).
func ParseProfile(path string, data []byte) (*Profile, error) {
	p := &Profile{path: path, values: map[string]string{}, blocks: map[string]Block{}}
	if err := p.parse(data); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Profile) parse(data []byte) error {
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		src := p.path
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			src = fmt.Sprintf("%s:%d:%d", p.path, row, col)
		}
		return &Error{Source: src, Err: fmt.Errorf("%w: %w", ErrBadProfile, err), Fix: "fix the TOML syntax"}
	}
	for _, key := range slices.Sorted(maps.Keys(doc)) {
		v := doc[key]
		if key == "blocks" {
			if err := p.parseBlocks(v); err != nil {
				return err
			}
			continue
		}
		s, ok := lookupSpec(key)
		if !ok {
			e := unknownSetting(key)
			e.Source = p.path
			if _, isTable := v.(map[string]any); isTable {
				e.Fix = "the only table is [blocks.\"TYPE/NAME\"]; " + e.Fix
			}
			return e
		}
		var raw string
		switch v := v.(type) {
		case string:
			raw = v
		case bool:
			if s.kind != kindBool {
				return &Error{Name: key, Source: p.path, Value: strconv.FormatBool(v), HasValue: true,
					Err: invalid(ErrInvalidValue, "must be a string"), Fix: "quote the value"}
			}
			raw = strconv.FormatBool(v)
		case float64, int64:
			if s.kind != kindFraction {
				return notStringOrBool(key, p.path, s.kind, v)
			}
			raw = fmt.Sprint(v)
		default:
			return notStringOrBool(key, p.path, s.kind, v)
		}
		norm, err := checkValue(s, raw)
		if err != nil {
			return withSource(err, p.path)
		}
		p.values[key] = norm
	}
	return nil
}

func (p *Profile) parseBlocks(v any) error {
	tbl, ok := v.(map[string]any)
	if !ok {
		return &Error{Name: "blocks", Source: p.path, Err: invalid(ErrInvalidValue, "must be a table"),
			Fix: `write each block as a table [blocks."TYPE/NAME"]`}
	}
	for _, slug := range slices.Sorted(maps.Keys(tbl)) {
		if _, _, err := splitSlug(slug); err != nil {
			e := &Error{Name: `blocks."` + slug + `"`, Source: p.path, Err: err, Fix: slugFix}
			if !strings.Contains(slug, "/") {
				e.Fix = `quote the slug in the table header: [blocks."TYPE/NAME"], such as [blocks."s3/prod"]`
			}
			return e
		}
		fields, ok := tbl[slug].(map[string]any)
		if !ok {
			return &Error{Name: `blocks."` + slug + `"`, Source: p.path, Err: invalid(ErrInvalidValue, "must be a table"),
				Fix: `write [blocks."` + slug + `"] followed by its fields`}
		}
		b, err := blockFromTable(slug, fields)
		if err != nil {
			return withSource(err, p.path)
		}
		if err := b.Validate(); err != nil {
			return withSource(err, p.path)
		}
		p.blocks[slug] = b
	}
	return nil
}

// credentialKey reports whether a field or flag name looks like it carries a
// secret.
func credentialKey(k string) bool {
	k = strings.ToLower(k)
	for _, w := range []string{"secret", "password", "token", "credential", "access", "passwd"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// CredentialsFix explains where S3 credentials come from.
const CredentialsFix = "S3 credentials come from the standard AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and files (~/.aws/credentials, AWS_PROFILE), never from resultgen's settings"

func blockFromTable(slug string, fields map[string]any) (Block, error) {
	typ, _, _ := ParseSlug(slug)
	b := Block{Slug: slug}
	known := []string{"url", "endpoint", "region", "insecure", "sse"}
	if typ == BlockLocal {
		known = []string{"path"}
	}
	for _, f := range slices.Sorted(maps.Keys(fields)) {
		name := `blocks."` + slug + `".` + f
		if !slices.Contains(known, f) {
			if credentialKey(f) {
				return b, &Error{Name: name, Err: invalid(ErrInvalidValue, "credentials are not kept in the profile"), Fix: CredentialsFix}
			}
			return b, &Error{Name: name, Err: invalid(ErrInvalidValue, "not a field of %s blocks", typ),
				Fix: "the fields are " + strings.Join(known, ", ")}
		}
		v := fields[f]
		if f == "insecure" {
			switch v := v.(type) {
			case bool:
				b.Insecure = v
			case string:
				x, err := ParseBool(v)
				if err != nil {
					return b, &Error{Name: name, Value: v, HasValue: true, Err: err, Fix: boolFix}
				}
				b.Insecure = x
			default:
				return b, &Error{Name: name, Value: fmt.Sprint(v), HasValue: true, Err: invalid(ErrInvalidValue, "%s, not a boolean", tomlType(v)), Fix: boolFix}
			}
			continue
		}
		s, ok := v.(string)
		if !ok {
			return b, &Error{Name: name, Value: fmt.Sprint(v), HasValue: true, Err: invalid(ErrInvalidValue, "%s, not a string", tomlType(v)), Fix: "write a quoted string"}
		}
		switch f {
		case "url", "path":
			b.URL = s
		case "endpoint":
			b.Endpoint = s
		case "region":
			b.Region = s
		case "sse":
			b.SSE = s
		}
	}
	if b.URL == "" {
		f := "url"
		fix := "add url = \"s3://BUCKET/PREFIX\""
		if typ == BlockLocal {
			f, fix = "path", "add path = \"/some/folder\""
		}
		return b, &Error{Name: `blocks."` + slug + `".` + f, Err: invalid(ErrInvalidValue, "missing"), Fix: fix}
	}
	if _, set := fields["insecure"]; set && typ == BlockS3 {
		if err := b.CheckEndpoint(true); err != nil {
			return b, err
		}
	}
	return b, nil
}

// notStringOrBool is the error for a setting of the profile file given as
// a TOML value of another type than its kind takes.
func notStringOrBool(key, path string, k kind, v any) *Error {
	what, fix := "%s, not a string or boolean", "write a quoted string"
	switch k {
	case kindBool:
		fix = "write true or false"
	case kindFraction:
		what, fix = "%s, not a number or string", fractionFix
	}
	return &Error{Name: key, Source: path, Value: fmt.Sprint(v), HasValue: true,
		Err: invalid(ErrInvalidValue, what, tomlType(v)), Fix: fix}
}

// tomlType names the TOML type of a decoded value, with its article: "a
// number", "an array".
func tomlType(v any) string {
	switch v.(type) {
	case int64, float64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	}
	return "a date or time"
}

// withFix adds to the fix of an *Error.
func withFix(err error, more string) error {
	var e *Error
	if errors.As(err, &e) {
		c := *e
		if c.Fix == "" {
			c.Fix = more
		} else {
			c.Fix += ", " + more
		}
		return &c
	}
	return err
}

// Path returns the profile file's path.
func (p *Profile) Path() string { return p.path }

// Get returns the value of a setting as written in the profile.
func (p *Profile) Get(key string) (string, bool) {
	v, ok := p.values[key]
	return v, ok
}

// Set validates value for the setting key and sets it. Booleans are stored
// as TOML booleans. A relative RESULTGEN_LOCAL_STORAGE_PATH is made absolute
// against the working directory, since the file has none of its own; a
// leading ~ is kept and expanded when the settings are loaded.
func (p *Profile) Set(key, value string) error {
	s, ok := lookupSpec(key)
	if !ok {
		return unknownSetting(key)
	}
	norm, err := checkValue(s, value)
	if err != nil {
		return err
	}
	if s.kind == kindPath {
		if norm, err = absNoTilde(norm); err != nil {
			return &Error{Name: key, Value: value, HasValue: true, Err: err}
		}
	}
	p.values[key] = norm
	return nil
}

// absNoTilde makes p absolute against the working directory unless it is
// absolute already or starts with ~.
func absNoTilde(p string) (string, error) {
	if p == "~" || strings.HasPrefix(p, "~/") || filepath.IsAbs(p) {
		return p, nil
	}
	return filepath.Abs(p)
}

// Unset removes the setting key from the profile; removing a setting that is
// not set is not an error. Unknown keys are.
func (p *Profile) Unset(key string) error {
	if _, ok := lookupSpec(key); !ok {
		return unknownSetting(key)
	}
	delete(p.values, key)
	return nil
}

// Block returns the block with the slug, as written in the profile.
func (p *Profile) Block(slug string) (Block, bool) {
	b, ok := p.blocks[slug]
	return b, ok
}

// Blocks returns the profile's blocks sorted by slug, as written.
func (p *Profile) Blocks() []Block {
	out := make([]Block, 0, len(p.blocks))
	for _, slug := range slices.Sorted(maps.Keys(p.blocks)) {
		out = append(out, p.blocks[slug])
	}
	return out
}

// SetBlock validates b and adds it, replacing a block with the same slug. The
// path of a local block is made absolute against the working directory
// unless it starts with ~.
func (p *Profile) SetBlock(b Block) error {
	if err := b.Validate(); err != nil {
		return err
	}
	if b.Type() == BlockLocal {
		abs, err := absNoTilde(b.URL)
		if err != nil {
			return &Error{Name: `blocks."` + b.Slug + `".path`, Value: b.URL, HasValue: true, Err: err}
		}
		b.URL = abs
	}
	p.blocks[b.Slug] = b
	return nil
}

// RemoveBlock removes the block with the slug. An unknown slug is an error
// wrapping ErrUnknownBlock that names the known ones.
func (p *Profile) RemoveBlock(slug string) error {
	if _, _, err := ParseSlug(slug); err != nil {
		return err
	}
	if _, ok := p.blocks[slug]; !ok {
		return unknownBlock(slug, slices.Collect(maps.Keys(p.blocks)))
	}
	delete(p.blocks, slug)
	return nil
}

const profileHeader = `# resultgen profile: settings and named storage blocks.
# Change it with "resultgen config set|unset" and "resultgen block create|rm",
# or by hand. The environment beats this file. S3 credentials never go here:
# they come from the standard AWS variables and files.
`

// fileBlock is a block as written in the file.
type fileBlock struct {
	URL      string `toml:"url,omitempty"`
	Path     string `toml:"path,omitempty"`
	Endpoint string `toml:"endpoint,omitempty"`
	Region   string `toml:"region,omitempty"`
	Insecure bool   `toml:"insecure,omitempty"`
	SSE      string `toml:"sse,omitempty"`
}

// Encode returns the profile as TOML: a header comment, the settings, then
// one [blocks."TYPE/NAME"] table per block, all sorted.
func (p *Profile) Encode() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(profileHeader)
	if len(p.values) > 0 {
		top := map[string]any{}
		for k, v := range p.values {
			switch s, _ := lookupSpec(k); s.kind {
			case kindBool:
				top[k] = v == "true"
			case kindFraction:
				top[k], _ = strconv.ParseFloat(v, 64) // checked by Set and parse
			default:
				top[k] = v
			}
		}
		out, err := toml.Marshal(top)
		if err != nil {
			return nil, fmt.Errorf("settings: encode profile: %w", err)
		}
		buf.WriteByte('\n')
		buf.Write(out)
	}
	for _, b := range p.Blocks() {
		fb := fileBlock{Endpoint: b.Endpoint, Region: b.Region, Insecure: b.Insecure, SSE: b.SSE}
		if b.Type() == BlockLocal {
			fb.Path = b.URL
		} else {
			fb.URL = b.URL
		}
		out, err := toml.Marshal(fb)
		if err != nil {
			return nil, fmt.Errorf("settings: encode block %s: %w", b.Slug, err)
		}
		// Slugs hold only [a-z0-9._/-], so quoting them needs no escapes.
		fmt.Fprintf(&buf, "\n[blocks.%q]\n", b.Slug)
		buf.Write(out)
	}
	return buf.Bytes(), nil
}

// Save writes the profile atomically: a temporary file in the same folder,
// fsynced and renamed over config.toml, mode 0600. The folder is made with
// mode 0700 when missing. Comments in the old file are not kept.
func (p *Profile) Save() error {
	data, err := p.Encode()
	if err != nil {
		return err
	}
	dir := filepath.Dir(p.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("settings: save profile: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".config.toml.*.tmp")
	if err != nil {
		return fmt.Errorf("settings: save profile: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("settings: save profile: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("settings: save profile: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("settings: save profile: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("settings: save profile: %w", err)
	}
	if err := os.Rename(tmp.Name(), p.path); err != nil {
		return fmt.Errorf("settings: save profile: %w", err)
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // best effort: make the rename durable
		d.Close()
	}
	return nil
}
