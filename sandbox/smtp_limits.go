package sandbox

import (
	"strings"
	"sync"
	"time"
)

// Exchange Online's limits for SMTP AUTH client submission, per mailbox
// (learn.microsoft.com, "Exchange Online limits" and SupportArticles-docs
// "Message storage and concurrent connection throttling for SMTP
// Authenticated Submission").
const (
	exoMessagesPerMinute  = 30
	exoThrottledPerMinute = 2 // scenario "throttled": low enough to show the reply by hand
	exoRecipientsPerDay   = 10000
	exoConcurrentSessions = 3
)

// mailboxLimits keeps, per mailbox, what the limits are computed from:
// the authenticated sessions open now and the messages accepted in the
// last 24 hours. Times come from the sandbox clock, so tests can move it.
type mailboxLimits struct {
	mu       sync.Mutex
	sessions map[string]map[uint64]struct{} // mailbox -> authenticated session sequence numbers
	sent     map[string][]sentRecord        // mailbox -> accepted messages, oldest first
}

type sentRecord struct {
	at         time.Time
	recipients int
}

func newMailboxLimits() *mailboxLimits {
	return &mailboxLimits{sessions: map[string]map[uint64]struct{}{}, sent: map[string][]sentRecord{}}
}

func limitKey(mbx string) string { return strings.ToLower(mbx) }

// open records an authenticated session of mbx.
func (l *mailboxLimits) open(mbx string, seq uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := limitKey(mbx)
	if l.sessions[k] == nil {
		l.sessions[k] = map[uint64]struct{}{}
	}
	l.sessions[k][seq] = struct{}{}
}

// close forgets an authenticated session of mbx.
func (l *mailboxLimits) close(mbx string, seq uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := limitKey(mbx)
	delete(l.sessions[k], seq)
	if len(l.sessions[k]) == 0 {
		delete(l.sessions, k)
	}
}

// earlierSessions counts the sessions of mbx still open that
// authenticated before session seq: those hold the three slots first.
func (l *mailboxLimits) earlierSessions(mbx string, seq uint64) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for other := range l.sessions[limitKey(mbx)] {
		if other < seq {
			n++
		}
	}
	return n
}

// sentSince counts the messages of mbx accepted after t, and sums their
// recipients: the per-minute and the per-day limit are computed from the
// same records.
func (l *mailboxLimits) sentSince(mbx string, t time.Time) (messages, recipients int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.sent[limitKey(mbx)] {
		if r.at.After(t) {
			messages++
			recipients += r.recipients
		}
	}
	return messages, recipients
}

// record adds an accepted message and drops records older than a day,
// which no limit looks at any more.
func (l *mailboxLimits) record(mbx string, at time.Time, recipients int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := limitKey(mbx)
	keep := l.sent[k][:0]
	for _, r := range l.sent[k] {
		if r.at.After(at.Add(-24 * time.Hour)) {
			keep = append(keep, r)
		}
	}
	l.sent[k] = append(keep, sentRecord{at: at, recipients: recipients})
}
