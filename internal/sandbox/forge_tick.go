package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/mailwiki/mailwiki"
)

// ForgeTick fires the installation's scheduled trigger now, as the site
// reached at installation: a POST of {context {cloudId, moduleKey},
// contextToken} to the tick path with a FIT and the system token (reused
// while it has 2 hours left, else a new one). A failure is not retried,
// as on Forge; it is returned.
func (s *Sandbox) ForgeTick(installationID string) error {
	in, err := s.installedForge(installationID)
	if err != nil {
		return fmt.Errorf("sandbox: tick: %w", err)
	}
	return s.tick(context.Background(), in, in.Origin)
}

func (s *Sandbox) tick(ctx context.Context, in forgeInstall, origin string) error {
	body, _ := json.Marshal(s.triggerBody(forgeTickTriggerKey))
	a, err := s.deliver(ctx, forgeCall{in: in, origin: origin, method: http.MethodPost, path: in.Endpoints.Tick,
		body: body, module: backendModule(forgeTickKey), timeout: forgeEventTimeout})
	if err == nil && a.ok() {
		return nil
	}
	return fmt.Errorf("sandbox: scheduled trigger of installation %s: %w", in.ID,
		mailwiki.Errorf(mailwiki.EINTERNAL, "The remote did not accept the scheduled trigger: %v", describeFailure(a, err)))
}

// forgeTickHandler serves POST /sandbox/forge/apps/{installationId}/tick
// (site administrator; ?times=N fires N times in a row, 1 to 10, to play
// Forge's duplicates): 204 when the remote accepted every trigger, 502
// (v1 body) at the first it did not, 404 for an installation not
// installed.
func (s *Sandbox) forgeTickHandler(w http.ResponseWriter, r *http.Request) {
	if !s.requireSiteAdmin(w, r) {
		return
	}
	times := 1
	if raw := r.URL.Query().Get("times"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 10 {
			writeStatus(w, v1, http.StatusBadRequest, "times must be an integer from 1 to 10", nil)
			return
		}
		times = n
	}
	in, err := s.installedForge(r.PathValue("installationId"))
	if err != nil {
		s.writeError(w, v1, err)
		return
	}
	for range times {
		if err := s.tick(r.Context(), in, siteOrigin(r)); err != nil {
			writeStatus(w, v1, http.StatusBadGateway, mailwiki.ErrorMessage(err), err)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}
