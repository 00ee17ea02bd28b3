package config

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Getenv looks up an environment variable; os.Getenv in production, a map in tests.
type Getenv func(string) string

// Load reads the file at path (optional: "" means defaults and environment
// only), applies the environment, reads secret files and validates. The
// returned error lists every problem found, each saying what to change.
func Load(path string, getenv Getenv) (Config, error) {
	cfg := Default()
	var errs []error
	if path != "" {
		problems, err := loadFile(path, &cfg)
		if err != nil {
			return cfg, err
		}
		errs = problems
	}
	errs = append(errs, applyEnv(&cfg, getenv)...)
	for i, d := range cfg.Hosted.MailDomains { // domains are case-insensitive
		cfg.Hosted.MailDomains[i] = strings.ToLower(strings.TrimSpace(d))
	}
	secretErrs := resolveSecrets(&cfg)
	errs = append(errs, secretErrs...)
	if len(secretErrs) == 0 { // an unreadable secret would be reported twice
		errs = append(errs, cfg.validate()...)
	}
	if len(errs) > 0 {
		return cfg, &ValidationError{Problems: errs}
	}
	return cfg, nil
}

// loadFile decodes the YAML file at path into cfg. Keys it does not know
// and values of the wrong type are problems (returned, each as a sentence
// saying what to change, so that the other checks still run); a file that
// is not YAML at all is an error. An empty file is the defaults.
func loadFile(path string, cfg *Config) ([]error, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err = dec.Decode(cfg)
	var te *yaml.TypeError
	switch {
	case err == nil, errors.Is(err, io.EOF):
		return nil, nil
	case errors.As(err, &te):
		problems := make([]error, len(te.Errors))
		for i, e := range te.Errors {
			problems[i] = fmt.Errorf("%s: %s", path, yamlProblem(e))
		}
		return problems, nil
	}
	return nil, &ValidationError{Problems: []error{fmt.Errorf("%s is not valid YAML: %w (indent with spaces, not tabs; see the example in README.md)", path, err)}}
}

// yamlFieldNotFound and yamlCannotUnmarshal match the messages of
// yaml.TypeError (go.yaml.in/yaml/v3).
var (
	yamlFieldNotFound   = regexp.MustCompile(`^(line \d+): field (\S+) not found in type config\.(\w+)$`)
	yamlCannotUnmarshal = regexp.MustCompile(`^(line \d+): cannot unmarshal !!\w+ ` + "`(.*)`" + ` into (\S+)$`)
)

// yamlProblem turns one yaml.TypeError message into what to change.
func yamlProblem(msg string) string {
	if m := yamlFieldNotFound.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s: unknown key %q in %s (check its spelling; 'mailwiki config dump' prints every key)", m[1], m[2], sectionName(m[3]))
	}
	if m := yamlCannotUnmarshal.FindStringSubmatch(msg); m != nil {
		switch m[3] {
		case "int", "int64":
			return fmt.Sprintf("%s: %q is not a whole number (sizes are in bytes, e.g. 1073741824 for 1 GiB)", m[1], m[2])
		case "time.Duration":
			return fmt.Sprintf("%s: %q is not a duration; write it as 30s, 5m or 48h", m[1], m[2])
		case "bool":
			return fmt.Sprintf("%s: %q is not true or false", m[1], m[2])
		}
		return fmt.Sprintf("%s: %q is not a valid value here (a %s is expected)", m[1], m[2], m[3])
	}
	return msg
}

// sectionName names a configuration type as the YAML file shows it.
func sectionName(typ string) string {
	switch typ {
	case "Config":
		return "the top level"
	case "Tenant":
		return "a tenant"
	case "Address":
		return "a tenant's address"
	}
	return "section " + strings.ToLower(typ)
}

// ValidationError lists every configuration problem found.
type ValidationError struct{ Problems []error }

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "configuration has %d problem(s):", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p.Error())
	}
	return b.String()
}

// UnmarshalYAML accepts a plain string or a mapping {file: PATH}.
func (s *Secret) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		s.Value = n.Value
		return nil
	}
	var m struct {
		File string `yaml:"file"`
	}
	if err := n.Decode(&m); err != nil || m.File == "" {
		return fmt.Errorf("line %d: a secret is either a string or {file: /path/to/secret}", n.Line)
	}
	s.File = m.File
	return nil
}

// MarshalYAML never reveals the value.
func (s Secret) MarshalYAML() (any, error) {
	if s.File != "" {
		return map[string]string{"file": s.File}, nil
	}
	return s.String(), nil
}

