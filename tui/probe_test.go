package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/steps"
)

// A server that never greets: the stage line says so in words, with the
// time waited, and shows no Go error text.
func TestProbeViewSilentStage(t *testing.T) {
	r := steps.ProbeResult{Host: "mail.contoso.com", Port: 587, Stages: []steps.Stage{
		{Name: "dns", Duration: 2 * time.Millisecond, OK: true},
		{Name: "connect", Duration: 12 * time.Millisecond, OK: true},
		{Name: "greeting", Duration: 30*time.Second + 2*time.Millisecond, Detail: "nothing within 30s", Silent: true},
	}}
	v := flat(probeView(r, false, 78))
	if !strings.Contains(v, "✓ connect 12ms · ✗ greeting: nothing within 30s") {
		t.Errorf("stages read %q", v)
	}
	// Another failure keeps its time and detail.
	r.Stages[2] = steps.Stage{Name: "greeting", Duration: 5 * time.Millisecond, Detail: "554 go away"}
	if v := flat(probeView(r, false, 78)); !strings.Contains(v, "✗ greeting 5ms (554 go away)") {
		t.Errorf("stages read %q", v)
	}
}
