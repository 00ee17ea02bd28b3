package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mailwiki/mailwiki"
)

// TestAdminAPIRefusesBadInputAndChangesNothing: the admin page's API, as
// served in the hosted mode, answers each kind of bad input with a clear
// sentence (and the field it concerns), and the configuration stored in
// the site stays as it was.
func TestAdminAPIRefusesBadInputAndChangesNothing(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	stored := func() string {
		v, _ := h.sandbox.AppProperty("mailwiki", "mailwiki-config")
		return string(v)
	}
	before := stored()
	if before == "" {
		t.Fatal("no configuration stored by the install")
	}
	addr := func(a, space string) mailwiki.TenantConfig {
		return mailwiki.TenantConfig{Addresses: []mailwiki.AddressConfig{{Address: a, SpaceKey: space}}}
	}
	many := mailwiki.TenantConfig{Senders: mailwiki.SenderList{Entries: make([]string, mailwiki.MaxSenderEntries+1)}}
	for i := range many.Senders.Entries {
		many.Senders.Entries[i] = "@d" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + ".example"
	}
	for _, c := range []struct {
		name   string
		cfg    mailwiki.TenantConfig
		status int
		field  string
		says   string
	}{
		{"malformed address", addr("no spaces@demo.mailwiki.test", "DEMO"), 400, "addresses[0].address", "is not an email address"},
		{"a domain not ours", addr("docs@gmail.com", "DEMO"), 400, "addresses[0].address", "not one of this service's mail domains"},
		{"unknown space", addr("new@demo.mailwiki.test", "NOSUCH"), 400, "addresses[0].spaceKey", "there is no space NOSUCH"},
		{"oversized list", many, 400, "senders.entries", "at most 2000"},
	} {
		status, body := h.admin(t, http.MethodPut, "/admin/api/config", c.cfg)
		var answer struct {
			Error  string
			Fields []mailwiki.FieldError
		}
		json.Unmarshal(body, &answer)
		found := false
		for _, f := range answer.Fields {
			found = found || f.Field == c.field && strings.Contains(f.Message, c.says)
		}
		if status != c.status || answer.Error == "" || !found {
			t.Errorf("%s: %d %s; want %d with %s saying %q", c.name, status, body, c.status, c.field, c.says)
		}
	}

	secret, _ := h.sandbox.SharedSecret("mailwiki")
	now := time.Now()
	sign := func(key string, claims jwt.MapClaims) string {
		s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(key))
		return s
	}
	good := func() jwt.MapClaims {
		return jwt.MapClaims{"iss": h.tenantID, "sub": "admin", "qsh": "context-qsh", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}
	}
	expired := good()
	expired["exp"] = now.Add(-time.Hour).Unix()
	otherSite := good()
	otherSite["iss"] = "someone-else"
	for name, token := range map[string]string{
		"forged":         sign("not-the-secret", good()),
		"expired":        sign(secret, expired),
		"unknown site":   sign(secret, otherSite),
		"no token":       "",
		"page token qsh": sign(secret, func() jwt.MapClaims { c := good(); c["qsh"] = strings.Repeat("a", 64); return c }()),
	} {
		data, _ := json.Marshal(addr("stolen@demo.mailwiki.test", "DEMO"))
		req, _ := http.NewRequest(http.MethodPut, "http://"+h.main.HTTPAddr()+"/admin/api/config", bytes.NewReader(data))
		if token != "" {
			req.Header.Set("Authorization", "JWT "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), `"error"`) {
			t.Errorf("%s token: %d %s, want 401 with a sentence", name, resp.StatusCode, body)
		}
	}
	if after := stored(); after != before {
		t.Fatalf("bad input changed the stored configuration:\nbefore %s\nafter  %s", before, after)
	}
	if err := send(t, h.main.SMTPAddr(), "stolen@demo.mailwiki.test", textMail("stolen@demo.mailwiki.test", "a@example.org", "x")); !isReply(err, 550, "5.1.1") {
		t.Fatalf("an address from a refused request routes: %v", err)
	}
}

// TestReinstallAndLargeConfiguration: a site reinstalling mailwiki (the
// host signs a new shared secret) keeps its configuration and its mail
// flowing; a configuration far past an app property's 32 KB is stored
// sharded in the site and read back whole.
func TestReinstallAndLargeConfiguration(t *testing.T) {
	t.Parallel()
	h := setupHosted(t, nil)
	first, _ := h.sandbox.SharedSecret("mailwiki")
	h.install(t)
	if second, _ := h.sandbox.SharedSecret("mailwiki"); second == first {
		t.Fatal("the reinstall kept the shared secret")
	}
	cfg := mailwiki.TenantConfig{Senders: mailwiki.SenderList{Mode: mailwiki.SendersEveryone}}
	for i := range 400 {
		cfg.Addresses = append(cfg.Addresses, mailwiki.AddressConfig{
			Address: fmt.Sprintf("list-%03d-%s@demo.mailwiki.test", i, strings.Repeat("x", 30)), SpaceKey: "DEMO",
			TitleFormat: "{date} {subject} — " + strings.Repeat("y", 40)})
	}
	for i := range 1500 {
		cfg.Senders.Entries = append(cfg.Senders.Entries, fmt.Sprintf("@partner-%04d.example", i))
	}
	h.saveConfig(t, cfg)
	raw, _ := h.sandbox.AppProperty("mailwiki", "mailwiki-config")
	var index struct{ Shards int }
	if err := json.Unmarshal(raw, &index); err != nil || index.Shards < 3 {
		t.Fatalf("index %s: want the configuration in 3 or more shards", raw)
	}
	status, body := h.admin(t, http.MethodGet, "/admin/api/config", nil)
	var got struct{ Config mailwiki.TenantConfig }
	if status != http.StatusOK || json.Unmarshal(body, &got) != nil || len(got.Config.Addresses) != 400 || len(got.Config.Senders.Entries) != 1500 {
		t.Fatalf("read back: %d, %d addresses, %d senders", status, len(got.Config.Addresses), len(got.Config.Senders.Entries))
	}
	to := cfg.Addresses[399].Address
	if err := send(t, h.main.SMTPAddr(), to, textMail(to, "alice@example.org", "Last of the list")); err != nil {
		t.Fatal(err)
	}
	waitTitleIn(t, h.bundle, "DEMO", time.Now().UTC().Format("2006-01-02")+" Last of the list — "+strings.Repeat("y", 40))
}

// TestHostedPathsNeverRedirect: Forge takes any 3xx from a remote as an
// error; unclean or subtree-root paths get a 404 instead.
func TestHostedPathsNeverRedirect(t *testing.T) {
	t.Parallel()
	h := setupMode(t, mailwiki.ModeForge, nil)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, p := range []string{"//forge/lifecycle", "/forge//tick", "/forge/../forge/tick", "//admin/api/config", "/forge", "/admin", "/connect"} {
		req, _ := http.NewRequest(http.MethodPost, "http://"+h.main.HTTPAddr()+p, nil)
		req.URL.Opaque = p // send the path as written
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Location") != "" {
			t.Errorf("%s: %d %s, want a 404, no redirect", p, resp.StatusCode, body)
		}
	}
}
