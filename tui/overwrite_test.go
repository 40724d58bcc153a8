package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/steps"
)

// Saving over a file that could not be read asks first, in one clean
// sentence that says a copy is kept; the summary then does not claim to
// know which provider the lost file enabled.
func TestOverwriteUnreadableConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pimmail", "config.json")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(`{"enabled": "smtp-relay", "smtpRelay": {`), 0o600); err != nil {
		t.Fatal(err)
	}
	run, start := steps.Open(steps.Env{ConfigPath: path, Timeout: time.Minute})
	if !start.NeedsConsent {
		t.Fatal("a broken file needs no consent")
	}
	m, _ := newModel(run, start)
	m = entraTo(t, m, steps.StepEnable)
	m, _ = press(t, m, "enter")
	v := flat(m.View())
	if !strings.Contains(v, "Saving replaces it and keeps a copy as config.json.broken-<time>. Overwrite it? (y/n)") {
		t.Errorf("the question does not say a copy is kept:\n%s", m.View())
	}
	if strings.Contains(v, "..") || strings.Contains(v, ". .") {
		t.Errorf("the question has a double full stop:\n%s", m.View())
	}
	m, _ = press(t, m, "y")
	sum := steps.SaveSummary{ConfigPath: path, CachePath: config.CachePath(path), Provider: config.ProviderEntra,
		Mailbox: mailbox, Backup: path + ".broken-20250314T092653Z", PrevUnreadable: true}
	m, _ = send(t, m, result(m, sum, nil))
	v = flat(m.View())
	if !strings.Contains(v, "Disabled unknown (the previous file could not be read)") {
		t.Errorf("the summary claims to know what was disabled:\n%s", m.View())
	}
	if strings.Contains(v, "no other provider was enabled") {
		t.Errorf("the summary claims no other provider was enabled:\n%s", m.View())
	}
}

func TestSentences(t *testing.T) {
	for _, tc := range []struct{ a, b, want string }{
		{"It broke", "Go on.", "It broke. Go on."},
		{"It broke.", "Go on.", "It broke. Go on."},
		{"It broke. ", "Go on.", "It broke. Go on."},
		{"Run:\n  chmod 600 /etc/p.json\n", "Go on.", "Run:\n  chmod 600 /etc/p.json\nGo on."},
	} {
		if got := sentences(tc.a, tc.b); got != tc.want {
			t.Errorf("sentences(%q, %q) = %q, want %q", tc.a, tc.b, got, tc.want)
		}
	}
}
