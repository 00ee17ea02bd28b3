package msgauth

import (
	"context"
	"net"
	"strings"
)

// fqdnResolver asks for every name as an absolute one (with a trailing
// dot), so that a failed lookup never falls back to the resolver's search
// list: "example.com" must not become "example.com.corp.internal". It
// satisfies spf.DNSResolver.
type fqdnResolver struct{ r *net.Resolver }

func (f fqdnResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	return f.r.LookupTXT(ctx, absolute(name))
}

func (f fqdnResolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	return f.r.LookupMX(ctx, absolute(name))
}

func (f fqdnResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	return f.r.LookupIPAddr(ctx, absolute(host))
}

func (f fqdnResolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	return f.r.LookupAddr(ctx, addr)
}

// lookupTXT returns a TXT lookup bound to ctx in the shape go-msgauth's
// dkim and dmarc packages take. Errors are returned unwrapped: those
// packages tell temporary failures by asserting *net.DNSError.
func (c *Checker) lookupTXT(ctx context.Context) func(string) ([]string, error) {
	f := c.dns()
	return func(name string) ([]string, error) { return f.LookupTXT(ctx, name) }
}

// dnsResolver is what SPF, DKIM and DMARC ask (spf.DNSResolver).
type dnsResolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

// dns returns the Checker's resolver, through its Cache when it has one.
func (c *Checker) dns() dnsResolver {
	f := fqdnResolver{c.resolver()}
	if c.Cache != nil {
		return cachedResolver{r: f, c: c.Cache}
	}
	return f
}

func absolute(name string) string {
	if strings.HasSuffix(name, ".") {
		return name
	}
	return name + "."
}
