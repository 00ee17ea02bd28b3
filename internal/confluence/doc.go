// Package confluence is mailwiki's client for the Confluence REST API: the one
// place that knows Confluence's URLs, JSON shapes and error bodies.
//
// # Sites and flavors
//
// A Client is bound to one site's base URL (Cloud: https://acme.atlassian.net/wiki;
// Data Center: https://confluence.corp.example/ with any context path) and
// appends /api/v2/… and /rest/api/… to it. The Cloud flavor uses REST v2 for
// spaces and pages; the DataCenter flavor uses v1 /rest/api/space and
// /rest/api/content, since Data Center has no v2. Attachments use v1 on both.
// Blog posts and folders (PageOrFolder) are Cloud's REST v2 only; the
// parent picker (Parents) uses v1 CQL search on both; app properties use
// Atlassian Connect's /rest/atlassian-connect/1/addons/{appKey}/properties,
// and a Forge app's own properties REST v2's /api/v2/app/properties.
//
// # Tenant configuration
//
// ConfigStore keeps a tenant's configuration in app properties of its own
// site (Forge's for a Forge tenant, Connect's otherwise), sharded under a
// generation with the index written last; see its documentation for the
// layout, the write order and the cache.
//
// Authentication is the caller's: New takes an *http.Client that already signs
// its requests (BasicAuth for Cloud API tokens, BearerAuth for Data Center
// personal access tokens, or a tenant's own credential provider). Confluence
// is reached over HTTPS only (privacy promise P14): an http:// base URL is an
// ECONFIG error unless Options.AllowInsecureHTTP is set for the local
// sandbox, and redirects to plain HTTP are refused.
//
// # Errors
//
// A non-2xx answer is an *APIError (status, method, path, Confluence's message
// cut to about 300 characters, Retry-After). Every error the client returns
// has a *mailwiki.Error in its chain with a code and a Temporary flag:
//
//	400 EINVALID · 401 EUNAUTHORIZED · 403 EFORBIDDEN · 404 ENOTFOUND
//	409 ECONFLICT · 413 ETOOLARGE                                   permanent
//	429 ERATELIMIT · 5xx, 408, network errors EUNAVAILABLE           temporary
//	any other status EINTERNAL                                       temporary
//
// A 400 saying the title is already used in the space is ECONFLICT and
// IsDuplicateTitle reports it. A context that ends is EUNAVAILABLE, temporary,
// with the context's error in the chain.
//
// # Retry semantics
//
// Within one call the client makes at most Options.MaxAttempts attempts
// (default 4), each with the same request body:
//
//   - 429 is retried for every method, since Confluence did not process the
//     request. A Retry-After (seconds or HTTP date) is honoured when it is at
//     most Options.MaxRetryAfter (default 30 s); a longer one is not waited
//     for: the call fails at once and mailwiki.RetryAfter(err) gives the wait so that
//     the job queue can snooze the job instead of holding a worker.
//   - 5xx and transport errors are retried only for idempotent methods (GET,
//     HEAD, PUT, DELETE: SetAppProperty, DeleteAppProperty), and for
//     AddLabels, a POST that Confluence makes idempotent. Any other POST
//     (CreatePage, CreateBlogPost, UploadAttachments) is attempted
//     once: creating a page twice is worse than retrying the whole job later,
//     when the pipeline first looks for what already exists
//     (FindPageByTitle, ListAttachments).
//   - Other failures are returned at once.
//
// Waits without a Retry-After back off exponentially from 0.5 s up to 10 s,
// jittered over their upper half. Every wait goes through Options.Sleep and
// ends early with the context.
//
// # Logging
//
// One line per attempt on the injected slog.Logger: method, path (without
// its query, which may hold a page title), status, attempt, duration. Never a
// body, an attachment or a credential.
package confluence
