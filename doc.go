// Package mailwiki holds the domain vocabulary of mailwiki: the types and
// interfaces that every adapter (SMTP server, spool, queue, Confluence client,
// converter) speaks. It imports only the standard library.
//
// The flow of one message:
//
//	SMTP (internal/smtpd) → door checks → encrypted spool (internal/spool) + job row → 250
//	queue (internal/job) → parse (internal/mailparse) → convert (internal/convert)
//	→ publish (internal/confluence) → delete spool object
//
// Adapters never import each other; internal/app wires them together.
package mailwiki
