package tui

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/pimmail/pimmail/config"
)

// TestSecretExpiryFlow types the secret's expiry in step 3 as the portal's
// Expires column shows it (after a date in the past is refused on the
// field), runs the flow to Save and finds the date in the saved config.
func TestSecretExpiryFlow(t *testing.T) {
	dir := t.TempDir()
	sb := startSandbox(t, dir)
	f := newFlow(t, sb, dir, 80, 24)
	exp := time.Now().AddDate(1, 0, 0)
	f.expires = exp.Format("1/2/2006")
	f.entraPath(false, "")
	f.finish()

	cfg, err := config.Load(filepath.Join(dir, "pimmail", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if want := exp.Format(time.DateOnly); cfg.Entra.SecretExpires != want {
		t.Errorf("saved entra.secretExpires %q, want %q (typed %q)", cfg.Entra.SecretExpires, want, f.expires)
	}
}
