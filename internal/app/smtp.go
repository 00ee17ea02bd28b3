package app

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/pipeline"
	"github.com/mailwiki/mailwiki/internal/smtpd"
	"github.com/mailwiki/mailwiki/internal/tenant"
)

// smtpHandler adapts the accept use case to the SMTP server's Handler seam.
type smtpHandler struct{ a *pipeline.Acceptor }

func (h smtpHandler) Recipient(ctx context.Context, _ smtpd.SessionInfo, rcpt string) error {
	return h.a.Recipient(ctx, rcpt)
}

func (h smtpHandler) Deliver(ctx context.Context, env *mailwiki.Envelope, body io.Reader) error {
	return h.a.Accept(ctx, env, body)
}

func (m *Main) startSMTP(tenants *tenant.Static) error {
	c := m.Config.SMTP
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
	}
	if c.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCertFile, c.TLSKeyFile)
		if err != nil {
			return fmt.Errorf("smtp.tls_cert_file/tls_key_file: %w", err)
		}
		cfg.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	acc := &pipeline.Acceptor{Spool: m.spool, Queue: m.queue, Tenants: tenants, Now: m.Now, Logger: m.Logger}
	srv, err := smtpd.New(cfg, smtpHandler{acc}, m.Logger, m.metrics)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return fmt.Errorf("smtp.listen %s: %w", c.Listen, err)
	}
	m.smtp, m.smtpLn = srv, ln
	m.smtpServer.Store(srv)
	go func() {
		if err := srv.Serve(ln); err != nil {
			m.Logger.Info("smtp server stopped", "reason", err.Error())
		}
	}()
	return nil
}
