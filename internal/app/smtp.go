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
)

// smtpHandler adapts the accept use case to the SMTP server's Handler seam.
type smtpHandler struct{ a *pipeline.Acceptor }

func (h smtpHandler) Deliver(ctx context.Context, env *mailwiki.Envelope, body io.Reader) error {
	return h.a.Accept(ctx, env, body)
}

// smtpConfig maps the smtp section of the configuration onto the server's
// own configuration; door is the chain of checks run at each SMTP stage.
func smtpConfig(c config.SMTP, door mailwiki.Check) (smtpd.Config, error) {
	cfg := smtpd.Config{
		Addr:                c.Listen,
		Domain:              c.Domain,
		MaxMessageBytes:     c.MaxMessageBytes,
		MaxRecipients:       c.MaxRecipients,
		MaxLineLength:       c.MaxLineLength,
		ReadTimeout:         c.ReadTimeout,
		WriteTimeout:        c.WriteTimeout,
		DataTimeout:         c.DataTimeout,
		MaxConnections:      c.MaxConnections,
		MaxConnectionsPerIP: c.MaxConnectionsPerIP,
		ImplicitTLSAddr:     c.ImplicitTLSListen,
		Door:                door,
	}
	if c.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCertFile, c.TLSKeyFile)
		if err != nil {
			return cfg, fmt.Errorf("smtp.tls_cert_file/tls_key_file: %w", err)
		}
		cfg.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	return cfg, nil
}

// startSMTP builds the SMTP server with its door (today the recipient lookup
// alone) and opens its listeners: smtp.listen and, when set,
// smtp.implicit_tls_listen.
func (m *Main) startSMTP(tenants mailwiki.TenantService) error {
	acc := &pipeline.Acceptor{Spool: m.messageStore(), Queue: m.queue, Tenants: tenants, Now: m.Now, Logger: m.Logger}
	door := mailwiki.Checks{smtpd.RecipientCheck(acc.Recipient)}
	cfg, err := smtpConfig(m.Config.SMTP, door)
	if err != nil {
		return err
	}
	srv, err := smtpd.New(cfg, smtpHandler{acc}, m.Logger, m.metrics)
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
