// Package mailwiki holds the domain vocabulary of mailwiki: the types every
// part speaks (Envelope, Message, Draft, Tenant, Delivery, Error, Verdict)
// and the ports the use cases need (Publisher, MessageStore, DeliveryStore,
// Notifier, TenantService, TenantHealth, Check). It imports only the
// standard library.
//
// The flow of one message:
//
//	SMTP (internal/smtpd) → door checks (Check) → encrypted spool (MessageStore) + job row → 250
//	queue (internal/job) → parse (internal/mailparse) → convert (internal/convert)
//	→ publish (Publisher, internal/confluence) → finish the job → delete the spool object
//
// Adapters implement the ports and never import each other; internal/app
// wires them together (the layering is checked in CI by depguard, see
// .golangci.yaml).
package mailwiki
