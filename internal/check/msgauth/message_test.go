package msgauth_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki/internal/check/dnstest"
	"github.com/mailwiki/mailwiki/internal/check/msgauth"
)

var (
	exampleRSA     = signer{domain: "example.com", selector: "rsa2026", key: rsaKey}
	exampleEd25519 = signer{domain: "example.com", selector: "ed2026", key: ed25519Key}
	mailExample    = signer{domain: "mail.example.com", selector: "s1", key: rsaKey}
	attacker       = signer{domain: "attacker.example", selector: "evil", key: ed25519Key}

	spfPassExample  = msgauth.SPFResult{Result: "pass", Domain: "example.com"}
	spfFailExample  = msgauth.SPFResult{Result: "fail", Domain: "example.com"}
	spfPassAttacker = msgauth.SPFResult{Result: "pass", Domain: "attacker.example"}
	spfNone         = msgauth.SPFResult{Result: "none", Domain: "example.com"}
)

// messageCase is one message through Checker.Message: the DNS it sees,
// the message (signed by signers, innermost first, then tampered with) and
// the expected outcome.
type messageCase struct {
	name    string
	records func(*dnstest.Server)
	msg     string
	signers []signer
	tamper  func(string) string
	spf     msgauth.SPFResult
	want    msgauth.Result
}

