package app

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/config"
	"github.com/mailwiki/mailwiki/internal/pipeline"
	"github.com/mailwiki/mailwiki/internal/smtpd"
	"github.com/mailwiki/mailwiki/internal/tlscert"
)

// smtpHandler adapts the accept use case to the SMTP server's Handler seam.
type smtpHandler struct{ a *pipeline.Acceptor }

func (h smtpHandler) Deliver(ctx context.Context, env *mailwiki.Envelope, body io.Reader) error {
	return h.a.Accept(ctx, env, body)
}

// smtpConfig maps the smtp section of the configuration onto the server's
// own configuration; door is the chain of checks run at each SMTP stage and
// certs, nil without smtp.tls_cert_file, serves the TLS certificate.
func smtpConfig(c config.SMTP, door mailwiki.Check, certs *tlscert.Reloader) smtpd.Config {
	cfg := smtpd.Config{
		Addr:                     c.Listen,
		Domain:                   c.Domain,
		MaxMessageBytes:          c.MaxMessageBytes,
		MaxRecipients:            c.MaxRecipients,
		MaxLineLength:            c.MaxLineLength,
		ReadTimeout:              c.ReadTimeout,
		WriteTimeout:             c.WriteTimeout,
		DataTimeout:              c.DataTimeout,
		MaxConnections:           c.MaxConnections,
		MaxConnectionsPerIP:      c.MaxConnectionsPerIP,
		ImplicitTLSAddr:          c.ImplicitTLSListen,
		RequireTLS:               c.RequireTLS,
		MaxConnectionsPerNetwork: c.MaxConnectionsPerNetwork,
		ReservedConnections:      c.ReservedConnections,
		MaxConnectionRatePerIP:   c.MaxConnectionRatePerIP,
		MaxMessageRatePerIP:      c.MaxMessageRatePerIP,
		MaxSessionTime:           c.MaxSessionTime,
		MaxMessageTime:           c.MaxMessageTime,
		MaxJunkCommands:          c.MaxJunkCommands,
		SoftErrorLimit:           c.SoftErrorLimit,
		HardErrorLimit:           c.HardErrorLimit,
		ErrorDelay:               c.ErrorDelay,
		Door:                     door,
	}
	if certs != nil {
		cfg.TLSConfig = &tls.Config{GetCertificate: certs.GetCertificate, MinVersion: tls.VersionTLS12}
	}
	return cfg
}

// openCerts loads smtp.tls_cert_file and tls_key_file, when set, into a
// Reloader kept in m.certs (closed by Close): a certificate renewed on disk
// is served from the next handshake a few seconds later, without a restart.
func (m *Main) openCerts() (*tlscert.Reloader, error) {
	c := m.Config.SMTP
	if c.TLSCertFile == "" {
		return nil, nil
	}
	certs, err := tlscert.New(c.TLSCertFile, c.TLSKeyFile, tlscert.Options{Now: m.Now,
		Logger: m.Logger.With("component", "tls")})
	if err != nil {
		return nil, fmt.Errorf("smtp.tls_cert_file/tls_key_file: %w", err)
	}
	m.certs = certs
	return certs, nil
}

// startSMTP builds the SMTP server with its door (see door.go) and opens
// its listeners: smtp.listen and, when set,
// smtp.implicit_tls_listen.
func (m *Main) startSMTP(tenants mailwiki.TenantService) error {
	acc := m.acceptor(tenants)
	door, err := m.door(acc)
	if err != nil {
		return err
	}
	certs, err := m.openCerts()
	if err != nil {
		return err
	}
	srv, err := smtpd.New(smtpConfig(m.Config.SMTP, door, certs), smtpHandler{acc}, m.Logger, m.metrics)
	if err != nil {
		return err
	}
	if err := srv.Open(); err != nil {
		return err
	}
	m.smtp = srv
	m.smtpServer.Store(srv)
	return nil
}

// SMTPImplicitTLSAddr is the bound implicit-TLS SMTP address ("" when
// smtp.implicit_tls_listen is not set, or before Run).
func (m *Main) SMTPImplicitTLSAddr() string {
	if m.smtp == nil || m.smtp.ImplicitTLSAddr() == nil {
		return ""
	}
	return m.smtp.ImplicitTLSAddr().String()
}
