package draft_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/draft"
	"github.com/pimmail/pimmail/secfile"
	"github.com/pimmail/pimmail/secret"
)

func sample(at time.Time) draft.Draft {
	c := config.Default()
	c.Entra.TenantID = "7c1f3b2a-5d4e-4f60-9a8b-2c3d4e5f6a7b"
	c.Entra.ClientSecret = secret.New("Abc8Q~draft.secret-Value_0123456789")
	return draft.Draft{Written: at, Step: "smarthost", Number: 5, Title: "Smart host", Provider: config.ProviderEntra, Config: c}
}

func configIn(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "pimmail", "config.json")
}

func TestSaveLoadKeepsWhatWasTyped(t *testing.T) {
	path := configIn(t)
	now := time.Now()
	if err := draft.Save(path, sample(now.Add(-4*time.Minute))); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(draft.Path(path))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("draft file: %v, mode %v", err, st.Mode())
	}
	if dst, _ := os.Stat(filepath.Dir(path)); dst.Mode().Perm() != 0o700 {
		t.Errorf("directory made with mode %04o, want 0700", dst.Mode().Perm())
	}
	d, err := draft.Load(path, now)
	if err != nil {
		t.Fatal(err)
	}
	if d.Number != 5 || d.Config.Entra.TenantID != sample(now).Config.Entra.TenantID || d.Config.Entra.ClientSecret != sample(now).Config.Entra.ClientSecret {
		t.Errorf("loaded %+v", d)
	}
	if got := d.Age(now); got != "4 minutes ago" {
		t.Errorf("Age = %q", got)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the configuration was written: %v", err)
	}
}

func TestExpiredDraftIsRemoved(t *testing.T) {
	path := configIn(t)
	now := time.Now()
	if err := draft.Save(path, sample(now.Add(-draft.MaxAge-time.Minute))); err != nil {
		t.Fatal(err)
	}
	if _, err := draft.Load(path, now); !errors.Is(err, draft.ErrNone) {
		t.Fatalf("a draft over a day old was offered: %v", err)
	}
	if _, err := os.Stat(draft.Path(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the expired draft is still there: %v", err)
	}
	// Just under a day: still offered.
	if err := draft.Save(path, sample(now.Add(-draft.MaxAge+time.Minute))); err != nil {
		t.Fatal(err)
	}
	if _, err := draft.Load(path, now); err != nil {
		t.Errorf("a draft under a day old: %v", err)
	}
}

func TestDraftOthersCanReadIsRefused(t *testing.T) {
	path := configIn(t)
	if err := draft.Save(path, sample(time.Now())); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(draft.Path(path), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := draft.Load(path, time.Now())
	var me *secfile.ModeError
	if !errors.As(err, &me) {
		t.Fatalf("a world-readable draft was read: %v", err)
	}
	if _, err := os.Stat(draft.Path(path)); err != nil {
		t.Errorf("the refused draft must stay for the admin to see: %v", err)
	}
}

func TestNotWrittenIntoAnOpenDirectory(t *testing.T) {
	path := configIn(t)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Dir(path), 0o777); err != nil {
		t.Fatal(err)
	}
	err := draft.Save(path, sample(time.Now()))
	if err == nil || !strings.Contains(err.Error(), "chmod 700") {
		t.Fatalf("saved into a world-writable directory: %v", err)
	}
	if _, err := os.Stat(draft.Path(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a draft was written: %v", err)
	}
}

func TestRemoveAndGarbage(t *testing.T) {
	path := configIn(t)
	if err := draft.Remove(path); err != nil {
		t.Errorf("removing no draft: %v", err)
	}
	if err := secfile.WriteFile(draft.Path(path), []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	if _, err := draft.Load(path, time.Now()); !errors.Is(err, draft.ErrNone) {
		t.Errorf("garbage offered: %v", err)
	}
	if _, err := os.Stat(draft.Path(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("garbage kept: %v", err)
	}
}

// A configuration saved after the draft was written makes it stale.
func TestDraftOlderThanTheConfigIsRemoved(t *testing.T) {
	path := configIn(t)
	now := time.Now()
	if err := draft.Save(path, sample(now.Add(-time.Minute))); err != nil {
		t.Fatal(err)
	}
	if err := config.Save(path, config.Default()); err != nil {
		t.Fatal(err)
	}
	if _, err := draft.Load(path, now); !errors.Is(err, draft.ErrNone) {
		t.Fatalf("a draft older than the saved configuration was offered: %v", err)
	}
	if _, err := os.Stat(draft.Path(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the stale draft is still there: %v", err)
	}
}
