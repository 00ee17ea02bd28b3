package smtpd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/mailwiki/mailwiki"
)

// stageCheck rejects at one stage with a fixed verdict and records every
// stage it was asked about.
type stageCheck struct {
	stage   string // "connection", "sender" or "recipient"
	verdict mailwiki.Verdict

	mu    sync.Mutex
	asked []string
}

func (c *stageCheck) ask(stage, what string) mailwiki.Verdict {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked = append(c.asked, stage+" "+what)
	if stage == c.stage {
		return c.verdict
	}
	return mailwiki.Verdict{}
}

func (c *stageCheck) CheckConnection(_ context.Context, ci mailwiki.ConnInfo) mailwiki.Verdict {
	return c.ask("connection", ci.ConnID)
}

func (c *stageCheck) CheckSender(_ context.Context, _ mailwiki.SessionInfo, from string) mailwiki.Verdict {
	return c.ask("sender", from)
}

func (c *stageCheck) CheckRecipient(_ context.Context, _ mailwiki.SessionInfo, rcpt string) mailwiki.Verdict {
	return c.ask("recipient", rcpt)
}

func (c *stageCheck) calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.asked...)
}

// A rejection at each stage is the client's reply, code, enhanced code and
// sentence exactly, and nothing of the transaction is kept.
func TestDoorRejectsAtEachStage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		stage   string
		verdict mailwiki.Verdict
		want    string
	}{
		{"connection", mailwiki.Reject(554, [3]int{5, 7, 1}, "Your network is not allowed to send mail here", "blocked_network"),
			"554 5.7.1 Your network is not allowed to send mail here"},
		{"sender", mailwiki.Reject(550, [3]int{5, 7, 1}, "Sender not on this space's secure sender list", "sender_blocked"),
			"550 5.7.1 Sender not on this space's secure sender list"},
		{"recipient", mailwiki.Reject(450, [3]int{4, 2, 1}, "Mailbox busy, try again later", "busy"),
			"450 4.2.1 Mailbox busy, try again later"},
	}
	for _, tc := range cases {
		t.Run(tc.stage, func(t *testing.T) {
			t.Parallel()
			sp := newTestSpool(t)
			h := &fakeHandler{store: sp.deliver}
			check := &stageCheck{stage: tc.stage, verdict: tc.verdict}
			cfg := testConfig()
			cfg.Door = mailwiki.Checks{check, h.door()}
			c := dial(t, startServer(t, cfg, h))
			expect(t, "banner", c.reply(), "220 ")
			replies := []string{c.cmd("EHLO client.test"), c.cmd("MAIL FROM:<s@example.org>"),
				c.cmd("RCPT TO:<r@wiki.test>"), c.cmd("DATA")}
			if !contains(replies, tc.want) {
				t.Fatalf("replies %q, want one to be exactly %q", replies, tc.want)
			}
			if last := replies[len(replies)-1]; strings.HasPrefix(last, "354") {
				t.Fatalf("DATA accepted after the rejection: %q", replies)
			}
			expect(t, "QUIT", c.cmd("QUIT"), "221 ")
			if _, ds := h.calls(); len(ds) != 0 {
				t.Fatalf("handler got %d deliveries", len(ds))
			}
			if n := sp.files(t); n != 0 {
				t.Fatalf("spool holds %d files", n)
			}
			if rcpts, _ := h.calls(); len(rcpts) != 0 {
				t.Fatalf("the recipient lookup ran after a %s rejection: %q", tc.stage, rcpts)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// The chain runs in order and stops at the first rejection; the connection
// stage runs once per connection, also across STARTTLS-less re-EHLO.
func TestDoorChainOrder(t *testing.T) {
	t.Parallel()
	first := &stageCheck{}
	second := &stageCheck{stage: "sender", verdict: mailwiki.Reject(550, [3]int{5, 7, 1}, "No", "")}
	third := &stageCheck{}
	h := &fakeHandler{}
	cfg := testConfig()
	cfg.Door = mailwiki.Checks{first, nil, second, third, h.door()}
	c := dial(t, startServer(t, cfg, h))
	c.greet()
	expect(t, "EHLO again", c.cmd("EHLO client.test"), "250 ")
	expect(t, "MAIL", c.cmd("MAIL FROM:<s@example.org>"), "550 5.7.1 No")
	if got := first.calls(); len(got) != 2 || !strings.HasPrefix(got[0], "connection ") || got[1] != "sender s@example.org" {
		t.Fatalf("first check asked %q", got)
	}
	if got := second.calls(); len(got) != 2 {
		t.Fatalf("second check asked %q", got)
	}
	if got := third.calls(); len(got) != 1 {
		t.Fatalf("third check asked %q, want the connection only (the chain stops at the rejection)", got)
	}
}

// A refused connection may only QUIT (RFC 5321 §3.1); a 421 closes it.
func TestDoorConnectionRefusal(t *testing.T) {
	t.Parallel()
	t.Run("554 waits for QUIT", func(t *testing.T) {
		t.Parallel()
		check := &stageCheck{stage: "connection", verdict: mailwiki.Reject(554, [3]int{5, 7, 1}, "Go away", "")}
		cfg := testConfig()
		cfg.Door = check
		c := dial(t, startServer(t, cfg, &fakeHandler{}))
		expect(t, "banner", c.reply(), "220 ")
		expect(t, "EHLO", c.cmd("EHLO client.test"), "554 5.7.1 Go away")
		expect(t, "HELO", c.cmd("HELO client.test"), "554 5.7.1 Go away")
		expect(t, "MAIL", c.cmd("MAIL FROM:<s@example.org>"), "502 5.5.1 ")
		expect(t, "QUIT", c.cmd("QUIT"), "221 ")
		if got := check.calls(); len(got) != 1 {
			t.Fatalf("connection check ran %d times, want once", len(got))
		}
	})
	t.Run("421 closes", func(t *testing.T) {
		t.Parallel()
		cfg := testConfig()
		cfg.Door = &stageCheck{stage: "connection", verdict: mailwiki.Reject(421, [3]int{4, 7, 0}, "Too busy", "")}
		c := dial(t, startServer(t, cfg, &fakeHandler{}))
		expect(t, "banner", c.reply(), "220 ")
		c.send("EHLO client.test\r\n")
		if lines := c.rest(); len(lines) != 1 || lines[0] != "421 4.7.0 Too busy" {
			t.Fatalf("replies %q, want one 421 and the end of the connection", lines)
		}
	})
}

// Verdicts are sanitised at the edge: a code that is no refusal becomes a
// temporary failure, an enhanced code of the wrong class is replaced, and
// the sentence stays on one printable line.
func TestVerdictReply(t *testing.T) {
	t.Parallel()
	cases := []struct {
		v    mailwiki.Verdict
		want string
		ok   bool
	}{
		{mailwiki.Reject(550, [3]int{5, 1, 1}, "No such user", ""), "550 5.1.1 No such user", true},
		{mailwiki.Reject(250, [3]int{2, 0, 0}, "fine", ""), "451 4.3.0 Temporary failure, please retry later", false},
		{mailwiki.Reject(451, [3]int{5, 7, 1}, "mixed", ""), "451 4.0.0 mixed", true},
		{mailwiki.Reject(550, [3]int{}, "line\r\n250 injected", ""), "550 5.0.0 line  250 injected", true},
		{mailwiki.Reject(421, [3]int{4, 4, 5}, "", ""), "421 4.4.5 Temporary failure, please retry later", true},
	}
	for _, tc := range cases {
		r, ok := verdictReply(tc.v)
		e := r.EnhancedCode
		got := fmt.Sprintf("%d %d.%d.%d %s", r.Code, e[0], e[1], e[2], r.Message)
		if got != tc.want || ok != tc.ok {
			t.Errorf("verdictReply(%+v) = %q, %v; want %q, %v", tc.v, got, ok, tc.want, tc.ok)
		}
	}
}

// RecipientCheck translates the lookup's errors; a temporary one keeps its
// detail for the log only.
func TestRecipientCheck(t *testing.T) {
	t.Parallel()
	errs := map[string]error{
		"gone@wiki.test":       mailwiki.Errorf(mailwiki.ENOTFOUND, "no route"),
		"postmaster@wiki.test": mailwiki.Errorf(mailwiki.ENOTFOUND, "no route"),
		"down@wiki.test":       mailwiki.TempErrorf(mailwiki.EUNAVAILABLE, "tenant store at 10.0.0.5 down"),
		"odd@wiki.test":        errors.New("boom"),
	}
	rc := RecipientCheck(func(_ context.Context, rcpt string) (string, error) { return "", errs[rcpt] })
	want := map[string]string{
		"ok@wiki.test":         "",
		"gone@wiki.test":       "550 " + replyNoMailbox.Message,
		"postmaster@wiki.test": "550 " + replyNoPostmaster.Message,
		"down@wiki.test":       "451 " + replyTempFail.Message,
		"odd@wiki.test":        "451 " + replyTempFail.Message,
	}
	for rcpt, w := range want {
		v := rc.CheckRecipient(context.Background(), mailwiki.SessionInfo{}, rcpt)
		got := ""
		if v.Rejected() {
			got = fmt.Sprintf("%d %s", v.Code, v.Message)
		}
		if got != w {
			t.Errorf("%s: %q, want %q", rcpt, got, w)
		}
		if v.Temporary() && v.Err == nil {
			t.Errorf("%s: a temporary verdict without its cause for the log", rcpt)
		}
		if strings.Contains(v.Message, "10.0.0.5") {
			t.Errorf("%s: internal detail in the client's sentence: %q", rcpt, v.Message)
		}
	}
}

// One transaction holds one group's recipients (a tenant's): another
// group's recipient is answered 452 4.5.3 and the transaction goes on; a
// new transaction may start with the other group.
func TestRecipientOfAnotherGroupIsDeferred(t *testing.T) {
	t.Parallel()
	h := &fakeHandler{groups: map[string]string{"a@wiki.test": "site-a", "a2@wiki.test": "site-a", "b@wiki.test": "site-b"}}
	cfg := testConfig()
	cfg.Door = h.door()
	c := dial(t, startServer(t, cfg, h))
	c.greet()
	expect(t, "MAIL", c.cmd("MAIL FROM:<s@example.org>"), "250 ")
	expect(t, "RCPT a", c.cmd("RCPT TO:<a@wiki.test>"), "250 ")
	expect(t, "RCPT b", c.cmd("RCPT TO:<b@wiki.test>"), "452 4.5.3 ")
	expect(t, "RCPT a2", c.cmd("RCPT TO:<a2@wiki.test>"), "250 ")
	expect(t, "RSET", c.cmd("RSET"), "250 ")
	expect(t, "MAIL", c.cmd("MAIL FROM:<s@example.org>"), "250 ")
	expect(t, "RCPT b alone", c.cmd("RCPT TO:<b@wiki.test>"), "250 ")
}
