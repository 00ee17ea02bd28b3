package mailparse

import (
	"mime"
	"net/textproto"
	"strings"

	"github.com/jhillyerd/enmime/v2"
)

// isAutomatic reports whether a message was sent by a machine in reply to
// another message: an auto-reply (RFC 3834 and its common vendor headers) or
// a delivery or disposition report (RFC 3464, RFC 8098). X-Auto-Response-
// Suppress alone is not a sign: Outlook sets it on ordinary mail.
func isAutomatic(root *enmime.Part) bool {
	if root == nil {
		return false
	}
	h := root.Header
	return autoSubmitted(h) ||
		h.Get("X-Autoreply") != "" ||
		h.Get("X-Autorespond") != "" ||
		automaticPrecedence(h.Get("Precedence")) ||
		isReport(h.Get("Content-Type")) ||
		(fromDaemon(h.Get("From")) && hasDeliveryStatus(root))
}

// autoSubmitted implements RFC 3834 section 5: any Auto-Submitted value other
// than "no" marks automatic mail.
func autoSubmitted(h textproto.MIMEHeader) bool {
	vals, ok := h[textproto.CanonicalMIMEHeaderKey("Auto-Submitted")]
	if !ok {
		return false
	}
	for _, v := range vals {
		kw := strings.ToLower(strings.TrimSpace(strings.SplitN(v, ";", 2)[0]))
		if kw != "no" {
			return true
		}
	}
	return false
}

// automaticPrecedence reports the Precedence values that mailing-list and
// vacation software use for mail that must not be answered.
func automaticPrecedence(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "auto_reply", "bulk", "junk":
		return true
	}
	return false
}

// isReport reports a multipart/report whose report-type is a delivery status
// (RFC 3464, RFC 6533) or a disposition notification (RFC 8098).
func isReport(contentType string) bool {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/report" {
		return false
	}
	switch strings.ToLower(params["report-type"]) {
	case "delivery-status", "global-delivery-status", "disposition-notification":
		return true
	}
	return false
}

// fromDaemon reports a From header naming the mail system itself.
func fromDaemon(from string) bool {
	from = strings.ToLower(from)
	return strings.Contains(from, "mailer-daemon") || strings.Contains(from, "postmaster")
}

// hasDeliveryStatus reports whether any part is a machine-readable delivery
// status notification.
func hasDeliveryStatus(root *enmime.Part) bool {
	return root.DepthMatchFirst(func(p *enmime.Part) bool {
		switch p.ContentType {
		case "message/delivery-status", "message/global-delivery-status":
			return true
		}
		return false
	}) != nil
}
