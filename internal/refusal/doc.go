// Package refusal is how an HTTP adapter (connect, forge) answers and logs
// a request it refuses or fails, so that they all do it alike.
//
// # Answers
//
// WriteError answers a status with the JSON body {"error": message}
// (Content-Type application/json); the message must be safe to show, as
// mailwiki.ErrorMessage is. Status maps an error's code to the HTTP status
// of the answer: EUNAUTHORIZED 401, EINVALID 400, ETOOLARGE 413,
// EFORBIDDEN 403, EUNAVAILABLE and ERATELIMIT 503, anything else 500.
//
// # Token refusals
//
// Classify turns the error of a token parser into a refusal: a
// *mailwiki.Error found in its chain (one the key lookup returned) is kept
// as it is; otherwise the first Reason whose Err the error matches
// (errors.Is, in the order given) names the refusal, "invalid token" when
// none does, and the caller's refuse function words it. The package knows
// no token library: callers pass the sentinel errors of theirs.
//
// # The refusal log
//
// Refusals are what anyone can provoke (forged callbacks, random key ids),
// so a Logger logs them without letting a flood of them flood the log: at
// WARN within its rate limit (Burst lines at once, then one per Every, at
// the injected clock's time), at DEBUG beyond. The next WARN line then
// carries "suppressed", the number of refusals logged only at DEBUG since
// the previous WARN line. A Logger is safe for concurrent use. It logs
// only what it is given: callers pass codes and safe causes, never a token
// or a secret.
//
// The package imports only the standard library, the root package and
// golang.org/x/time/rate, and no other internal package, so that every
// adapter may import it (checked by depguard, rule "refusal").
package refusal
