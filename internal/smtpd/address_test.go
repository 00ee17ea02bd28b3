package smtpd

import "testing"

func TestCheckAddress(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		utf8 bool
		want string // canonical form; "" when refused
		prob addrProblem
	}{
		{"user@example.com", false, "user@example.com", addrOK},
		{"First.Last+tag@Example.COM", false, "First.Last+tag@example.com", addrOK},
		{"a!#$%&'*+-/=?^_`{|}~@x.org", false, "a!#$%&'*+-/=?^_`{|}~@x.org", addrOK},
		{"a b@example.com", false, `"a b"@example.com`, addrOK}, // was "a b"@…
		{`a"b@example.com`, false, `"a\"b"@example.com`, addrOK},
		{"a..b@example.com", false, `"a..b"@example.com`, addrOK},
		{"u@[192.0.2.1]", false, "u@[192.0.2.1]", addrOK},
		{"u@[IPv6:2001:db8::1]", false, "u@[IPv6:2001:db8::1]", addrOK},
		{"u@localhost", false, "u@localhost", addrOK},
		{"u@xn--bcher-kva.example", false, "u@xn--bcher-kva.example", addrOK},
		{"jö@example.com", false, "", addrNonASCII},
		{"u@bücher.example", false, "", addrNonASCII},
		{"jö@example.com", true, "jö@example.com", addrOK},
		{"u@Bücher.example", true, "u@bücher.example", addrOK},
		{"x@--", false, "", addrSyntax},
		{"x@-a.com", false, "", addrSyntax},
		{"x@a-.com", false, "", addrSyntax},
		{"x@a..com", false, "", addrSyntax},
		{"x@.a.com", false, "", addrSyntax},
		{"x@a.com.", false, "", addrSyntax},
		{"x@a_b.com", false, "", addrSyntax},
		{"x@1.2.3.4", false, "", addrSyntax}, // numeric TLD: must be [1.2.3.4]
		{"x@a.123", false, "", addrSyntax},
		{"x@[1.2.3]", false, "", addrSyntax},
		{"x@[IPv6:1.2.3.4]", false, "", addrSyntax},
		{"x@[1.2.3.4", false, "", addrSyntax},
		{"x@" + string(make([]byte, 64)) + ".com", false, "", addrSyntax},
		{"@example.com", false, "", addrSyntax},
		{"user@", false, "", addrSyntax},
		{"user", false, "", addrSyntax},
		{"a\x01b@example.com", false, "", addrSyntax},
		{"\xff@example.com", true, "", addrSyntax},
		{"u@ex\u200bample.com", true, "", addrSyntax}, // zero-width space is not a valid IDN
		{string(make([]byte, 65)) + "@example.com", false, "", addrSyntax},
	}
	for _, tc := range cases {
		got, prob := checkAddress(tc.in, tc.utf8)
		if got != tc.want || prob != tc.prob {
			t.Errorf("checkAddress(%q, utf8=%v) = %q, %v; want %q, %v", tc.in, tc.utf8, got, prob, tc.want, tc.prob)
		}
	}
}
