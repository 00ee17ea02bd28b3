package app

import "context"

// CountFiles is countFiles, for the external tests.
var CountFiles = countFiles

// SweepOnce runs one retention sweep now.
func (m *Main) SweepOnce(ctx context.Context) { m.sweepOnce(ctx) }

// DeliveryRows counts the delivery records and the title claims kept.
func (m *Main) DeliveryRows() (deliveries, claims int, err error) {
	err = m.sqlDB.QueryRow(`SELECT (SELECT count(*) FROM mailwiki_delivery), (SELECT count(*) FROM mailwiki_title_claim)`).Scan(&deliveries, &claims)
	return deliveries, claims, err
}
