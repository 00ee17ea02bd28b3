// Package greylist is a door check (mailwiki.Check) that greylists at RCPT
// TO, as RFC 6647 describes: a delivery attempt whose triplet (client
// network, MAIL FROM, RCPT TO) has not been seen recently is refused with a
// temporary error, which a real mail server retries and most spam software
// does not.
//
// # Behaviour
//
// The client network is the client address's IPv4 /24 or IPv6 /64 (RFC 6647
// §2.1 recommends grouping: a large sender retries from another address of
// the same pool). For each RCPT TO:
//
//   - a triplet seen for the first time is remembered as pending and
//     refused with 451 4.7.1 "Greylisted: please retry in N minutes" (seconds under a minute), N
//     the minutes left of Options.Delay (default 5 min), reason
//     "greylisted";
//   - a retry before the delay has passed is refused the same way, the
//     first sighting kept (retrying early does not restart the delay);
//   - a retry after the delay, while the pending triplet is still kept
//     (Options.PendingTTL, default 4 h after the first sighting), passes,
//     and the triplet is confirmed;
//   - a confirmed triplet passes for Options.Keep (default 36 days) after
//     its last use: every pass renews it (RFC 6647 §2.2's auto-allowlist);
//   - a pending triplet older than PendingTTL or a confirmed one unused for
//     Keep is forgotten: the next attempt starts over.
//
// Clients in Options.Allow (CIDRs such as 192.0.2.0/24, or single
// addresses) always pass, and take no memory.
//
// The null reverse path <> (bounces, RFC 5321 §4.5.5) is greylisted like
// any sender by default: real servers retry bounces as they retry any
// message, and spam sent as fake bounces is common. Options.PassNullSender
// lets it through instead, for sites that send mail and rely on sender
// verification callouts (which do not retry) reaching them.
//
// Place the check after the recipient lookup in the door's chain, so that
// mail for unknown recipients is refused for good (550) rather than
// greylisted, and takes no memory.
//
// # Memory and privacy
//
// The triplet is kept only as its SHA-256 hash, salted with 32 random bytes
// drawn by New: no address is held in plaintext, and the salt keeps the
// hashes from being matched against hashes of known addresses. MAIL FROM,
// which go-smtp's session gives the check at the MAIL stage and not at
// RCPT, is kept meanwhile as a salted hash per connection id, for at most
// an hour. All state is in memory and lost on restart (every sender is then
// greylisted once more, which RFC 6647 §4 accepts).
//
// At most Options.MaxEntries triplets (default 100,000) are kept. When a new
// one would exceed that, expired entries are dropped first, then the oldest
// pending triplet; only when none is pending is the least recently used
// confirmed triplet dropped.
//
// A Greylist is safe for concurrent use: one mutex guards its state, held
// for a map lookup and a few list operations per call.
package greylist
