package msgauth_test

import (
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki/internal/check/dnstest"
	"github.com/mailwiki/mailwiki/internal/check/msgauth"
)

func TestAuthenticationResultsOfASignedAlignedMessage(t *testing.T) {
	t.Parallel()
	got := runMessage(t, messageCase{
		records: func(s *dnstest.Server) { s.TXT("_dmarc.example.com", "v=DMARC1; p=reject") },
		msg:     message("Alice <alice@example.com>"),
		signers: []signer{mailExample},
		spf:     spfPassExample,
	}).AuthenticationResults("mx.mailwiki.example")

	want := "mx.mailwiki.example; spf=pass smtp.mailfrom=example.com; " +
		"dkim=pass header.d=mail.example.com header.s=s1; dmarc=pass header.from=example.com"
	if got != want {
		t.Errorf("AuthenticationResults =\n %s\nwant\n %s", got, want)
	}
}

func TestAuthenticationResultsFormat(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		r    msgauth.Result
		want string
	}{
		{
			name: "unsigned message from the null reverse path says dkim=none and smtp.helo",
			r: msgauth.Result{
				SPF:   msgauth.SPFResult{Result: "softfail", Domain: "mx.example.org", HELO: true},
				DMARC: msgauth.DMARCResult{Result: "fail", Policy: "quarantine", Domain: "example.org"},
			},
			want: "mx; spf=softfail smtp.helo=mx.example.org; dkim=none; dmarc=fail header.from=example.org",
		},
		{
			name: "SPF not checked is left out and a missing From leaves header.from out",
			r: msgauth.Result{
				DKIM:  []msgauth.DKIMResult{{Result: "permerror", Domain: "a.example"}, {Result: "neutral", Domain: "b.example", Selector: "s"}},
				DMARC: msgauth.DMARCResult{Result: "permerror"},
			},
			want: "mx; dkim=permerror header.d=a.example; dkim=neutral header.d=b.example header.s=s; dmarc=permerror",
		},
		{
			name: "hostile values are quoted and cannot break the header line",
			r: msgauth.Result{
				SPF:   msgauth.SPFResult{Result: "pass", Domain: "a.example; dmarc=pass"},
				DKIM:  []msgauth.DKIMResult{{Result: "fail", Domain: "evil.example\r\nX-Injected: \"yes\"\\", Selector: "s 1"}},
				DMARC: msgauth.DMARCResult{Result: "none", Domain: "example.com"},
			},
			want: `mx; spf=pass smtp.mailfrom="a.example; dmarc=pass"; ` +
				`dkim=fail header.d="evil.exampleX-Injected: \"yes\"\\" header.s="s 1"; dmarc=none header.from=example.com`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := tc.r.AuthenticationResults("mx")
			if got != tc.want {
				t.Errorf("AuthenticationResults =\n %s\nwant\n %s", got, tc.want)
			}
			if strings.ContainsAny(got, "\r\n") {
				t.Errorf("AuthenticationResults %q contains CR or LF", got)
			}
		})
	}
}
