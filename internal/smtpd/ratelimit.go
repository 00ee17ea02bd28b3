package smtpd

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxRateEntries bounds the clients whose rates are remembered. A table at
// the bound first forgets every client whose buckets are full again (it is
// indistinguishable from a new one), then, if a flood of distinct addresses
// left none such, random clients down to 90% of the bound: memory stays
// bounded, and each sweep is paid for by a tenth of the bound of inserts.
const maxRateEntries = 16384

// ipRates keeps two token buckets per client IP address: connections
// accepted and messages begun (MAIL accepted), each refilled at its rate per
// minute and holding at most one minute's worth. It is safe for concurrent
// use; a nil *ipRates, or a rate of Off, allows everything.
type ipRates struct {
	conns, msgs int // per minute; Off (-1) for no limit
	max         int // entries kept, see maxRateEntries
	now         func() time.Time

	mu   sync.Mutex
	byIP map[string]*ipRate
}

type ipRate struct {
	conns, msgs *rate.Limiter // nil when that rate is Off
}

func newIPRates(connsPerMinute, msgsPerMinute int, now func() time.Time) *ipRates {
	if connsPerMinute == Off && msgsPerMinute == Off {
		return nil
	}
	return &ipRates{conns: connsPerMinute, msgs: msgsPerMinute, max: maxRateEntries, now: now,
		byIP: make(map[string]*ipRate)}
}

// allowConnection takes a connection token for ip and reports whether one
// was left.
func (r *ipRates) allowConnection(ip string) bool {
	if r == nil || r.conns == Off {
		return true
	}
	return r.allow(ip, func(e *ipRate) *rate.Limiter { return e.conns })
}

// allowMessage takes a message token for ip and reports whether one was
// left.
func (r *ipRates) allowMessage(ip string) bool {
	if r == nil || r.msgs == Off {
		return true
	}
	return r.allow(ip, func(e *ipRate) *rate.Limiter { return e.msgs })
}

func (r *ipRates) allow(ip string, bucket func(*ipRate) *rate.Limiter) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	e := r.byIP[ip]
	if e == nil {
		if len(r.byIP) >= r.max {
			r.sweep(now)
		}
		e = &ipRate{conns: perMinute(r.conns), msgs: perMinute(r.msgs)}
		r.byIP[ip] = e
	}
	return bucket(e).AllowN(now, 1)
}

// perMinute returns a bucket refilled at n tokens a minute holding n, or nil
// for Off.
func perMinute(n int) *rate.Limiter {
	if n == Off {
		return nil
	}
	return rate.NewLimiter(rate.Limit(float64(n)/60), n)
}

// sweep forgets idle clients, then random ones down to 90% of the bound.
// Called with r.mu held.
func (r *ipRates) sweep(now time.Time) {
	for ip, e := range r.byIP {
		if full(e.conns, now) && full(e.msgs, now) {
			delete(r.byIP, ip)
		}
	}
	for ip := range r.byIP { // map order is random
		if len(r.byIP) < r.max*9/10 {
			break
		}
		delete(r.byIP, ip)
	}
}

func full(l *rate.Limiter, now time.Time) bool {
	return l == nil || l.TokensAt(now) >= float64(l.Burst())
}

// len returns the number of clients remembered.
func (r *ipRates) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byIP)
}
