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
// A Sandbox is safe for concurrent use.
package sandbox
