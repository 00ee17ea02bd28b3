package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki/internal/config"
)

const hostedYAML = `
data_dir: /tmp/mw
smtp:
  listen: 127.0.0.1:2525
  domain: mx.example.com
hosted:
  mail_domains: [wiki.example.com]
connect:
  enabled: true
  base_url: https://mailwiki.example.com
`

// TestLoadHostedMode: the hosted mode needs no declared tenant; its hash
// key comes from a file through the environment and never appears in the
// dump.
func TestLoadHostedMode(t *testing.T) {
	t.Parallel()
	hashKey := write(t, "hash", key+"\n")
	cfg, err := config.Load(write(t, "c.yaml", strings.Replace(hostedYAML, "[wiki.example.com]", "[Wiki.Example.COM]", 1)), env(map[string]string{
		"MAILWIKI_MASTER_KEY": key, "MAILWIKI_HASH_KEY_FILE": hashKey, "MAILWIKI_HASH_KEY_ID": "h1",
	}))
	if err != nil {
		t.Fatal(err)
	}
	c, h := cfg.Connect, cfg.Hosted
	if h.MailDomains[0] != "wiki.example.com" || h.PrimaryHashKey != "h1" || len(cfg.HashKeys()["h1"]) != 32 || c.AppKey != "mailwiki" ||
		c.KeyBaseURL != "https://connect-install-keys.atlassian.com" || h.ConfigCacheTTL.Seconds() != 10 {
		t.Fatalf("hosted configuration %+v", c)
	}
	dump, _ := cfg.Dump()
	if strings.Contains(string(dump), key) {
		t.Fatalf("dump reveals the hash key:\n%s", dump)
	}
}

// TestLoadHostedModeSaysWhatToChange: each mistake of the connect section
// is reported with the key and what to do.
func TestLoadHostedModeSaysWhatToChange(t *testing.T) {
	t.Parallel()
	yaml := strings.NewReplacer("https://mailwiki.example.com", "http://mailwiki.example.com", "[wiki.example.com]", "[wiki@example.com]",
		"hosted:\n", "hosted:\n  config_cache_ttl: 5m\n").Replace(hostedYAML)
	_, err := config.Load(write(t, "c.yaml", yaml), env(map[string]string{"MAILWIKI_MASTER_KEY": key}))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		`connect.base_url "http://mailwiki.example.com" uses plain HTTP`,
		`hosted.mail_domains: "wiki@example.com" is not a domain name`,
		"hosted.config_cache_ttl = 5m0s",
		"hosted.hash_keys is empty: set MAILWIKI_HASH_KEY",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "tenants is empty") {
		t.Errorf("the hosted mode needs no declared tenant:\n%v", err)
	}
}

// TestLoadForgeMode: the Forge mode needs its app id and the shared hosted
// settings; its defaults are Atlassian's; mistakes are named.
func TestLoadForgeMode(t *testing.T) {
	t.Parallel()
	yaml := strings.Replace(hostedYAML, "connect:\n  enabled: true\n  base_url: https://mailwiki.example.com\n",
		"forge:\n  enabled: true\n  app_id: ari:cloud:ecosystem::app/0b2d3c4e-1a2b-4c3d-8e9f-0a1b2c3d4e5f\n", 1)
	cfg, err := config.Load(write(t, "c.yaml", yaml), env(map[string]string{"MAILWIKI_MASTER_KEY": key, "MAILWIKI_HASH_KEY": key}))
	if err != nil {
		t.Fatal(err)
	}
	if f := cfg.Forge; f.JWKSURL != "https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json" || f.APIHosts[0] != "api.atlassian.com" || f.InactiveGrace != 720*time.Hour {
		t.Fatalf("forge defaults %+v", f)
	}
	bad := strings.Replace(yaml, "ari:cloud:ecosystem::app/0b2d3c4e-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "mailwiki", 1) +
		"  inactive_grace: 1h\n  environments: [production]\n  api_hosts: [\"https://api.atlassian.com/\", \"*\"]\n"
	_, err = config.Load(write(t, "c.yaml", bad), env(map[string]string{"MAILWIKI_MASTER_KEY": key}))
	for _, want := range []string{`forge.app_id "mailwiki": want the app's id`, "forge.inactive_grace = 1h0m0s", "hosted.hash_keys is empty",
		`forge.environments: "production" is not an environment id`, `forge.api_hosts: "https://api.atlassian.com/" is not a host name`,
		`forge.api_hosts: "*" is not a host name`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in: %v", want, err)
		}
	}
}
