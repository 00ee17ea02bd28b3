package app_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/mailwiki/mailwiki/internal/app"
	"github.com/mailwiki/mailwiki/internal/check/dnstest"
	"github.com/mailwiki/mailwiki/internal/config"
)

// dkimKey is a signing identity whose public key a test publishes.
type dkimKey struct {
	domain string
	key    ed25519.PrivateKey
}

func newDKIMKey(t *testing.T, dns *dnstest.Server, domain string) dkimKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dns.TXT("s1._domainkey."+domain, "v=DKIM1; k=ed25519; p="+base64.StdEncoding.EncodeToString(pub))
	return dkimKey{domain: domain, key: priv}
}

// sign returns msg with a DKIM-Signature of k on top (RFC 6376, made by
// go-msgauth as a sending MTA would).
func (k dkimKey) sign(t *testing.T, msg []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	err := dkim.Sign(&out, bytes.NewReader(msg), &dkim.SignOptions{Domain: k.domain, Selector: "s1", Signer: k.key,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed, BodyCanonicalization: dkim.CanonicalizationRelaxed})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func fromMessage(from, marker string) []byte {
	return []byte("From: " + from + "\r\nTo: " + app.DemoAddress + "\r\nSubject: Report " + marker + "\r\n" +
		"Date: " + time.Now().Format(time.RFC1123Z) + "\r\nMessage-ID: <" + marker + "@sender.example>\r\n\r\n" + marker + "\r\n")
}

// TestSecureSenderListOnAuthenticatedFrom: a site taking mail only from
// its secure sender list admits a listed From only when it is
// authenticated and aligned (DKIM, or SPF for the MAIL FROM domain); a
// forged From naming a listed sender is refused with 550 5.7.1, as is an
// authenticated sender not on the list; a DNS failure asks the client to
// retry (451 4.7.1). Every refusal leaves nothing behind (promise P3).
func TestSecureSenderListOnAuthenticatedFrom(t *testing.T) {
	t.Parallel()
	dns := dnstest.Start(t)
	listed := newDKIMKey(t, dns, "listed.example")
	attacker := newDKIMKey(t, dns, "attacker.example")
	dns.TXT("mail.corp.example", "v=spf1 ip4:127.0.0.1 -all")
	dns.ServFail("_dmarc.flaky.example")
	dns.ServFail("s1._domainkey.flaky.example")
	flaky := dkimKey{domain: "flaky.example", key: listed.key}
	cases := []struct {
		name     string
		mailFrom string
		msg      func(marker string) []byte
		code     int // 0: published
		enhanced string
	}{
		{name: "listed sender signed by its domain", mailFrom: "bounce@listed.example",
			msg: func(m string) []byte { return listed.sign(t, fromMessage("Ann <ann@listed.example>", m)) }},
		{name: "subdomain entry admits an SPF-aligned sender", mailFrom: "eve@mail.corp.example",
			msg: func(m string) []byte { return fromMessage("eve@mail.corp.example", m) }},
		{name: "forged From naming a listed sender", mailFrom: "x@attacker.example", code: 550, enhanced: "5.7.1",
			msg: func(m string) []byte { return attacker.sign(t, fromMessage("Ann <ann@listed.example>", m)) }},
		{name: "unsigned listed From", mailFrom: "ann@listed.example", code: 550, enhanced: "5.7.1",
			msg: func(m string) []byte { return fromMessage("ann@listed.example", m) }},
		{name: "authenticated sender not on the list", mailFrom: "bob@listed.example", code: 550, enhanced: "5.7.1",
			msg: func(m string) []byte { return listed.sign(t, fromMessage("bob@listed.example", m)) }},
		{name: "DNS failure asks to retry", mailFrom: "z@flaky.example", code: 451, enhanced: "4.7.1",
			msg: func(m string) []byte { return flaky.sign(t, fromMessage("z@flaky.example", m)) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(cfg *config.Config) {
				cfg.Checks.DNS.Nameserver = dns.Addr()
				cfg.Tenants[0].Senders = config.SenderList{Mode: "secure", Entries: []string{"ann@listed.example", ".corp.example"}}
			})
			marker := marked(t)
			err := smtp.SendMail(b.main.SMTPAddr(), nil, c.mailFrom, []string{app.DemoAddress}, c.msg(marker))
			if c.code == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				page := b.waitPages(t, 1, 20*time.Second)[0]
				if !strings.Contains(page.Storage, marker) {
					t.Errorf("published page lacks the marker")
				}
				return
			}
			if !isReply(err, c.code, c.enhanced) {
				t.Fatalf("err = %v, want %d %s", err, c.code, c.enhanced)
			}
			assertNothingKept(t, b, marker)
		})
	}
}

// TestDMARCRejectPolicyIsHonoured: mail whose From domain publishes
// p=reject and that fails DMARC is refused for any site (550 5.7.1); the
// same domain's signed mail passes.
func TestDMARCRejectPolicyIsHonoured(t *testing.T) {
	t.Parallel()
	dns := dnstest.Start(t)
	bank := newDKIMKey(t, dns, "bank.example")
	dns.TXT("_dmarc.bank.example", "v=DMARC1; p=reject")
	b := setup(t, func(cfg *config.Config) { cfg.Checks.DNS.Nameserver = dns.Addr() })
	forged := fromMessage("Bank <alerts@bank.example>", marked(t))
	err := smtp.SendMail(b.main.SMTPAddr(), nil, "phisher@elsewhere.example", []string{app.DemoAddress}, forged)
	if !isReply(err, 550, "5.7.1") {
		t.Fatalf("forged bank mail: %v, want 550 5.7.1", err)
	}
	if err := smtp.SendMail(b.main.SMTPAddr(), nil, "alerts@bank.example", []string{app.DemoAddress}, bank.sign(t, fromMessage("alerts@bank.example", "ok"))); err != nil {
		t.Fatalf("genuine bank mail: %v", err)
	}
	b.waitPages(t, 1, 20*time.Second)
}
