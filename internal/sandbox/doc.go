// Package sandbox is a local Confluence: an http.Handler that speaks the
// subset of Confluence's REST contract mailwiki uses, for the demo, for every
// test and for users without a Confluence at hand.
//
// It follows Atlassian's documented contract, not a convenient variant of it:
//
//   - REST v2 (Confluence Cloud, OpenAPI 3.0.3 document): spaces, pages and a
//     page's attachments, with cursor paging (_links.next, Link header) and
//     the v2 error body {"errors":[{"status","code","title","detail"}]}.
//   - REST v1: attachments (multipart, X-Atlassian-Token XSRF check, create
//     and create-or-update by file name), the content read side, v1 page
//     creation for Data Center clients, spaces by key, with start/limit
//     paging and the v1 error body {"statusCode","data","message"}.
//   - Downloads under /wiki/download/attachments/{pageId}/{filename}.
//
// Every route lives under /wiki, as on a Cloud site whose base URL is
// http://host/wiki. Relative links in responses (_links.webui, download,
// v1 _links.next) are relative to _links.base, which ends in /wiki; v2
// _links.next is relative to the host, as Confluence returns it.
//
// Authentication is checked on every API route: basic auth with an e-mail
// address and API token (Cloud) or a bearer personal access token (Data
// Center). Storage-format bodies are checked the way Confluence checks them:
// a well-formed XHTML fragment, HTML named entities allowed, ac: and ri:
// prefixes usable without declarations.
//
// Faults (a status for the next N calls, Retry-After, latency) are injected
// with FailNext/SetLatency or POST /sandbox/faults; they apply to API calls
// and downloads only, never to /sandbox/* nor to the HTML pages.
//
// Human pages: /wiki/ lists spaces and pages; _links.webui of a page,
// /wiki/spaces/{KEY}/pages/{id}/{title}, renders its storage body as HTML
// (attachment images shown, macros as labelled boxes, everything escaped).
//
// Content (spaces, pages, attachments with every version's bytes, and the id
// counter) is kept in memory and, when Options.StatePath is set, in a SQLite
// database (modernc.org/sqlite, WAL, synchronous=FULL) loaded by New: each
// change is one transaction, durable before the HTTP answer is written, so
// that an acknowledged change survives the process being killed, and ids are
// never handed out twice across restarts. A change whose write fails is undone
// in memory and answered 500. The file belongs to one process at a time
// (exclusive locking) until Close. A JSON state file of older versions is
// migrated at the first start, and kept beside the database. Credentials are
// never written to the state file. Lookups are linear scans: the sandbox is
// sized for tests, demos and benchmarks of some ten thousand pages.
//
// Folders (POST /wiki/api/v2/folders, GET /wiki/api/v2/folders/{id}) share
// the id counter with pages; a page created with a folder as parentId has
// parentType "folder"; the space page shows pages and folders as a tree.
// Blog posts: POST/GET /wiki/api/v2/blogposts, GET …/blogposts/{id} (title
// is an exact match), storage checked as for pages, attachments through the
// v1 child/attachment routes, shown on the space page. GET
// /wiki/rest/api/search understands one CQL subset only: space = "KEY" AND
// type IN (page, folder, blogpost) [AND title ~ "text"] (or type = page),
// clauses in any order, keywords in any case, title ~ as a case-insensitive
// substring; any other query is a 400 saying so.
//
// Labels of pages and blog posts: POST /wiki/rest/api/content/{id}/label
// (an array of {"prefix","name"} or one such object; names lower-cased; a
// label already there is left alone; 200 with every label of the content
// as a v1 list of {"prefix","name","id","label"}; 404 unknown content; 400
// in the v1 error shape for an empty name, one over 255 characters or with
// a space or any of : ; , . ? & [ ] ( ) # ^ * @ ! ' ` < >, or a prefix other
// than global, my, team), GET of the same path (prefix, start, limit), and
// v2 GET /wiki/api/v2/pages/{id}/labels and /blogposts/{id}/labels
// (MultiEntityResult<Label>: results of {"id","name","prefix"}, _links, cursor
// paging). One id per distinct label, shared across content; labels are
// kept with the content in the state file and shown on its HTML page.
//
// # Connect host
//
// The site has a client key (random at the first start, kept in the state
// file) and an RSA key (2048 bits, made at the first install, one per
// process) whose public half GET /sandbox/connect-keys/{kid} serves as PEM,
// like Atlassian's install keys service.
//
//   - POST /sandbox/apps {"descriptorUrl"} (basic auth as DemoUser, else
//     401) fetches the descriptor (10 s, 1 MB, 200 only), makes a new shared
//     secret and POSTs the installed payload to {baseUrl}{lifecycle.installed}
//     with "Authorization: JWT" RS256 (kid header; iss the client key, aud
//     the baseUrl, qsh of the POST relative to the baseUrl's path, exp 3
//     min). 201 {"appKey","clientKey"} once the app answers 2xx; 502 (v1
//     body) when the descriptor or the app fails, and nothing changes; 400
//     for a bad descriptor. Installing again renews the secret.
//   - DELETE /sandbox/apps/{appKey} (same auth) POSTs uninstalled, signed the
//     same way (its failure is logged), then forgets the app and its
//     properties: 204, or 404.
//   - Every API route also accepts "Authorization: JWT" from an installed
//     app: HS256 with its shared secret, iss the app key, exp required, qsh
//     of the request relative to /wiki (connect_qsh.go, written apart from
//     mailwiki's own). Anything wrong is a 401 in the route's shape. The
//     app acts as its own account.
//   - App properties, /wiki/rest/atlassian-connect/1/addons/{appKey}/properties
//     (GET list {"keys":[{"key","self"}]}) and …/{propertyKey} (GET
//     {"key","value","self"}, PUT valid JSON of at most 32768 characters:
//     201 created, 200 updated; DELETE 204; 404 missing), for the app itself
//     or the site administrator only (403, where Atlassian answers 404).
//   - GET /wiki/plugins/servlet/ac/{appKey}/{moduleKey} shows an adminPages
//     module in an iframe: {baseUrl}{url}?xdm_e&cp=/wiki&lic=none&cv&jwt,
//     the jwt HS256 (iss client key, sub the administrator, qsh of that GET,
//     15 min). GET /wiki/atlassian-connect/all.js is the stand-in for
//     Atlassian's all.js (AP.context.getToken, AP.request, AP.resize,
//     AP.sizeToParent, AP.theming.initializeTheming); it talks by
//     postMessage, origins checked both ways, to host.js on the page, which
//     calls POST …/{moduleKey}/token (a context JWT, qsh "context-qsh") and
//     …/request (the REST call, made as the administrator). Those two refuse
//     other origins (an X-Mailwiki-Sandbox header is required, so a foreign
//     page cannot call them without a CORS preflight the sandbox never grants).
//
// Installed apps (with their shared secrets, as Confluence keeps them), app
// properties and the client key are in the state file (schema 2; schema 3
// adds the Forge host below); user API tokens never are.
//
// # Forge host
//
// The site is also a Forge host for Forge Remote apps (contract:
// shared/spec/forge-remote-contract.md). It has a cloudId (random at the
// first start, kept in the state file like the client key) and RSA keys
// (2048 bits, made at first use, one set per process) that sign Forge
// invocation tokens (FIT).
//
//   - GET /sandbox/forge/jwks.json serves {"keys":[{kty RSA, kid, alg
//     RS256, use sig, n, e}]}; POST /sandbox/forge/rotate-key (site
//     administrator's basic auth, as for every /sandbox/forge route but the
//     JWKS) adds a signing key; the previous one stays served until the next
//     rotation drops it. 200 {"kid","kids"}.
//   - A FIT is RS256 (kid header): iss forge/invocation-token, aud the app
//     ARI (a string), iat = nbf = now, exp now+25 s, jti random hex; app
//     {id (ARI), version (major), appVersion, installationId (ARI),
//     apiBaseUrl {site origin}/ex/confluence/{cloudId}, environment {type
//     DEVELOPMENT, id ari:cloud:ecosystem::environment/{app}/{env}},
//     module {type core:endpoint, key mw-lifecycle | mw-tick |
//     mw-uninstall}, installation {id, contexts [{name confluence,
//     apiBaseUrl, cloudId}]}}. UI calls have module {xen:macro, mw-ui},
//     context {localId, cloudId, moduleKey mw-settings, siteUrl, extension
//     {type confluence:globalSettings}} and principal (the administrator's
//     account id). No license claim.
//   - POST /sandbox/forge/apps {"appId" (app ARI), "remoteBaseUrl",
//     "environmentId"? (UUID, else random), "appVersion"? (1.0.0),
//     "endpoints"? {"lifecycle" /forge/lifecycle, "tick" /forge/tick,
//     "preUninstall" /forge/pre-uninstall}, "tokenTTL"? (Go duration, at
//     most and by default 4h)} makes an installation (a new UUID; ARI
//     ari:cloud:ecosystem::installation/{uuid}), keeps it, then POSTs
//     avi:forge:installed:app to {remoteBaseUrl}{lifecycle}: {id, app {id,
//     version}, environment {id}} with bare UUIDs, plus installerAccountId,
//     eventType and context (ari:cloud:confluence::site/{cloudId}), with
//     Authorization: Bearer {FIT}, x-b3-traceid, x-b3-spanid and
//     x-forge-oauth-system. 5 s per attempt; up to 4 attempts, 200 ms apart
//     (60 s on Forge), each with a new FIT, redeliveries with retryContext
//     {retryCount, retryReason, retryData null} at the top level. 201
//     {"installationId" (UUID),"installationAri","cloudId","apiBaseUrl"};
//     502 (v1 body naming the installation) when every attempt failed: the
//     installation stays installed, as on Forge, where the event follows
//     the installation and is not part of it. 400 for a bad request.
//   - POST /sandbox/forge/apps/{installationId}/tick[?times=N] fires the
//     scheduled trigger N times (1..10, default 1): POST {tick path} with
//     {context {cloudId, moduleKey mw-hourly}, contextToken}, a FIT and the
//     system token, 5 s, not retried. 204; 502 at the first failure; 404.
//     ForgeTick does the same from Go (as the site was reached at
//     installation). Ticks happen only on demand: there is no timer.
//   - DELETE /sandbox/forge/apps/{installationId} POSTs the same body shape
//     to the preUninstall path (moduleKey mw-pre-uninstall; 55 s, not
//     retried, failure logged), then revokes the installation's tokens,
//     drops its app properties and marks it uninstalled (its record stays).
//     204; 404 if not installed.
//
// Product tokens (x-forge-oauth-system, and x-forge-oauth-user on UI
// calls) are opaque to apps; here HS256 JWTs signed with a site secret kept
// in the state file, so they survive a restart, each with a real exp (the
// sandbox clock). Like Forge, the site hands the same token out again while
// it has at least 2 h left, else mints one living tokenTTL; the cache is in
// memory only. ExpireForgeTokens invalidates every token of an
// installation so far (a lapse); the next delivery brings a fresh one.
//
// /ex/confluence/{cloudId}/wiki/{api,rest,download}/… is the site's REST
// API as api.atlassian.com serves it to apps: the same routes, reached by
// stripping the prefix, accepting only "Authorization: Bearer" with a
// product token of this site and cloudId, unexpired, of an installed app
// and not expired by ExpireForgeTokens (basic auth, PATs and Connect JWTs
// are refused there); anything else is a 401 in the route's shape. The
// system token acts as the app's bot account, a user token as its user.
//
// Forge app properties, /wiki/api/v2/app/properties (GET {"results":
// [{"key","value"}],"_links"}, cursor paging, limit 1..250, default 50) and
// …/{propertyKey} (GET {"key","value"} or 404; PUT valid JSON of at most
// 32768 characters, 201 created or 200 updated, no body; DELETE 204 even
// when missing, as documented; 400 for keys over 127 characters), answer
// the system token through the gateway only (asApp); a user token or any
// other credential gets 403. Stored per installation in the state file.
//
// GET /wiki/admin/forge/{installationId} is the settings page hosting the
// app's Custom UI: an iframe on {remoteBaseUrl}/admin/?transport=forge. The
// remote's page loads GET /wiki/forge/bridge.js, which defines
// window.__mailwikiForgeBridge.invokeRemote({path, method, headers, body})
// (the stand-in for @forge/bridge), sets data-color-mode from the host's
// colour scheme and reports the page's height, which host.js gives the
// iframe (Forge sizes Custom UI frames itself); it postMessages to the page's host.js (origins checked
// both ways), which calls POST /wiki/admin/forge/{installationId}/invoke
// (same-origin only, as the Connect host's endpoints). That plays Forge's
// invokeRemote proxy as the administrator: it checks the input (method
// GET/POST/PUT/PATCH/DELETE, an absolute path, body a JSON object of at
// most 500 KB, no authorization, x-forge-* or x-b3-* headers: 400), calls
// {remoteBaseUrl}{path} with a UI FIT, the system and the user token (25
// s), and answers 200 {status, headers (lower-case names, arrays), body
// (JSON, else text, or null)} for 2xx answers and for other statuses with a
// JSON body (401 included, which means "FIT refused"). A 3xx, a non-2xx
// without a JSON body or with another content-type, or an answer over 5 MB
// is a 502, a timeout a 504 (v1 body with the reason); the bridge then
// rejects with that message.
//
// Not emulated: upgrades (avi:forge:upgraded:app), a bot whose permissions
// lag, realm pinning, product events, Forge KVS, GraphQL, requestRemote and
// the api.atlassian.com services (report-accounts, installation details).
//
// A Sandbox is safe for concurrent use.
package sandbox
