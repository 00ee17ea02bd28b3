// Package forge is the remote side of mailwiki's Forge app (Forge Remote):
// Forge calls mailwiki with a Forge invocation token (FIT), and forwards
// OAuth tokens that mailwiki uses to call the site's Confluence.
//
// # Sources
//
// Everything here follows Atlassian's documentation (see also
// shared/spec/forge-remote-contract.md, sections 1.4 to 1.6, 2 and 5):
//
//   - Forge Remote essentials, the remote contract (request headers, the
//     FIT and its claims, the key set, response rules):
//     https://developer.atlassian.com/platform/forge/forge-remote-invocation-contract/
//     (also at https://developer.atlassian.com/platform/forge/remote/essentials/)
//   - Calling Atlassian app APIs from a remote (app.apiBaseUrl, product
//     tokens, their exp, no refresh endpoint):
//     https://developer.atlassian.com/platform/forge/remote/calling-product-apis/
//   - Sending product and lifecycle events to a remote:
//     https://developer.atlassian.com/platform/forge/remote/sending-product-events/
//   - Scheduled triggers invoking a remote (the system token guaranteed for
//     2 h when delivered to an endpoint):
//     https://developer.atlassian.com/platform/forge/remote/scheduled-triggers/
//   - Calling a remote from the frontend (invokeRemote: the FIT and tokens
//     added by Forge, non-2xx answers carry JSON, 401 means "FIT refused"):
//     https://developer.atlassian.com/platform/forge/remote/calling-from-frontend/
//   - Lifecycle events (avi:forge:installed:app, avi:forge:upgraded:app):
//     https://developer.atlassian.com/platform/forge/events-reference/life-cycle/
//   - The preUninstall module (55 s, best effort):
//     https://developer.atlassian.com/platform/forge/manifest-reference/modules/pre-uninstall-trigger/
//   - Manifest endpoint and remotes (endpoint.auth forwards the tokens):
//     https://developer.atlassian.com/platform/forge/manifest-reference/endpoint/
//     and https://developer.atlassian.com/platform/forge/manifest-reference/remotes/
//   - The token gap, a suggestion still open: https://jira.atlassian.com/browse/ECO-1107
//
// # The invocation token
//
// Verify accepts a request only when "Authorization: Bearer <FIT>" (the
// scheme in any case) holds a token that passes, in this order:
//
//   - The header, read before any key: alg RS256 and a kid, nothing else.
//     "none", HS256 (an attacker signing with the public key as the HMAC
//     secret), RS512 and every other alg are refused without the key set
//     being asked; so is a crit header.
//   - The signature, with the key of that kid from the key set (below).
//   - The registered claims: iss "forge/invocation-token"; aud containing
//     Options.AppID (pinned by configuration, never read from the token);
//     exp and nbf required, iat present and not in the future, each within
//     30 s of clock skew (a FIT lives about 25 s); jti present.
//   - Policy: app.id equal to Options.AppID; app.environment.id among
//     Options.Environments (an empty list accepts every environment of the
//     app: development, staging and production share the app id, so a
//     production server should list its environment); the host of
//     app.apiBaseUrl and of every app.installation.contexts[].apiBaseUrl
//     in Options.APIHosts (api.atlassian.com by default), over https, as
//     the system token is sent there; no icLabel: Isolated Cloud needs a
//     key set and a storage URL per label, which are not supported, so an
//     Isolated Cloud invocation is refused and says so.
//
// It then derives the Invocation: the installation id is the UUID ending
// app.installationId (ari:cloud:ecosystem::installation/<uuid>; lifecycle
// bodies carry the bare UUID, so ids are normalised to UUIDs); the cloud
// id comes from the installation context named "confluence", else the UI
// context, else the last path segment of app.apiBaseUrl; the module key
// from app.module.key (else the UI context's); the principal (the user's
// account id) is there for UI calls only. Every refusal is an
// EUNAUTHORIZED *mailwiki.Error with a safe message ("forge invocation
// token refused: wrong audience"), answered 401, which Forge reads as
// "the remote could not verify the invocation token" and retries events
// after.
//
// # The key set
//
// The keys are a JWKS at Options.JWKSURL
// (https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json for every
// third-party app). Only RSA signing keys of 2048 to 8192 bits are taken.
// The set is cached for an hour; an unknown kid or an older set asks for a
// fetch, and fetches are shared by concurrent callers and happen at most
// once per 30 s, successful or not (10 s timeout, 256 KB at most, 200
// only), so that tokens naming random kids cannot flood the key host:
// within the cool-down an unknown kid is refused at once. A failed fetch
// keeps the held set (usable up to 24 h after it was fetched); a set that
// drops a key keeps it usable for 5 minutes more (tokens signed just before
// a rotation). Handler logs refused invocations at WARN at most 10 at
// once then 1 a minute, the others at DEBUG.
//
// # Product tokens
//
// Only once the FIT verified are x-forge-oauth-system and
// x-forge-oauth-user read (an optional "Bearer " prefix stripped). They
// are opaque: only their exp claim is read, without verification, and it
// is the system token's expiry. A token whose exp cannot be read, or is
// past, is left out with a warning. Neither the FIT nor a product token is
// ever logged; Invocation's String and LogValue leave the tokens out.
//
// # Endpoints
//
// Handler serves, POST only, each verifying the FIT first (nothing is
// stored for a refused one):
//
//   - /forge/lifecycle: the installed and upgraded events. The body is
//     read leniently (with or without a "payload" wrapper, eventType
//     optional) and only for logging: the installation is the token's.
//   - /forge/tick: the hourly scheduled trigger, which brings a fresh
//     system token (Forge has no endpoint to ask for one, ECO-1107).
//   - /forge/pre-uninstall: answered 202 at once; Registry.Uninstall runs
//     asynchronously with a context that outlives the request (preUninstall
//     allows 55 s and does not wait for the outcome), and its outcome is
//     logged. Wait waits for such uninstalls at shutdown.
//
// Lifecycle and tick call Registry.Install with the installation as a
// ModeForge tenant whose base URL is app.apiBaseUrl + "/wiki", the app id,
// the cloud id and the system token (nil when none) with its expiry;
// Install is an idempotent upsert keeping the longer-lived token. They
// answer 204. Every non-2xx answer carries a JSON {"error": …} (Forge
// requires it); a registry failure is 503 so that Forge retries the event.
// Nothing answers 3xx: paths are matched exactly, with no redirect.
//
// Authenticate serves the admin page's API: the Custom UI (in Confluence's
// global settings) calls mailwiki's /admin/api/... through invokeRemote,
// which adds the FIT and the tokens. It requires a principal, upserts the
// registration as a tick does, and returns the installation id. It does
// not check that the principal is a site administrator.
package forge
