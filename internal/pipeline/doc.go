// Package pipeline holds mailwiki's two use cases:
//
// Accept (the SMTP side): a recipient is known or refused at RCPT; a message
// is made durable (encrypted spool object written and fsynced, then its
// queue job committed) before the SMTP server may answer 250. If the job
// cannot be committed the spool object is deleted and the client is told to
// retry (451), so nothing is kept that no job will deliver.
//
// Deliver (the queue side): read and decrypt the spool object, parse, convert,
// publish to every Confluence space the recipients route to, then delete the
// spool object. Each route (tenant and space) ends on its own: published, or
// failed with a reason, or waiting on a temporary failure (see
// mailwiki.IsTemporary), which keeps the message for a retry with backoff.
// A message older than the retention limit (48 h) fails every route not
// published. Once no route waits, the sender is told which recipients
// failed, the job is finished durably, the spool object is deleted and one
// summary line gives the outcome (published, partial or failed).
//
// Exactly once across crashes: before asking Confluence for a page, the
// title is claimed in the store (no other message of ours may use it, and
// the claim outlives the message by mailwiki.ClaimRetention) together with
// the route's intent; a retry after a crash looks that title up and adopts
// a page created after the claim instead of creating another. The page id
// is recorded as soon as it is known; a failed route is recorded before the
// sender is told; and the job is finished (completed in the queue's
// database, in its own transaction) before the spool object is deleted, so
// a job never runs again after its outcome: no second page, no notice of a
// failure that did not happen. A route published but not yet recorded when
// the process dies is found created by the rerun, which only checks its
// files. A first attempt lists no attachments; a retry uploads only the
// files the page does not have yet. Finished messages' records are purged
// in batches by the application's sweep.
//
// Logs carry the queue id and never a body, an attachment or a secret.
package pipeline