func applyEnv(cfg *Config, getenv Getenv) []error {
	var errs []error
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	num := func(name string, dst *int) {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: want a whole number", name, v))
				return
			}
			*dst = n
		}
	}
	str("MAILWIKI_DATA_DIR", &cfg.DataDir)
	str("MAILWIKI_DATABASE_PATH", &cfg.Database.Path)
	str("MAILWIKI_SMTP_LISTEN", &cfg.SMTP.Listen)
	str("MAILWIKI_SMTP_DOMAIN", &cfg.SMTP.Domain)
	str("MAILWIKI_HTTP_LISTEN", &cfg.HTTP.Listen)
	str("MAILWIKI_LOG_LEVEL", &cfg.Log.Level)
	str("MAILWIKI_NOTIFY_RELAY", &cfg.Notify.Relay)
	num("MAILWIKI_QUEUE_WORKERS", &cfg.Queue.Workers)
	if v := getenv("MAILWIKI_SMTP_MAX_MESSAGE_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("MAILWIKI_SMTP_MAX_MESSAGE_BYTES=%q: want a number of bytes", v))
		}
		cfg.SMTP.MaxMessageBytes = n
	}
	envKey(getenv, "MAILWIKI_MASTER_KEY", &cfg.Spool.MasterKeys, &cfg.Spool.PrimaryKey)
	applyHostedEnv(cfg, getenv)
	for i := range cfg.Tenants {
		t := &cfg.Tenants[i]
		prefix := "MAILWIKI_TENANT_" + envName(t.ID) + "_"
		if s := envSecret(getenv, prefix+"API_TOKEN"); s != (Secret{}) {
			t.APIToken = s
		}
		if s := envSecret(getenv, prefix+"PERSONAL_ACCESS_TOKEN"); s != (Secret{}) {
			t.PersonalAccessToken = s
		}
	}
	return errs
}

// envSecret reads NAME, or the file named by NAME_FILE.
func envSecret(getenv Getenv, name string) Secret {
	if v := getenv(name); v != "" {
		return Secret{Value: v}
	}
	if f := getenv(name + "_FILE"); f != "" {
		return Secret{File: f}
	}
	return Secret{}
}

// envName turns a tenant id into the part of an environment variable name.
func envName(id string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		}
		return '_'
	}, id)
}

func resolveSecrets(cfg *Config) []error {
	var errs []error
	read := func(where string, s *Secret) {
		if s.File == "" {
			return
		}
		data, err := os.ReadFile(s.File)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: cannot read secret file %s: %w", where, s.File, errors.Unwrap(err)))
			return
		}
		s.Value = strings.TrimRight(string(data), "\r\n")
	}
	for id, k := range cfg.Spool.MasterKeys {
		read("spool.master_keys."+id, &k)
		cfg.Spool.MasterKeys[id] = k
	}
	for id, k := range cfg.Hosted.HashKeys {
		read("hosted.hash_keys."+id, &k)
		cfg.Hosted.HashKeys[id] = k
	}
	for i := range cfg.Tenants {
		t := &cfg.Tenants[i]
		read(fmt.Sprintf("tenants[%s].api_token", t.ID), &t.APIToken)
		read(fmt.Sprintf("tenants[%s].personal_access_token", t.ID), &t.PersonalAccessToken)
	}
	return errs
}

// MasterKeys decodes the spool's master keys (validated by Load).
func (c Config) MasterKeys() map[string][]byte { return decodeKeys(c.Spool.MasterKeys) }

// decodeKeys decodes base64 keys by id (validated by Load).
func decodeKeys(keys map[string]Secret) map[string][]byte {
	out := make(map[string][]byte, len(keys))
	for id, s := range keys {
		b, _ := base64.StdEncoding.DecodeString(s.Value)
		out[id] = b
	}
	return out
}

// envKey adds the key in NAME (or the file NAME_FILE) to keys under the id
// in NAME_ID (default "env") and makes it the primary key.
func envKey(getenv Getenv, name string, keys *map[string]Secret, primary *string) {
	key := envSecret(getenv, name)
	if key == (Secret{}) {
		return
	}
	id := getenv(name + "_ID")
	if id == "" {
		id = "env"
	}
	if *keys == nil {
		*keys = map[string]Secret{}
	}
	(*keys)[id] = key
	*primary = id
}

// Dump writes the effective configuration as YAML, secrets redacted.
func (c Config) Dump() ([]byte, error) {
	return yaml.Marshal(c)
}

// durationOK is used by validation: positive and not absurd.
func durationOK(d time.Duration) bool { return d > 0 && d <= 24*time.Hour }
