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
// properties and the client key are in the state file (schema 2); user API
// tokens never are.
//
// A Sandbox is safe for concurrent use.
package sandbox
