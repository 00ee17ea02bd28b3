// Package store defines the server-side state mailwiki keeps, independent of
// the database that holds it. Implementations live in sub-packages named
// after their technology (sqlite now, postgres later) and are checked by one
// conformance suite (storetest).
//
// What is kept is deliberately small (see ARCHITECTURE.md, "Server-side
// state"): never a message body, never a tenant's configuration.
package store

import (
	"context"
	"time"
)

// Delivery records how far the publication of one queued message got, so a
// retried job continues instead of creating a second page.
type Delivery struct {
	QueueID   string
	Route     string // which of the message's routes (tenant and space) this is
	TenantID  string
	PageID    string
	PageURL   string
	Fallback  bool // the page was made by the text fallback
	UpdatedAt time.Time
}

// Deliveries is the store of delivery progress.
//
// SavePage is called right after Confluence created the page and before any
// attachment is uploaded; Delivery returns ok=false when nothing was saved.
// DeleteDeliveries forgets every route of a message; it is called when the
// job ends, whatever its outcome.
type Deliveries interface {
	SavePage(ctx context.Context, d Delivery) error
	Delivery(ctx context.Context, queueID, route string) (d Delivery, ok bool, err error)
	DeleteDeliveries(ctx context.Context, queueID string) error
}
