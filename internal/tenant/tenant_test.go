package tenant_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/sandbox"
	"github.com/mailwiki/mailwiki/internal/tenant"
)

func TestRoutesAndCredentials(t *testing.T) {
	t.Parallel()
	sb, _ := sandbox.New(sandbox.Options{})
	sb.SeedDemo()
	sb.AddPersonalAccessToken("pat-123")
	srv := httptest.NewServer(sb)
	defer srv.Close()
	site := func(id, flavor string) mailwiki.Tenant {
		return mailwiki.Tenant{ID: id, BaseURL: srv.URL + "/wiki", Flavor: flavor}
	}
	s := tenant.NewStatic([]tenant.Declared{
		{Tenant: site("cloud", mailwiki.FlavorCloud), Email: sandbox.DemoUser, APIToken: sandbox.DemoToken,
			Routes: []mailwiki.Route{{Address: "Docs@Wiki.Example.com", SpaceKey: "DEMO"}}},
		{Tenant: site("dc", mailwiki.FlavorDataCenter), PersonalAccessToken: "pat-123",
			Routes: []mailwiki.Route{{Address: "hr@wiki.example.com", SpaceKey: "HR"}}},
		{Tenant: site("wrong", mailwiki.FlavorCloud), Email: sandbox.DemoUser, APIToken: "nope"},
	}, nil)
	ctx := context.Background()

	r, err := s.Route(ctx, "docs@WIKI.example.com")
	if err != nil || r.TenantID != "cloud" || r.SpaceKey != "DEMO" {
		t.Fatalf("Route = %+v, %v", r, err)
	}
	if _, err := s.Route(ctx, "nobody@wiki.example.com"); mailwiki.ErrorCode(err) != mailwiki.ENOTFOUND {
		t.Fatalf("unknown address: %v, want not_found", err)
	}
	for id, want := range map[string]int{"cloud": 200, "dc": 200, "wrong": 401} {
		tn, err := s.Tenant(ctx, id)
		if err != nil || tn.Mode != mailwiki.ModeToken {
			t.Fatalf("Tenant(%s) = %+v, %v", id, tn, err)
		}
		hc, err := s.HTTPClient(ctx, tn)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := hc.Get(tn.BaseURL + "/rest/api/space/DEMO")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s credentials: status %d, want %d", id, resp.StatusCode, want)
		}
	}
	if _, err := s.Tenant(ctx, "ghost"); mailwiki.ErrorCode(err) != mailwiki.ENOTFOUND {
		t.Fatalf("unknown tenant: %v", err)
	}
}
