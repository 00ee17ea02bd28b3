// Package connect is mailwiki's Atlassian Connect app: the app descriptor,
// the install lifecycle, and the JWTs that authenticate the host to the app
// and the app to the host.
//
// # Sources
//
// Everything here follows Atlassian's documentation:
//
//   - Understanding JWT for Connect apps (token format, claims, qsh, the
//     validation of lifecycle callbacks):
//     https://developer.atlassian.com/cloud/confluence/understanding-jwt/
//   - Query string hash (the canonical request, with examples):
//     https://developer.atlassian.com/cloud/bitbucket/query-string-hash/
//   - Connect app descriptor (lifecycle, authentication, apiMigrations):
//     https://developer.atlassian.com/cloud/confluence/connect-app-descriptor/
//   - Connect active API migrations ("signed-install", "context-qsh"):
//     https://developer.atlassian.com/cloud/confluence/connect-active-api-migrations/
//   - Security for Connect apps:
//     https://developer.atlassian.com/cloud/confluence/security-for-connect-apps/
//   - The signed-install announcement (its pseudo-code: kid, key CDN, qsh,
//     iss, aud):
//     https://community.developer.atlassian.com/t/action-required-atlassian-connect-installation-lifecycle-security-improvements/49046
//
// # Lifecycle: signed installs
//
// The descriptor opts in to "signed-install", so the host signs the install
// and uninstall callbacks with RS256 (asymmetric): the token's header names
// a key id (kid) whose public key, a PEM "PUBLIC KEY", is at
// https://connect-install-keys.atlassian.com/{kid} (Options.KeyBaseURL).
// A callback is accepted only when
//
//   - alg is RS256 (HS256, none and anything else are refused: a shared
//     secret proves nothing about who installs, since the attacker chooses
//     it),
//   - the signature verifies with the key fetched for kid (a key id is
//     letters, digits, '.', '_', '-'; keys are cached for an hour, at most
//     64 of them; the key service unreachable or answering other than 200
//     means refusal, never acceptance),
//   - aud contains the app's base URL, exp is in the future and iat present
//     (30 s of clock skew tolerated),
//   - qsh is the QSH of the callback's request relative to the base URL's
//     path,
//   - iss, the site's client key, equals the body's clientKey.
//
// Only then is the body (key, clientKey, sharedSecret, baseUrl, productType,
// …) read and the site registered with its shared secret. So nobody but the
// host can register a site or replace a site's secret: the classic takeover,
// re-installing a known client key with one's own secret, fails.
//
// # Lifecycle: forged callbacks
//
// Anyone can send a callback naming any kid, so the key service is asked
// sparingly: callers wanting the same kid at once share one fetch; a kid the
// service answered 404 (or another 4xx but 429) for is remembered for 5
// minutes (at most 512 of them) and refused without a fetch; and fetches are
// rate limited for the whole process, 10 at once then 1 a second. Beyond
// that a callback with a kid not in the cache is refused at once (401,
// temporary, "key service busy, try again"); a cached kid is never limited.
// Refused callbacks are logged at WARN at most 10 at once then 1 a minute,
// the others at DEBUG; the next WARN line counts them ("suppressed").
//
// Every refusal names the callback refused: "install callback not signed by
// the host: bad signature", "uninstall callback cannot be verified now: key
// service unavailable" (the latter temporary: the key service is down or
// busy).
//
// # Context JWTs: the admin page
//
// The admin page gets a context JWT from the host (AP.context.getToken) and
// sends it as "Authorization: JWT <token>". It is HS256, signed with the
// site's shared secret; iss is the client key, sub the user's account id,
// qsh the fixed value "context-qsh" (the "context-qsh" migration); see
// Connect.ContextAuth.
//
// # Calling the site
//
// Transport signs every request to the site with an HS256 token: iss the
// app key, iat, exp 180 s later, qsh the QSH of the request relative to the
// site's base URL path (/wiki for Confluence Cloud). Requests to any other
// host are not signed.
//
// # Secrets
//
// Shared secrets and tokens are never logged; errors carry safe messages
// (*mailwiki.Error, EUNAUTHORIZED for every refusal).
package connect
