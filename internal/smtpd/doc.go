// Package smtpd is mailwiki's SMTP front door, built on emersion/go-smtp
// v0.25.1. It validates the envelope, asks the Handler about each recipient,
// streams DATA to Handler.Deliver and answers 250 only when Deliver has made
// the message durable. Errors are translated into SMTP replies here and only
// here; a client never sees internal detail.
//
// # What go-smtp v0.25.1 does not do, and how this package closes each gap
//
// Measured against go-smtp directly on loopback before writing this package;
// every gap has a regression test speaking raw SMTP lines.
//
//  1. Its read deadline is set once per command line and not refreshed during
//     DATA. trackedConn (under TLS, wrapping the accepted socket) moves the
//     deadline forward by DataTimeout on every read while a message is being
//     received, until its reply is written.
//  2. After a read error inside DATA (e.g. that deadline) go-smtp answers 554
//     quoting the error and then executes the rest of the body as commands:
//     an injected MAIL/RCPT/DATA was accepted as a second message (upstream
//     issue #196). trackedConn poisons itself on the first read error: every
//     later read fails, so go-smtp writes one reply (421 4.4.2 for a
//     timeout) and closes. The error text never names addresses or syscalls.
//  3. No connection cap. limitListener enforces MaxConnections and
//     MaxConnectionsPerIP before go-smtp sees a connection; over the cap it
//     answers 421 4.7.0 and closes.
//  4. Envelope addresses: go-smtp passes non-ASCII addresses without SMTPUTF8
//     (MailOptions.UTF8 false), accepts any domain text (<x@-->), unquotes
//     quoted local parts and strips source routes. SMTPUTF8 is enabled
//     (go-smtp refuses the parameter otherwise) and Mail/Rcpt validate:
//     non-ASCII only with SMTPUTF8 (553 5.6.7), local part dot-atom or
//     quoted string, domain an LDH hostname with a non-numeric top label, an
//     IDN (with SMTPUTF8) or an address literal (501 5.1.3). <> is allowed
//     as reverse path.
//  5. Bare CR / bare LF. go-smtp ends DATA only on <CR><LF>.<CR><LF>, so the
//     smuggling sequences of the December 2023 advisories (<LF>.<LF>,
//     <LF>.<CR><LF>, <CR>.<CR>, <CR><LF>.<LF>, ...) do not end the message:
//     they and everything after them reach the backend as content (a bare
//     <LF> after a dot-stuffed line even loses its dot). A message containing
//     a bare CR or LF is refused with 550 5.6.0 and the connection is closed
//     after the reply, as Postfix does with smtpd_forbid_bare_newline.
//     Known blind spot: go-smtp silently drops "." "<CR>" at the start of a
//     line when the next byte is not <LF>, so that one bare CR never reaches
//     us; it cannot end the message either.
//  6. Size: go-smtp refuses a message of exactly MaxMessageBytes. body
//     enforces the exact limit (552 5.3.4); go-smtp's own limit is set one
//     byte higher (its SIZE advertisement is therefore one byte generous).
//
// Also: at most MaxRecipients accepted recipients (452 4.5.3; duplicates
// count once), idle ReadTimeout between commands (421 4.4.2 from go-smtp),
// and every refusal logged with conn_id, SMTP code and reason and counted in
// metrics.
//
// Known limits: BDAT (CHUNKING, always advertised by go-smtp) gets the
// poisoning of point 2, but a timeout inside a chunk is answered with
// go-smtp's 554 rather than 421 before the connection closes. A refused
// oversized message is drained by go-smtp to its end without a size bound
// (the moving deadline still applies).
//
// # Replies
//
//	ENOTFOUND (permanent)          550 5.1.1 Recipient address rejected: no such mailbox here
//	ETOOLARGE (permanent)          552 5.3.4 Message too big for system
//	EINVALID (permanent)           550 5.6.0 <the error's safe message>
//	other permanent *mailwiki.Error 554 5.0.0 <the error's safe message>
//	temporary or unknown error     451 4.3.0 Temporary failure, please retry later
//	accepted                       250 2.0.0 Ok: queued as <queue id>
package smtpd
