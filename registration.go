package mailwiki

import (
	"context"
	"time"
)

// Registration states.
const (
	StateInstalled = "installed" // the site has the app; mail is routed
)

// Registration is an installed tenant as the server keeps it (promise P1):
// the site, how to authenticate to it and since when. Secret is the shared
// secret of a Connect install, or a Forge installation's app system token
// (which expires at SecretExpiresAt): in memory it is plaintext; a
// TenantStore only ever holds it sealed.
type Registration struct {
	Tenant         // ID is the Connect client key or the Forge installation id (a UUID)
	AppKey  string // the app key the site installed (Connect), or the app id (Forge)
	CloudID string // the site's cloud id (Forge; stable across reinstalls)
	Secret  []byte
	// SecretExpiresAt is when Secret stops working; zero: it does not
	// expire (a Connect shared secret).
	SecretExpiresAt time.Time
	State           string
	InstalledAt     time.Time
	UpdatedAt       time.Time
}

// StoredRegistration is a Registration as a TenantStore holds it: the
// secret sealed (see Sealer) under the key SecretKeyID names.
type StoredRegistration struct {
	Tenant
	AppKey       string
	CloudID      string
	SealedSecret []byte
	// SealedDataKey is the tenant's own data key, sealed: it wraps the
	// keys of the tenant's spooled messages; empty once shredded.
	SealedDataKey   []byte
	SecretExpiresAt time.Time
	State           string
	InstalledAt     time.Time
	UpdatedAt       time.Time
}

// Kinds of keyed hash a tenant owns (promises P10, P11).
const (
	HashAddress = "address" // a receiving address; unique across tenants
	HashSender  = "sender"  // a secure sender list entry
)

// KeyedHash is an HMAC-SHA256 of a normalised value under the server's hash
// key KeyID (so that the key can be rotated).
type KeyedHash struct {
	KeyID string
	Sum   []byte
}

// TenantStore keeps what the server holds about installed tenants, and
// nothing more: registrations with sealed secrets and keyed hashes. Every
// row is keyed by tenant, so that DeleteTenant is one cascade (promise P12).
type TenantStore interface {
	// SaveRegistration inserts or replaces the registration with r.ID.
	SaveRegistration(ctx context.Context, r StoredRegistration) error
	// Registration returns the registration with id, or an ENOTFOUND *Error.
	Registration(ctx context.Context, id string) (StoredRegistration, error)
	// Registrations lists every registration, ordered by id.
	Registrations(ctx context.Context) ([]StoredRegistration, error)
	// ReplaceHashes replaces every hash of the given kind the tenant owns
	// with hashes, atomically. For HashAddress it fails with an ECONFLICT
	// *Error, changing nothing, when another tenant owns one of them; the
	// error's message names the hash's position in hashes ("#3").
	ReplaceHashes(ctx context.Context, tenantID, kind string, hashes []KeyedHash) error
	// TenantByHash returns the tenant owning an address hash (any of sums,
	// one per hash key), or an ENOTFOUND *Error.
	TenantByHash(ctx context.Context, kind string, sums []KeyedHash) (string, error)
	// HasHash reports whether the tenant owns a hash of the kind among sums;
	// with no sums, whether it owns any hash of the kind.
	HasHash(ctx context.Context, tenantID, kind string, sums []KeyedHash) (bool, error)
	// HashKeyIDs lists the tenant's hash key ids in use (for rotation).
	HashKeyIDs(ctx context.Context, tenantID string) ([]string, error)
	// DeleteTenant removes everything held for the tenant in one
	// transaction: its registration, hashes, delivery records and title
	// claims. A missing tenant is not an error.
	DeleteTenant(ctx context.Context, id string) error
}

// Sealer encrypts small secrets at rest with the installation's master keys
// (the spool's keyring: AES-256-GCM, the key id inside the sealed bytes).
// aad binds a sealed value to its place (e.g. the tenant id).
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// ConfigSource reads and writes a tenant's configuration where it lives:
// app properties of the tenant's Confluence for Connect and Forge tenants.
// Reads may be served from a short in-memory cache; nothing is stored on
// the server (promise P9).
type ConfigSource interface {
	// Config returns the tenant's configuration, normalized; a site
	// that has none yet has an empty one.
	Config(ctx context.Context, t Tenant) (TenantConfig, error)
	// SaveConfig stores cfg in the tenant's Confluence.
	SaveConfig(ctx context.Context, t Tenant, cfg TenantConfig) error
}

// Parent is a page or folder a page can be created under (admin picker).
// SpaceID is the id of its space when the site said it.
type Parent struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Type    string `json:"type"` // ParentPage or ParentFolder
	SpaceID string `json:"spaceId,omitempty"`
}

// TenantAdmin is what a site administrator may do on the admin page, for
// the tenant their session is authenticated as.
type TenantAdmin interface {
	// Config returns the tenant's configuration and the mail domains its
	// addresses must be under.
	Config(ctx context.Context, tenantID string) (TenantConfig, []string, error)
	// SaveConfig validates cfg (a *ValidationError wrapped in an EINVALID
	// *Error for field problems, unknown spaces and parents included; an
	// ECONFLICT *Error for an address another site owns), then stores it
	// in the tenant's Confluence and updates the server's keyed hashes.
	SaveConfig(ctx context.Context, tenantID string, cfg TenantConfig) (TenantConfig, error)
	// Spaces lists the spaces the app can see on the site.
	Spaces(ctx context.Context, tenantID string) ([]Space, error)
	// Parents lists pages and folders of a space whose title contains
	// query (all when empty), at most 50.
	Parents(ctx context.Context, tenantID, spaceKey, query string) ([]Parent, error)
}
