package dnstest_test

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/mailwiki/mailwiki/internal/check/dnstest"
)

func TestTXTLongerThan255BytesIsSplitAndJoinedAgain(t *testing.T) {
	t.Parallel()
	srv := dnstest.Start(t)
	long := "v=DKIM1; k=rsa; p=" + strings.Repeat("A", 600) + `\end`
	srv.TXT("Sel._domainkey.Example.COM", long, "second record")

	got, err := srv.Resolver().LookupTXT(context.Background(), "sel._domainkey.example.com")
	if err != nil {
		t.Fatalf("LookupTXT: %v", err)
	}
	slices.Sort(got)
	want := []string{"second record", long}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("LookupTXT = %q, want %q", got, want)
	}
}

func TestAnswerTooLargeForUDPIsFetchedOverTCP(t *testing.T) {
	t.Parallel()
	srv := dnstest.Start(t)
	var values []string
	for i := range 12 {
		values = append(values, strings.Repeat(string(rune('a'+i)), 400))
	}
	srv.TXT("big.example", values...)

	got, err := srv.Resolver().LookupTXT(context.Background(), "big.example")
	if err != nil {
		t.Fatalf("LookupTXT: %v", err)
	}
	if len(got) != len(values) {
		t.Errorf("LookupTXT returned %d records, want %d", len(got), len(values))
	}
}

func TestAddressRecordsOfBothFamilies(t *testing.T) {
	t.Parallel()
	srv := dnstest.Start(t)
	srv.A("mx.example", net.ParseIP("192.0.2.10"))
	srv.A("mx.example", net.ParseIP("2001:db8::10"))

	got, err := srv.Resolver().LookupIPAddr(context.Background(), "mx.example")
	if err != nil {
		t.Fatalf("LookupIPAddr: %v", err)
	}
	var ips []string
	for _, a := range got {
		ips = append(ips, a.IP.String())
	}
	slices.Sort(ips)
	if want := []string{"192.0.2.10", "2001:db8::10"}; !slices.Equal(ips, want) {
		t.Errorf("LookupIPAddr = %v, want %v", ips, want)
	}
}

func TestUnknownNameAndMissingTypeArePermanentNotFound(t *testing.T) {
	t.Parallel()
	srv := dnstest.Start(t)
	srv.A("host.example", net.ParseIP("192.0.2.1"))

	for _, name := range []string{"unknown.example" /* NXDOMAIN */, "host.example" /* NODATA */} {
		_, err := srv.Resolver().LookupTXT(context.Background(), name)
		var dnsErr *net.DNSError
		if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound || dnsErr.Temporary() {
			t.Errorf("LookupTXT(%q): err = %#v, want a permanent not-found DNSError", name, err)
		}
	}
}

func TestServFailIsATemporaryError(t *testing.T) {
	t.Parallel()
	srv := dnstest.Start(t)
	srv.TXT("broken.example", "v=spf1 -all")
	srv.ServFail("broken.example")

	_, err := srv.Resolver().LookupTXT(context.Background(), "broken.example")
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) || !dnsErr.Temporary() || dnsErr.IsNotFound {
		t.Errorf("LookupTXT of a SERVFAIL name: err = %#v, want a temporary DNSError", err)
	}
}
