package msgauth_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/mailwiki/mailwiki/internal/check/dnstest"
	"github.com/mailwiki/mailwiki/internal/check/msgauth"
)

func TestSPF(t *testing.T) {
	t.Parallel()
	sender := net.ParseIP("192.0.2.25")
	cases := []struct {
		name           string
		records        func(*dnstest.Server)
		helo, mailFrom string
		want           msgauth.SPFResult
	}{
		{
			name:    "listed IP passes",
			records: func(s *dnstest.Server) { s.TXT("sender.example", "v=spf1 ip4:192.0.2.25 -all") },
			helo:    "mx.sender.example", mailFrom: "alice@sender.example",
			want: msgauth.SPFResult{Result: "pass", Domain: "sender.example"},
		},
		{
			name: "IP allowed through an a mechanism passes",
			records: func(s *dnstest.Server) {
				s.TXT("sender.example", "v=spf1 a:out.sender.example -all")
				s.A("out.sender.example", sender)
			},
			helo: "mx.sender.example", mailFrom: "alice@sender.example",
			want: msgauth.SPFResult{Result: "pass", Domain: "sender.example"},
		},
		{
			name:    "unlisted IP under -all fails",
			records: func(s *dnstest.Server) { s.TXT("sender.example", "v=spf1 ip4:198.51.100.0/24 -all") },
			helo:    "mx.sender.example", mailFrom: "alice@sender.example",
			want: msgauth.SPFResult{Result: "fail", Domain: "sender.example"},
		},
		{
			name:    "unlisted IP under ~all softfails",
			records: func(s *dnstest.Server) { s.TXT("sender.example", "v=spf1 ip4:198.51.100.0/24 ~all") },
			helo:    "mx.sender.example", mailFrom: "alice@sender.example",
			want: msgauth.SPFResult{Result: "softfail", Domain: "sender.example"},
		},
		{
			name:    "unlisted IP under ?all is neutral",
			records: func(s *dnstest.Server) { s.TXT("sender.example", "v=spf1 ip4:198.51.100.0/24 ?all") },
			helo:    "mx.sender.example", mailFrom: "alice@sender.example",
			want: msgauth.SPFResult{Result: "neutral", Domain: "sender.example"},
		},
		{
			name:    "domain without an SPF record is none",
			records: func(s *dnstest.Server) { s.TXT("sender.example", "google-site-verification=abc") },
			helo:    "mx.sender.example", mailFrom: "alice@sender.example",
			want: msgauth.SPFResult{Result: "none", Domain: "sender.example"},
		},
		{
			name:    "nonexistent domain is none",
			records: func(*dnstest.Server) {},
			helo:    "mx.sender.example", mailFrom: "alice@nowhere.example",
			want: msgauth.SPFResult{Result: "none", Domain: "nowhere.example"},
		},
		{
			name: "SERVFAIL is temperror",
			records: func(s *dnstest.Server) {
				s.TXT("sender.example", "v=spf1 ip4:192.0.2.25 -all")
				s.ServFail("sender.example")
			},
			helo: "mx.sender.example", mailFrom: "alice@sender.example",
			want: msgauth.SPFResult{Result: "temperror", Domain: "sender.example"},
		},
		{
			name:    "two SPF records are permerror",
			records: func(s *dnstest.Server) { s.TXT("sender.example", "v=spf1 -all", "v=spf1 +all") },
			helo:    "mx.sender.example", mailFrom: "alice@sender.example",
			want: msgauth.SPFResult{Result: "permerror", Domain: "sender.example"},
		},
		{
			name: "null reverse path is checked as postmaster at the HELO name",
			records: func(s *dnstest.Server) {
				s.TXT("mx.sender.example", "v=spf1 ip4:192.0.2.25 -all")
				s.TXT("sender.example", "v=spf1 -all")
			},
			helo: "MX.Sender.Example", mailFrom: "",
			want: msgauth.SPFResult{Result: "pass", Domain: "mx.sender.example", HELO: true},
		},
		{
			name:    "null reverse path with an address-literal HELO is none",
			records: func(*dnstest.Server) {},
			helo:    "[192.0.2.25]", mailFrom: "<>",
			want: msgauth.SPFResult{Result: "none", Domain: "[192.0.2.25]", HELO: true},
		},
		{
			name:    "angle brackets and case of MAIL FROM are normalized",
			records: func(s *dnstest.Server) { s.TXT("sender.example", "v=spf1 ip4:192.0.2.25 -all") },
			helo:    "mx.sender.example", mailFrom: "<Alice@Sender.EXAMPLE>",
			want: msgauth.SPFResult{Result: "pass", Domain: "sender.example"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			tc.records(b.dns)
			got := b.checker.SPF(context.Background(), sender, tc.helo, tc.mailFrom)
			if got != tc.want {
				t.Errorf("SPF(%q, %q) = %+v, want %+v", tc.helo, tc.mailFrom, got, tc.want)
			}
		})
	}
}

func TestSPFDNSThatNeverAnswersIsTemperrorWithinTheTimeout(t *testing.T) {
	t.Parallel()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0") // reads nothing, answers nothing
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	silent := &net.Resolver{PreferGo: true, StrictErrors: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", pc.LocalAddr().String())
		}}
	c := &msgauth.Checker{Resolver: silent, Timeout: 300 * time.Millisecond}

	start := time.Now()
	got := c.SPF(context.Background(), net.ParseIP("192.0.2.25"), "mx.sender.example", "a@sender.example")
	if got.Result != "temperror" {
		t.Errorf("SPF with a silent DNS server = %+v, want temperror", got)
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("SPF took %v, want about the 300ms Timeout", elapsed)
	}
}