func TestMessage(t *testing.T) {
	t.Parallel()
	noRecords := func(*dnstest.Server) {}
	dmarcReject := func(s *dnstest.Server) { s.TXT("_dmarc.example.com", "v=DMARC1; p=reject") }
	cases := []messageCase{
		{
			name:    "DKIM pass with an RSA-2048 key authenticates a From without DMARC record",
			records: noRecords, msg: message("Alice <alice@example.com>"), signers: []signer{exampleRSA}, spf: spfNone,
			want: msgauth.Result{
				DKIM:       []msgauth.DKIMResult{{Result: "pass", Domain: "example.com", Selector: "rsa2026"}},
				DMARC:      msgauth.DMARCResult{Result: "none", Domain: "example.com"},
				HeaderFrom: "alice@example.com", Authenticated: true,
			},
		},
		{
			name:    "DKIM pass with an Ed25519 key",
			records: noRecords, msg: message("alice@Example.COM"), signers: []signer{exampleEd25519}, spf: spfNone,
			want: msgauth.Result{
				DKIM:       []msgauth.DKIMResult{{Result: "pass", Domain: "example.com", Selector: "ed2026"}},
				DMARC:      msgauth.DMARCResult{Result: "none", Domain: "example.com"},
				HeaderFrom: "alice@example.com", Authenticated: true,
			},
		},
		{
			name:    "DKIM fails when the body is altered after signing",
			records: noRecords, msg: message("alice@example.com"), signers: []signer{exampleRSA}, spf: spfNone,
			tamper: func(m string) string { return strings.Replace(m, "figures", "invoices", 1) },
			want: msgauth.Result{
				DKIM:       []msgauth.DKIMResult{{Result: "fail", Domain: "example.com", Selector: "rsa2026"}},
				DMARC:      msgauth.DMARCResult{Result: "none", Domain: "example.com"},
				HeaderFrom: "alice@example.com",
			},
		},
		{
			name:    "DKIM fails when a signed header is altered after signing",
			records: noRecords, msg: message("alice@example.com"), signers: []signer{exampleRSA}, spf: spfNone,
			tamper: func(m string) string { return strings.Replace(m, "Quarterly", "Annual", 1) },
			want: msgauth.Result{
				DKIM:       []msgauth.DKIMResult{{Result: "fail", Domain: "example.com", Selector: "rsa2026"}},
				DMARC:      msgauth.DMARCResult{Result: "none", Domain: "example.com"},
				HeaderFrom: "alice@example.com",
			},
		},
		{
			name:    "DKIM temperror when the key lookup fails leaves authentication temporary",
			records: func(s *dnstest.Server) { s.ServFail("rsa2026._domainkey.example.com") },
			msg:     message("alice@example.com"), signers: []signer{exampleRSA}, spf: spfNone,
			want: msgauth.Result{
				DKIM:       []msgauth.DKIMResult{{Result: "temperror", Domain: "example.com", Selector: "rsa2026"}},
				DMARC:      msgauth.DMARCResult{Result: "none", Domain: "example.com"},
				HeaderFrom: "alice@example.com", Temporary: true,
			},
		},
		{
			name:    "DKIM permerror when no key is published",
			records: noRecords, msg: message("alice@example.com"), signers: []signer{{domain: "nokey.example", selector: "gone", key: rsaKey, unpublished: true}}, spf: spfNone,
			want: msgauth.Result{
				DKIM:       []msgauth.DKIMResult{{Result: "permerror", Domain: "nokey.example", Selector: "gone"}},
				DMARC:      msgauth.DMARCResult{Result: "none", Domain: "example.com"},
				HeaderFrom: "alice@example.com",
			},
		},
		{
			name:    "DMARC passes by aligned DKIM",
			records: dmarcReject, msg: message("alice@example.com"), signers: []signer{exampleRSA}, spf: spfFailExample,
			want: msgauth.Result{
				DKIM:       []msgauth.DKIMResult{{Result: "pass", Domain: "example.com", Selector: "rsa2026"}},
				DMARC:      msgauth.DMARCResult{Result: "pass", Policy: "reject", Domain: "example.com"},
				HeaderFrom: "alice@example.com", Authenticated: true,
			},
		},
		{
			name:    "DMARC passes by aligned SPF on an unsigned message",
			records: dmarcReject, msg: message("alice@example.com"), spf: spfPassExample,
			want: msgauth.Result{
				DMARC:      msgauth.DMARCResult{Result: "pass", Policy: "reject", Domain: "example.com"},
				HeaderFrom: "alice@example.com", Authenticated: true,
			},
		},
		{
			name:    "DMARC fails with p=reject when nothing aligned passes",
			records: dmarcReject, msg: message("alice@example.com"), signers: []signer{attacker}, spf: spfFailExample,
			want: msgauth.Result{
				DKIM:       []msgauth.DKIMResult{{Result: "pass", Domain: "attacker.example", Selector: "evil"}},
				DMARC:      msgauth.DMARCResult{Result: "fail", Policy: "reject", Domain: "example.com"},
				HeaderFrom: "alice@example.com",
			},
		},
		{
			name:    "DMARC none without a record and nothing passing is unauthenticated",
			records: noRecords, msg: message("alice@example.com"), spf: spfNone,
			want: msgauth.Result{
				DMARC:      msgauth.DMARCResult{Result: "none", Domain: "example.com"},
				HeaderFrom: "alice@example.com",
			},
		},
		{
			name:    "SPF pass aligned with a From without DMARC record authenticates",
			records: noRecords, msg: message("alice@example.com"), spf: spfPassExample,
			want: msgauth.Result{
				DMARC:      msgauth.DMARCResult{Result: "none", Domain: "example.com"},
				HeaderFrom: "alice@example.com", Authenticated: true,
			},
		},
		{
			name:    "forged From is not authenticated by DKIM and SPF passing for another domain",
			records: noRecords, msg: message("The Boss <boss@listed.example>"), signers: []signer{attacker}, spf: spfPassAttacker,
			want: msgauth.Result{
				DKIM:       []msgauth.DKIMResult{{Result: "pass", Domain: "attacker.example", Selector: "evil"}},
				DMARC:      msgauth.DMARCResult{Result: "none", Domain: "listed.example"},
				HeaderFrom: "boss@listed.example",
			},
		},
		{
			name:    "forged From of a domain with p=none DMARC fails DMARC and is not authenticated",
			records: func(s *dnstest.Server) { s.TXT("_dmarc.listed.example", "v=DMARC1; p=none") },
			msg:     message("boss@listed.example"), signers: []signer{attacker}, spf: spfPassAttacker,
			want: msgauth.Result{
				DKIM:       []msgauth.DKIMResult{{Result: "pass", Domain: "attacker.example", Selector: "evil"}},
				DMARC:      msgauth.DMARCResult{Result: "fail", Policy: "none", Domain: "listed.example"},
				HeaderFrom: "boss@listed.example",
			},
		},
		{
			name:    "DKIM of a subdomain aligns relaxed with the organizational From domain",
			records: dmarcReject, msg: message("alice@example.com"), signers: []signer{mailExample}, spf: spfNone,
			want: msgauth.Result{
				DKIM:       []msgauth.DKIMResult{{Result: "pass", Domain: "mail.example.com", Selector: "s1"}},
				DMARC:      msgauth.DMARCResult{Result: "pass", Policy: "reject", Domain: "example.com"},
				HeaderFrom: "alice@example.com", Authenticated: true,
			},
		},
		{
			name:    "DKIM of a subdomain aligns relaxed also without a DMARC record",
			records: noRecords, msg: message("alice@example.com"), signers: []signer{mailExample}, spf: spfNone,
			want: msgauth.Result{
				DKIM:       []msgauth.DKIMResult{{Result: "pass", Domain: "mail.example.com", Selector: "s1"}},
				DMARC:      msgauth.DMARCResult{Result: "none", Domain: "example.com"},
				HeaderFrom: "alice@example.com", Authenticated: true,
			},
		},
		{
			name:    "DKIM of a subdomain does not align under adkim=s",
			records: func(s *dnstest.Server) { s.TXT("_dmarc.example.com", "v=DMARC1; p=quarantine; adkim=s") },
			msg:     message("alice@example.com"), signers: []signer{mailExample}, spf: spfNone,
			want: msgauth.Result{
				DKIM:       []msgauth.DKIMResult{{Result: "pass", Domain: "mail.example.com", Selector: "s1"}},
				DMARC:      msgauth.DMARCResult{Result: "fail", Policy: "quarantine", Domain: "example.com"},
				HeaderFrom: "alice@example.com",
			},
		},
		{
			name:    "subdomain From falls back to the organizational record and its sp= policy",
			records: func(s *dnstest.Server) { s.TXT("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine") },
			msg:     message("alerts@ci.example.com"), spf: spfNone,
			want: msgauth.Result{
				DMARC:      msgauth.DMARCResult{Result: "fail", Policy: "quarantine", Domain: "ci.example.com"},
				HeaderFrom: "alerts@ci.example.com",
			},
		},
		{
			name:    "DMARC record lookup failure is temperror and temporary",
			records: func(s *dnstest.Server) { s.ServFail("_dmarc.example.com") },
			msg:     message("alice@example.com"), signers: []signer{mailExample}, spf: spfNone,
			want: msgauth.Result{
				DKIM:       []msgauth.DKIMResult{{Result: "pass", Domain: "mail.example.com", Selector: "s1"}},
				DMARC:      msgauth.DMARCResult{Result: "temperror", Domain: "example.com"},
				HeaderFrom: "alice@example.com", Temporary: true,
			},
		},
		{
			name:    "DMARC record lookup failure still authenticates a DKIM pass for the From domain itself",
			records: func(s *dnstest.Server) { s.ServFail("_dmarc.example.com") },
			msg:     message("alice@example.com"), signers: []signer{exampleRSA}, spf: spfNone,
			want: msgauth.Result{
				DKIM:       []msgauth.DKIMResult{{Result: "pass", Domain: "example.com", Selector: "rsa2026"}},
				DMARC:      msgauth.DMARCResult{Result: "temperror", Domain: "example.com"},
				HeaderFrom: "alice@example.com", Authenticated: true,
			},
		},
		{
			name:    "aligned SPF temperror under a DMARC record is DMARC temperror",
			records: dmarcReject, msg: message("alice@example.com"), spf: msgauth.SPFResult{Result: "temperror", Domain: "example.com"},
			want: msgauth.Result{
				DMARC:      msgauth.DMARCResult{Result: "temperror", Policy: "reject", Domain: "example.com"},
				HeaderFrom: "alice@example.com", Temporary: true,
			},
		},
		{
			name:    "SPF temperror of an unaligned domain is not temporary",
			records: dmarcReject, msg: message("alice@example.com"), spf: msgauth.SPFResult{Result: "temperror", Domain: "attacker.example"},
			want: msgauth.Result{
				DMARC:      msgauth.DMARCResult{Result: "fail", Policy: "reject", Domain: "example.com"},
				HeaderFrom: "alice@example.com",
			},
		},
		{
			name:    "two From fields are DMARC permerror and not authenticated",
			records: noRecords, msg: message("alice@example.com", "boss@example.com"), signers: []signer{exampleRSA}, spf: spfPassExample,
			want: msgauth.Result{
				DKIM:  []msgauth.DKIMResult{{Result: "pass", Domain: "example.com", Selector: "rsa2026"}},
				DMARC: msgauth.DMARCResult{Result: "permerror"},
			},
		},
		{
			name:    "a From with two mailboxes is DMARC permerror and not authenticated",
			records: noRecords, msg: message("alice@example.com, boss@listed.example"), signers: []signer{exampleRSA}, spf: spfPassExample,
			want: msgauth.Result{
				DKIM:  []msgauth.DKIMResult{{Result: "pass", Domain: "example.com", Selector: "rsa2026"}},
				DMARC: msgauth.DMARCResult{Result: "permerror"},
			},
		},
		{
			name:    "no From field is DMARC permerror",
			records: noRecords, msg: "To: wiki@mailwiki.example\r\nSubject: x\r\n\r\nbody\r\n", spf: spfPassExample,
			want: msgauth.Result{DMARC: msgauth.DMARCResult{Result: "permerror"}},
		},
		{
			name:    "From with an encoded display name in an unknown charset still parses",
			records: noRecords, msg: message("=?x-unknown?Q?J=F6rg?= <jorg@example.com>"), spf: spfPassExample,
			want: msgauth.Result{
				DMARC:      msgauth.DMARCResult{Result: "none", Domain: "example.com"},
				HeaderFrom: "jorg@example.com", Authenticated: true,
			},
		},
		{
			name:    "signatures beyond MaxSignatures are neutral",
			records: noRecords, msg: message("alice@example.com"), signers: []signer{attacker, exampleEd25519, exampleRSA}, spf: spfNone,
			want: msgauth.Result{
				// each signer prepends its field: the last signer's is first
				DKIM: []msgauth.DKIMResult{
					{Result: "pass", Domain: "example.com", Selector: "rsa2026"},
					{Result: "pass", Domain: "example.com", Selector: "ed2026"},
					{Result: "neutral", Domain: "attacker.example", Selector: "evil"},
				},
				DMARC:      msgauth.DMARCResult{Result: "none", Domain: "example.com"},
				HeaderFrom: "alice@example.com", Authenticated: true,
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := runMessage(t, tc)
			tc.want.SPF = tc.spf
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Message =\n %+v\nwant\n %+v", got, tc.want)
			}
		})
	}
}

// runMessage signs, tampers with and checks tc.msg against a fresh DNS
// server holding tc's records and its signers' keys; MaxSignatures is 2.
func runMessage(t *testing.T, tc messageCase) msgauth.Result {
	t.Helper()
	b := setup(t)
	b.checker.MaxSignatures = 2
	tc.records(b.dns)
	msg := tc.msg
	for _, s := range tc.signers {
		s.publish(t, b.dns)
		msg = s.sign(t, msg)
	}
	if tc.tamper != nil {
		msg = tc.tamper(msg)
	}
	got, err := b.checker.Message(context.Background(), tc.spf, strings.NewReader(msg))
	if err != nil {
		t.Fatalf("Message: %v", err)
	}
	return got
}
