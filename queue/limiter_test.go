package queue

import (
	"testing"
	"time"
)

func newTestLimiter(perWindow, perDay int) *limiter {
	return &limiter{perWindow: perWindow, window: time.Minute, perDay: perDay, day: 24 * time.Hour}
}

// Messages are spaced window/perWindow apart (2 s at 30 a minute).
func TestLimiterSpacing(t *testing.T) {
	l := newTestLimiter(30, 10000)
	t0 := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	if ok, _ := l.reserve(t0, 1); !ok {
		t.Fatal("first message refused")
	}
	l.done(1, &Delivery{At: t0, Recipients: 1})
	if ok, wait := l.reserve(t0.Add(time.Second), 1); ok || wait != time.Second {
		t.Errorf("1 s later: ok=%v wait=%v, want a wait of 1 s", ok, wait)
	}
	if ok, _ := l.reserve(t0.Add(2*time.Second), 1); !ok {
		t.Error("2 s later refused")
	}
}

// No more than perWindow in any window, counting deliveries and messages
// in flight, whatever the spacing allows (after a restart the spacing has
// no last start; the window comes from sent.log).
func TestLimiterWindow(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	l := newTestLimiter(3, 10000)
	for _, s := range []int{0, 20, 40} {
		l.sent = append(l.sent, Delivery{At: t0.Add(time.Duration(s) * time.Second), Recipients: 1})
	}
	if ok, wait := l.reserve(t0.Add(50*time.Second), 1); ok || wait <= 0 || wait > 11*time.Second {
		t.Errorf("a 4th message in the minute: ok=%v wait=%v", ok, wait)
	}
	if ok, _ := l.reserve(t0.Add(61*time.Second), 1); !ok {
		t.Error("refused once the first left the window")
	}
	// In flight counts: 2 sent in the window + 1 in flight = 3.
	l = newTestLimiter(3, 10000)
	l.sent = []Delivery{{At: t0, Recipients: 1}, {At: t0.Add(20 * time.Second), Recipients: 1}}
	l.inflight, l.inflRcpts = 1, 1
	if ok, _ := l.reserve(t0.Add(50*time.Second), 1); ok {
		t.Error("a message in flight was not counted")
	}
}

// The daily recipient budget.
func TestLimiterDayBudget(t *testing.T) {
	l := newTestLimiter(30, 10)
	t0 := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	l.sent = []Delivery{{At: t0, Recipients: 8}}
	if ok, wait := l.reserve(t0.Add(time.Hour), 3); ok || wait < 22*time.Hour {
		t.Errorf("over the day's budget: ok=%v wait=%v", ok, wait)
	}
	if ok, _ := l.reserve(t0.Add(time.Hour), 2); !ok {
		t.Error("within the budget refused")
	}
	if ok, _ := l.reserve(t0.Add(25*time.Hour), 3); !ok {
		t.Error("refused the next day")
	}
}
