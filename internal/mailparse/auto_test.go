package mailparse

import (
	"strings"
	"testing"
)

func TestAutomatic(t *testing.T) {
	t.Parallel()
	const plain = "Content-Type: text/plain\n\nbody\n"
	dsn := func(from, ctype string) string {
		return "From: " + from + "\nContent-Type: " + ctype + "\n\n" +
			"--b\nContent-Type: text/plain\n\nDelivery failed.\n" +
			"--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; x@example.org\nAction: failed\nStatus: 5.1.1\n" +
			"--b--\n"
	}
	tests := []struct {
		name string
		raw  string
		want bool
	}{
		{"ordinary", "From: a@example.org\n" + plain, false},
		{"auto-submitted auto-replied", "Auto-Submitted: auto-replied\n" + plain, true},
		{"auto-submitted auto-generated with comment", "Auto-Submitted: auto-generated (vacation)\n" + plain, true},
		{"auto-submitted no", "Auto-Submitted: no\n" + plain, false},
		{"auto-submitted NO with params", "Auto-Submitted: NO; reason=x\n" + plain, false},
		{"x-autoreply", "X-Autoreply: yes\n" + plain, true},
		{"x-autorespond", "X-Autorespond: Out of office\n" + plain, true},
		{"precedence bulk", "Precedence: bulk\n" + plain, true},
		{"precedence junk", "Precedence: junk\n" + plain, true},
		{"precedence auto_reply", "Precedence: Auto_Reply\n" + plain, true},
		{"precedence list", "Precedence: list\n" + plain, false},
		{"suppress alone", "X-Auto-Response-Suppress: All\n" + plain, false},
		{"dsn report", dsn("someone@example.org", `multipart/report; report-type=delivery-status; boundary="b"`), true},
		{"mdn report", dsn("someone@example.org", `multipart/report; report-type=disposition-notification; boundary="b"`), true},
		{"feedback report", dsn("someone@example.org", `multipart/report; report-type=feedback-report; boundary="b"`), false},
		{"mailer-daemon with dsn in mixed", dsn("Mail Delivery System <MAILER-DAEMON@mx.example.org>", `multipart/mixed; boundary="b"`), true},
		{"postmaster with dsn in mixed", dsn("postmaster@example.org", `multipart/mixed; boundary="b"`), true},
		{"dsn part from a person", dsn("alice@example.org", `multipart/mixed; boundary="b"`), false},
		{"mailer-daemon without dsn", "From: MAILER-DAEMON@example.org\n" + plain, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			msg, err := Parse(crlf("Subject: t\n" + tt.raw))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if msg.Automatic != tt.want {
				t.Errorf("Automatic = %v, want %v", msg.Automatic, tt.want)
			}
			if tt.name == "dsn report" && !strings.Contains(msg.Text, "Delivery failed.") {
				t.Errorf("Text = %q, want the human-readable part", msg.Text)
			}
		})
	}
}
