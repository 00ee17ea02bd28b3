// Package tlscert supplies the SMTP server's TLS certificate: a Reloader
// that serves a PEM certificate and key pair through tls.Config's
// GetCertificate and picks up a renewed pair from disk without a restart,
// and SelfSigned, which makes (or reuses) a self-signed pair for the demo.
//
// Reloading. A Reloader reads both files when it is made and fails if they
// do not form a pair. Afterwards, at most once per Options.Interval (default
// DefaultInterval), a handshake that asks for the certificate reads both
// files again and compares a SHA-256 hash of their contents with the last
// ones it saw: a content hash, rather than mtime, size and inode, also
// notices a pair rewritten in place within one mtime tick and with the same
// size (renewed ECDSA certificates often have it). A changed pair is parsed
// with tls.X509KeyPair; on success it is served from that handshake on, on
// failure (a half-written file, a key that does not match the certificate,
// a certificate renewed before its key) the last good pair stays in service,
// one error is logged, and the files are tried again at the next check
// until they change into a good pair. Certificate managers that write the
// two files one after the other (certbot, cert-manager) therefore cause at
// most one logged error and no failed handshake.
//
// The check runs in the handshake, under a mutex: no goroutine, and a test
// advances an injected clock instead of sleeping. Reading two small files
// every few seconds costs microseconds.
//
// Sources: crypto/tls (Config.GetCertificate, X509KeyPair; Go 1.23 fills
// Certificate.Leaf), crypto/x509 (CreateCertificate), RFC 5280 (certificate
// profile: subjectAltName §4.2.1.6, keyUsage §4.2.1.3), RFC 8314 (implicit
// TLS for mail submission) and RFC 3207 (STARTTLS for SMTP).
package tlscert
