package mailwiki

import (
	"context"
	"time"
)

// Route states: the progress of one route (a tenant and a space) of a
// queued message, as recorded by a DeliveryStore.
const (
	// RouteCreating: the page is being created under Title, claimed at
	// ClaimedAt; a retry after a crash looks the title up before creating.
	RouteCreating = "creating"
	// RouteCreated: the page exists (PageID); attachments may be missing.
	RouteCreated = "created"
	// RoutePublished: page and attachments are in Confluence.
	RoutePublished = "published"
	// RouteFailed: given up on (ErrorCode, Reason); never retried.
	RouteFailed = "failed"
)

// Delivery is how far one route of one queued message got. It holds ids,
// titles and outcomes, never content.
type Delivery struct {
	QueueID   string
	Route     string // "tenant/space": which of the message's routes this is
	TenantID  string
	State     string // one of the Route* constants
	Title     string // the title claimed (RouteCreating) or used
	ClaimedAt time.Time
	PageID    string
	PageURL   string
	Fallback  bool   // the page was made by the text fallback
	ErrorCode string // RouteFailed: an error code
	Reason    string // RouteFailed: a safe sentence
	UpdatedAt time.Time
}

// DeliveryStore records delivery progress so that a retried job continues
// where the last attempt stopped and never publishes a route twice.
//
// ClaimTitle reserves d.Title in d.Route for d.QueueID before Confluence is
// asked to create the page and, when the title is (or already was) that
// message's, saves d (the route's intent) in the same transaction; it
// returns false, saving nothing, when another message holds the title.
// Implementations are safe for concurrent use, across processes sharing the
// database.
type DeliveryStore interface {
	SaveDelivery(ctx context.Context, d Delivery) error
	Deliveries(ctx context.Context, queueID string) ([]Delivery, error)
	ClaimTitle(ctx context.Context, d Delivery) (bool, error)
	// DeleteDeliveries forgets a message's progress and title claims.
	DeleteDeliveries(ctx context.Context, queueID string) error
	// PurgeDeliveries forgets, in batches rather than one write each, the
	// messages whose queue id is not in keep: their progress when nothing
	// was recorded for them at or after since (a message whose job started
	// after keep was listed is left alone); their title claims are released
	// then and deleted by a later purge whose claimsBefore is after the
	// release, so that claims outlive their message (see ClaimRetention).
	// It returns how many messages' progress it forgot.
	PurgeDeliveries(ctx context.Context, keep map[string]bool, since, claimsBefore time.Time) (int, error)
}

// ClaimRetention is how long a title claim outlives its message (from when
// the message's progress is forgotten, after its job ended). A retry after
// a crash adopts the page found under its claimed title if Confluence
// created it after the claim, less a margin for clock skew (a minute);
// another of our messages that made a page under that title held the claim
// until at least ClaimRetention after making it, so its page is older than
// the margin allows. It must exceed the margin.
const ClaimRetention = 10 * time.Minute

// RecipientFailure is one recipient of a message that was not published.
type RecipientFailure struct {
	Recipient string
	Reason    error // its safe message and code are shown; never content
}

// Report is the final outcome of a message that was not published
// everywhere: what a Notifier tells its sender.
type Report struct {
	Envelope  *Envelope
	Header    []byte // the original message's header block; may be nil
	Automatic bool   // the original was an auto-reply or a bounce
	Failed    []RecipientFailure
	Published []string // recipients whose pages exist
}

// Notifier tells a sender which recipients of their message will not be
// published, and why (RFC 3464). It sends nothing for a null sender or an
// automatic message, and returns an error only when a notification should
// have gone out and could not.
type Notifier interface {
	Notify(ctx context.Context, r Report) error
}
