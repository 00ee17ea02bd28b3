package connect

import (
	"encoding/json"
	"net/http"
)

// Paths the Handler serves, relative to BaseURL.
const (
	DescriptorPath  = "/atlassian-connect.json"
	InstalledPath   = "/connect/installed"
	UninstalledPath = "/connect/uninstalled"
)

// AdminModuleKey is the key of the admin page module: the host opens the
// page at /plugins/servlet/ac/{app key}/mailwiki-admin.
const AdminModuleKey = "mailwiki-admin"

// ConfigureModuleKey is the key of the configure page module, the same admin
// page reached by the "Configure" button of the app's entry in Manage apps.
const ConfigureModuleKey = "mailwiki-configure"

// descriptorDescription is the app's description in the descriptor.
const descriptorDescription = "Turns email into Confluence pages."

// Descriptor is the app descriptor ("Connect app descriptor",
// https://developer.atlassian.com/cloud/confluence/connect-app-descriptor/).
// apiMigrations opts in to signed installs ("signed-install": lifecycle
// callbacks signed RS256 by the host) and to the fixed qsh of context JWTs
// ("context-qsh"), https://developer.atlassian.com/cloud/confluence/connect-active-api-migrations/.
type Descriptor struct {
	Key            string          `json:"key"`
	Name           string          `json:"name"`
	Description    string          `json:"description"`
	Vendor         Vendor          `json:"vendor"`
	BaseURL        string          `json:"baseUrl"`
	Authentication Authentication  `json:"authentication"`
	Lifecycle      Lifecycle       `json:"lifecycle"`
	Scopes         []string        `json:"scopes"`
	APIMigrations  map[string]bool `json:"apiMigrations"`
	Modules        Modules         `json:"modules"`
}

// Vendor is the descriptor's vendor.
type Vendor struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Authentication is the descriptor's authentication ("jwt").
type Authentication struct {
	Type string `json:"type"`
}

// Lifecycle lists the lifecycle callbacks, relative to baseUrl.
type Lifecycle struct {
	Installed   string `json:"installed"`
	Uninstalled string `json:"uninstalled"`
}

// Modules are the descriptor's modules. ConfigurePage is a single page
// module, a JSON object rather than a list (an app has at most one): the
// "Configure" button of the app's entry in Manage apps opens it ("Page"
// modules, https://developer.atlassian.com/static/connect/docs/latest/modules/common/page.html).
type Modules struct {
	AdminPages    []Page `json:"adminPages"`
	ConfigurePage Page   `json:"configurePage"`
}

// Page is a page module.
type Page struct {
	Key  string  `json:"key"`
	Name I18nStr `json:"name"`
	URL  string  `json:"url"`
}

// I18nStr is a descriptor string ("value").
type I18nStr struct {
	Value string `json:"value"`
}

// Descriptor returns the app descriptor.
func (c *Connect) Descriptor() Descriptor {
	return Descriptor{
		Key:            c.appKey,
		Name:           c.name,
		Description:    descriptorDescription,
		Vendor:         Vendor{Name: c.name, URL: c.baseURL},
		BaseURL:        c.baseURL,
		Authentication: Authentication{Type: "jwt"},
		Lifecycle:      Lifecycle{Installed: InstalledPath, Uninstalled: UninstalledPath},
		Scopes:         []string{"READ", "WRITE"},
		APIMigrations:  map[string]bool{"signed-install": true, "context-qsh": true},
		Modules: Modules{
			AdminPages: []Page{
				{Key: AdminModuleKey, Name: I18nStr{Value: c.name}, URL: c.adminPage},
			},
			ConfigurePage: Page{Key: ConfigureModuleKey, Name: I18nStr{Value: c.name}, URL: c.adminPage},
		},
	}
}

func (c *Connect) serveDescriptor(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_ = json.NewEncoder(w).Encode(c.Descriptor())
}
