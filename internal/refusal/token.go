package refusal

import (
	"errors"

	"github.com/mailwiki/mailwiki"
)

// A Reason names the refusal of a token whose parse error matches Err
// (errors.Is): Text is the safe reason, such as "bad signature".
type Reason struct {
	Err  error
	Text string
}

// Classify turns a token parse error into a refusal: the *mailwiki.Error in
// err's chain if there is one (a key lookup's refusal, kept as it is), else
// refuse(text, err) with the Text of the first of reasons that err matches,
// "invalid token" when none does.
func Classify(err error, reasons []Reason, refuse func(reason string, err error) *mailwiki.Error) error {
	var e *mailwiki.Error
	if errors.As(err, &e) {
		return e
	}
	reason := "invalid token"
	for _, r := range reasons {
		if errors.Is(err, r.Err) {
			reason = r.Text
			break
		}
	}
	return refuse(reason, err)
}
