// Package smtpd is mailwiki's SMTP front door, built on emersion/go-smtp
// v0.26.0. It owns its listeners (Open binds the plain one and the optional
// implicit-TLS one, Addr and ImplicitTLSAddr report them, Shutdown stops
// both), validates the envelope, runs the door (Config.Door, a
// mailwiki.Check: connection, MAIL FROM, RCPT TO), streams the message to
// Handler.Deliver and answers 250 only when Deliver has made it durable.
// Errors and verdicts are translated into SMTP replies here and only here; a
// client never sees internal detail.
//
// # The door
//
// Each stage asks Config.Door, usually a mailwiki.Checks chain run in order
// up to the first rejection, whose verdict is the stage's reply (code,
// enhanced code and sentence as given; a code that is not 4xx/5xx becomes
// 451 4.3.0). The connection stage runs once, at the first EHLO/HELO (go-smtp
// has no hook before its greeting); a refused client gets the refusal to
// every EHLO/HELO and 502 5.5.1 to MAIL until it quits, and a 421 closes the
// connection. A sender refused at MAIL opens no transaction; a recipient
// refused at RCPT is not added. Nothing reaches the Handler, so nothing is
// spooled. RecipientCheck turns a recipient lookup (ENOTFOUND and friends)
// into a check; app puts it last in the chain.
//
// # Postmaster
//
// Since v0.26.0 go-smtp passes RCPT TO:<Postmaster> without a domain (RFC
// 5321 §4.1.1.3) to the backend. It is taken as postmaster@Domain (the
// greeting name); the local part postmaster is lower-cased in any domain
// (§4.5.1: case-insensitive). It is then looked up as any address: mail for
// it is published where the operator routes postmaster@<smtp.domain> (add it
// to a tenant's addresses, e.g. an operations space), and refused otherwise
// with 550 5.1.1 "Recipient address rejected: this server publishes mail to a
// wiki and has no postmaster mailbox; reach its operator by other means".
// §4.5.1 asks every server to accept postmaster mail: routing it is how an
// operator complies. <Postmaster> is not a valid reverse path (501).
//
// # What go-smtp v0.26.0 does not do, and how this package closes each gap
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
//  3. No connection cap. limitListener enforces the caps and the connection
//     rate (see Abuse limits) before go-smtp sees a connection; over them it
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
//  7. BDAT truncation. go-smtp copies a chunk through an io.LimitReader,
//     which takes an early end of stream for the chunk's end: BDAT 1000 LAST,
//     72 bytes and a hang-up were answered 250 and the cut body published.
//     trackedConn reports the client's end of stream as an error (wrapping
//     net.ErrClosed, so an idle hang-up stays quiet): go-smtp abandons the
//     chunk and the handler sees a read error, so nothing is kept.
//     Known blind spot: over TLS, a client that ends the TLS session
//     (close_notify) in the middle of a chunk is reported by crypto/tls as a
//     clean io.EOF above trackedConn, which go-smtp still takes for the end
//     of the chunk. A network failure or a dead client (no close_notify) is
//     caught. The fix belongs upstream: compare the bytes copied with the
//     declared size.
//  8. Two replies to one error. After a too long line in DATA go-smtp wrote
//     our 500 and then, its line reader still over the limit, a second 500 of
//     its own. A DATA refusal that closes the connection now shuts the write
//     side right after its reply (trackedConn.hangUpAfterReply): the client
//     reads exactly one reply, then the end of the stream.
//
// Also: at most MaxRecipients accepted recipients (452 4.5.3; duplicates
// count once), idle ReadTimeout between commands (421 4.4.2 from go-smtp),
// and every refusal logged with conn_id, SMTP code and reason and counted in
// metrics.
//
// Known limits: BDAT (CHUNKING, always advertised by go-smtp) gets the
// poisoning of point 2 and the truncation check of point 7, but a timeout
// inside a chunk is answered with go-smtp's 554 rather than 421 before the
// connection closes. A refused
// oversized message is drained by go-smtp to its end without a size bound
// (the moving deadline still applies).
//
// # Abuse limits
//
// Each a Config field (defaults in config.go), each refusal counted through
// Recorder with its reason and logged with conn_id and SMTP code:
//
//   - Connections (limit.go): MaxConnections (200), MaxConnectionsPerIP
//     (20; it was 50, and four addresses then held all 200 slots),
//     MaxConnectionsPerNetwork (100; IPv4 /24, IPv6 /64) and
//     ReservedConnections (0 = 20% of MaxConnections): once MaxConnections −
//     ReservedConnections are open, only a network holding fewer than 2
//     connections is admitted, so that one group of clients cannot take the
//     last slots. Refused: 421 4.7.0 with a sentence naming the cap
//     (too_many_connections).
//   - Rates per client IP address (ratelimit.go, golang.org/x/time/rate):
//     MaxConnectionRatePerIP (60 a minute; 421 4.7.0 at connect) and
//     MaxMessageRatePerIP (120 MAIL commands accepted a minute; 451 4.7.1 at
//     MAIL), both rate_limited, each bucket holding one minute's worth. Off
//     (-1) turns a rate off. The table forgets idle addresses and is bounded
//     (16384 addresses; a flood of distinct ones evicts at random).
//   - MaxSessionTime (15m): past it the next command, or the idle wait for
//     one, is answered 421 4.4.2 and the connection closed (session_limit);
//     a message being received finishes first.
//   - MaxMessageTime (15m): receiving one message (DATA or BDAT, start to
//     end) is bounded besides the DataTimeout of inactivity; a client
//     dripping bytes is cut with 421 4.4.2 (timeout) and the handler sees a
//     read error, so nothing is kept.
//   - Errors and junk, as Postfix's smtpd_*_limit (session_limits.go): every
//     4xx/5xx reply to a command is an error (an unknown recipient's 550
//     5.1.1 too); NOOP, RSET, VRFY, HELP, EXPN and unknown commands are junk,
//     and each one past MaxJunkCommands (100) counts as an error. Once
//     SoftErrorLimit (10) errors were made, each further reply is sent after
//     ErrorDelay (1s, as smtpd_error_sleep_time): a recipient prober gets one
//     answer a second. After HardErrorLimit (20) errors the next command is
//     answered 421 4.7.0 and the connection closed (too_many_errors).
//     go-smtp answers junk commands and its own errors without a hook, and
//     after STARTTLS the socket carries only TLS records; so each connection
//     gets a go-smtp Server of its own whose Debug writer sees every reply
//     line above TLS, and go-smtp's per-command read deadline and per-reply
//     write deadline (which reach trackedConn through TLS) mark commands and
//     replies. Junk commands are recognized by go-smtp v0.26.0's fixed reply
//     texts (TestJunkCommandsCountAsErrors pins them). go-smtp also closes
//     by itself after 4 unknown or unparsable commands ("500 5.5.1 Too many
//     errors").
//
// Replies to commands that were already buffered (pipelined) when a session
// is ended are not sent, and those commands open no transaction.
//
// # TLS
//
// STARTTLS is offered when Config.TLSConfig is set; Config.ImplicitTLSAddr
// adds an implicit-TLS listener (RFC 8314 §3.3). With Config.RequireTLS, MAIL
// on a connection that has not negotiated TLS is refused with 530 5.7.0 "Must
// issue a STARTTLS command first" (RFC 3207 §4) and opens no transaction;
// Validate refuses RequireTLS without TLSConfig.
//
// # Replies
//
//	door verdict                   its code, enhanced code and sentence
//	ENOTFOUND (permanent)          550 5.1.1 Recipient address rejected: no such mailbox here
//	ENOTFOUND for postmaster       550 5.1.1 (the sentence of the Postmaster section)
//	ETOOLARGE (permanent)          552 5.3.4 Message too big for system
//	EINVALID (permanent)           550 5.6.0 <the error's safe message>
//	other permanent *mailwiki.Error 554 5.0.0 <the error's safe message>
//	temporary or unknown error     451 4.3.0 Temporary failure, please retry later
//	MAIL without TLS (RequireTLS)  530 5.7.0 Must issue a STARTTLS command first
//	accepted                       250 2.0.0 Ok: queued as <queue id>
package smtpd
