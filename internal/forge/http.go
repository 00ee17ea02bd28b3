package forge

import (
	"net/http"

	"github.com/mailwiki/mailwiki"
	"github.com/mailwiki/mailwiki/internal/refusal"
)

// refuse answers an invocation whose token was refused: 401 (which Forge
// reads as "the remote could not verify the invocation token") with
// {"error": safe message}. Anyone can provoke it, so it is logged through
// f.refusals, which cannot flood the log; the token is in no error this
// package makes.
func (f *Forge) refuse(w http.ResponseWriter, r *http.Request, endpoint string, err error) {
	f.refusals.Log(r.Context(), "forge: "+endpoint+" refused",
		"code", mailwiki.ErrorCode(err), "temporary", mailwiki.IsTemporary(err), "err", err.Error())
	refusal.WriteError(w, http.StatusUnauthorized, mailwiki.ErrorMessage(err))
}

// fail answers a verified invocation that could not be served with the
// status of the error's code (refusal.Status; 401 stays for token
// refusals, as Forge reserves it for them) and {"error": safe message},
// logged at WARN.
func (f *Forge) fail(w http.ResponseWriter, r *http.Request, endpoint string, err error) {
	status := refusal.Status(err)
	f.log.WarnContext(r.Context(), "forge: "+endpoint+" failed",
		"status", status, "code", mailwiki.ErrorCode(err), "err", err.Error())
	refusal.WriteError(w, status, mailwiki.ErrorMessage(err))
}
