package queue

import (
	"sync"
	"time"
)

// limiter paces deliveries for one mailbox: at most perMinute messages in
// any window and perDay recipients in any day, counting messages in
// flight, so the server's own limits are never reached. It counts
// deliveries by the time their 250 arrived (later than the server counted
// them), which can only over-count.
type limiter struct {
	mu        sync.Mutex
	perWindow int
	window    time.Duration
	perDay    int
	day       time.Duration
	sent      []Delivery // oldest first, the last day
	inflight  int
	inflRcpts int
	// lastStart is when the last message was let go: messages are spaced
	// window/perWindow apart (2 s at 30 a minute) rather than sent in a
	// burst of 30 and a pause, so the rate is even in any window.
	lastStart time.Time
}

// reserve takes a slot for a message of n recipients at now; when none is
// free it returns how long to wait before asking again.
func (l *limiter) reserve(now time.Time, n int) (ok bool, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pruneLocked(now)
	if gap := l.window / time.Duration(l.perWindow); !l.lastStart.IsZero() && now.Sub(l.lastStart) < gap {
		return false, l.lastStart.Add(gap).Sub(now)
	}
	inWindow, rcpts := 0, 0
	var firstInWindow time.Time
	for _, d := range l.sent {
		rcpts += d.Recipients
		if now.Sub(d.At) < l.window {
			if inWindow == 0 {
				firstInWindow = d.At
			}
			inWindow++
		}
	}
	if inWindow+l.inflight >= l.perWindow {
		if inWindow == 0 {
			return false, l.window / 10 // only messages in flight: wait for them
		}
		return false, firstInWindow.Add(l.window).Sub(now) + time.Millisecond
	}
	if rcpts+l.inflRcpts+n > l.perDay {
		if len(l.sent) == 0 {
			return false, time.Minute
		}
		return false, l.sent[0].At.Add(l.day).Sub(now) + time.Millisecond
	}
	l.inflight++
	l.inflRcpts += n
	l.lastStart = now
	return true, 0
}

// done releases a slot; d is recorded when the message was delivered.
func (l *limiter) done(n int, d *Delivery) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inflight--
	l.inflRcpts -= n
	if d != nil {
		l.sent = append(l.sent, *d)
	}
}

func (l *limiter) pruneLocked(now time.Time) {
	i := 0
	for i < len(l.sent) && now.Sub(l.sent[i].At) >= l.day {
		i++
	}
	if i > 0 {
		l.sent = append(l.sent[:0], l.sent[i:]...)
	}
}

// counts returns the messages in the last window and recipients in the last day.
func (l *limiter) counts(now time.Time) (window, dayRcpts int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pruneLocked(now)
	for _, d := range l.sent {
		dayRcpts += d.Recipients
		if now.Sub(d.At) < l.window {
			window++
		}
	}
	return window, dayRcpts
}
