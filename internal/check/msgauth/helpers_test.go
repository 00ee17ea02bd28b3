package msgauth_test

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/mailwiki/mailwiki/internal/check/dnstest"
	"github.com/mailwiki/mailwiki/internal/check/msgauth"
)

// bundle is what one test works with: its own DNS server and a Checker
// resolving through it.
type bundle struct {
	dns     *dnstest.Server
	checker *msgauth.Checker
}

func setup(t *testing.T) *bundle {
	t.Helper()
	srv := dnstest.Start(t)
	return &bundle{dns: srv, checker: &msgauth.Checker{Resolver: srv.Resolver(), AuthServID: "mx.mailwiki.example"}}
}

// Keys are made once per test binary: RSA-2048 generation is slow on a
// shared machine.
var (
	rsaKey = sync.OnceValue(func() crypto.Signer {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return k
	})
	ed25519Key = sync.OnceValue(func() crypto.Signer {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	})
)

// signer is a DKIM signing identity: d=, s= and the private key;
// unpublished keeps its public key out of DNS.
type signer struct {
	domain, selector string
	key              func() crypto.Signer
	unpublished      bool
}

// publish puts the signer's public key at selector._domainkey.domain
// (RFC 6376 §3.6.1).
func (s signer) publish(t *testing.T, srv *dnstest.Server) {
	t.Helper()
	if s.unpublished {
		return
	}
	var record string
	switch pub := s.key().Public().(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		record = "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
	case ed25519.PublicKey:
		record = "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
	}
	srv.TXT(s.selector+"._domainkey."+s.domain, record)
}

// sign returns msg with a DKIM-Signature of s prepended, made by
// go-msgauth with relaxed/relaxed canonicalization.
func (s signer) sign(t *testing.T, msg string) string {
	t.Helper()
	var out bytes.Buffer
	err := dkim.Sign(&out, strings.NewReader(msg), &dkim.SignOptions{
		Domain: s.domain, Selector: s.selector, Signer: s.key(),
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
	})
	if err != nil {
		t.Fatalf("dkim.Sign: %v", err)
	}
	return out.String()
}

// message returns a small message from the given From field value(s): one
// From field per value.
func message(froms ...string) string {
	var b strings.Builder
	for _, f := range froms {
		b.WriteString("From: " + f + "\r\n")
	}
	b.WriteString("To: wiki@mailwiki.example\r\n" +
		"Subject: Quarterly report\r\n" +
		"Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n" +
		"Message-ID: <report-1@example.com>\r\n" +
		"\r\n" +
		"Hello,\r\n\r\nthe figures are attached.\r\n")
	return b.String()
}
