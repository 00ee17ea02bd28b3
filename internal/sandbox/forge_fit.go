package sandbox

import (
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Forge invocation tokens (FIT): what Forge sends as "Authorization: Bearer"
// with every call to a remote. RS256 with a kid the JWKS serves; claims as
// the Forge Remote contract documents them (see doc.go).
const (
	fitIssuer = "forge/invocation-token"
	fitTTL    = 25 * time.Second
)

// fitClaims are the claims of a FIT. Audience is a plain string, as in
// Atlassian's example tokens; it shadows the embedded array form.
type fitClaims struct {
	jwt.RegisteredClaims
	Audience  string      `json:"aud"`
	App       fitApp      `json:"app"`
	Context   *fitContext `json:"context,omitempty"`
	Principal string      `json:"principal,omitempty"`
}

type fitApp struct {
	ID             string          `json:"id"`
	Version        string          `json:"version"`
	AppVersion     string          `json:"appVersion"`
	InstallationID string          `json:"installationId"`
	APIBaseURL     string          `json:"apiBaseUrl"`
	Environment    fitEnvironment  `json:"environment"`
	Module         fitModule       `json:"module"`
	Installation   fitInstallation `json:"installation"`
}

type fitEnvironment struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type fitModule struct {
	Type string `json:"type"`
	Key  string `json:"key"`
}

type fitInstallation struct {
	ID       string              `json:"id"`
	Contexts []fitInstallContext `json:"contexts"`
}

type fitInstallContext struct {
	Name       string `json:"name"`
	APIBaseURL string `json:"apiBaseUrl"`
	CloudID    string `json:"cloudId"`
}

// fitContext is the context of a UI (frontend) invocation.
type fitContext struct {
	LocalID   string       `json:"localId"`
	CloudID   string       `json:"cloudId"`
	ModuleKey string       `json:"moduleKey"`
	SiteURL   string       `json:"siteUrl"`
	Extension fitExtension `json:"extension"`
}

type fitExtension struct {
	Type string `json:"type"`
}

// backendModule is the module of calls made without a user.
func backendModule(key string) fitModule { return fitModule{Type: "core:endpoint", Key: key} }

// forgeAPIBase is the apiBaseUrl of the site as seen from origin.
func forgeAPIBase(origin, cloudID string) string {
	return strings.TrimSuffix(origin, "/") + "/ex/confluence/" + cloudID
}

// mintFIT signs an invocation token for a call to in's remote. ui is nil
// for backend calls (lifecycle, scheduled trigger, preUninstall).
func (s *Sandbox) mintFIT(in forgeInstall, origin string, module fitModule, ui *fitContext, principal string) (string, error) {
	key, err := s.fkeys.current()
	if err != nil {
		return "", err
	}
	cloudID := s.CloudID()
	apiBase := forgeAPIBase(origin, cloudID)
	now := s.now()
	major, _, _ := strings.Cut(in.AppVersion, ".")
	claims := fitClaims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: fitIssuer, IssuedAt: jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(fitTTL)), ID: randomHex(16)},
		Audience: in.appARI(),
		App: fitApp{ID: in.appARI(), Version: major, AppVersion: in.AppVersion,
			InstallationID: in.installationARI(), APIBaseURL: apiBase,
			Environment: fitEnvironment{Type: "DEVELOPMENT", ID: in.environmentARI()},
			Module:      module,
			Installation: fitInstallation{ID: in.installationARI(),
				Contexts: []fitInstallContext{{Name: "confluence", APIBaseURL: apiBase, CloudID: cloudID}}}},
		Context: ui, Principal: principal,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = key.kid
	return t.SignedString(key.key)
}
