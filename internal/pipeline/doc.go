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
// spool object. Failures are classified (see mailwiki.IsTemporary): temporary
// ones are returned for the queue to retry with backoff; permanent ones, and
// any message older than the retention limit (48 h), end the delivery: the
// spool object is deleted and one summary line says why.
//
// Publishing is idempotent across retries: the page id is recorded right
// after Confluence creates the page, and a retry uploads only the attachments
// the page does not have yet.
//
// Logs carry the queue id and never a body, an attachment or a secret.
package pipeline
