package tui

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/draft"
	"github.com/pimmail/pimmail/steps"
)

const draftTenant = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

// wizardAt opens the wizard on the config at path (not written).
func wizardAt(t *testing.T, path string) Model {
	t.Helper()
	run, start := steps.Open(steps.Env{ConfigPath: path, Timeout: time.Minute})
	m, _ := newModel(run, start)
	m.resume.now = time.Now // newModel switches drafts off
	return m
}

// run executes cmd and the commands of the batch it returns, without the
// ticks (they would wait), and returns the messages.
func runCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, runCmd(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// A session dropped while the tenant ID was being typed: Update writes
// nothing itself; the draft is written in a command once typing pauses,
// and the next run offers it, continues at that step with the value, or
// deletes it on n.
func TestDraftKeptOfferedAndContinued(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pimmail", "config.json")
	m := wizardAt(t, path)
	m, _ = press(t, m, "enter") // Entra (the default) -> IDs
	if m.cur != steps.StepIDs {
		t.Fatalf("at %s", m.cur)
	}
	m, cmd := send(t, m, paste(draftTenant))
	if _, err := os.Stat(draft.Path(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Update wrote the draft itself: %v", err)
	}
	if cmd == nil {
		t.Fatal("typing schedules no draft write")
	}
	// The debounce: an older tick writes nothing, the latest one does.
	if _, c := m.update(draftTick{gen: m.resume.gen - 1}); c != nil {
		t.Error("a stale tick writes the draft")
	}
	_, c := m.update(draftTick{gen: m.resume.gen})
	runCmd(c)
	st, err := os.Stat(draft.Path(path))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("draft: %v, %v", err, st)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the configuration was written: %v", err)
	}

	// The next run.
	m2 := wizardAt(t, path)
	view := m2.View()
	if !strings.Contains(view, "Continue where you left off (step 2") || !strings.Contains(view, "just now") {
		t.Fatalf("no offer:\n%s", view)
	}
	m2, _ = press(t, m2, "y")
	if m2.cur != steps.StepIDs || m2.provider != config.ProviderEntra {
		t.Fatalf("continued at %s (%s)", m2.cur, m2.provider)
	}
	if !strings.Contains(m2.View(), draftTenant) {
		t.Errorf("the typed tenant ID is not back:\n%s", m2.View())
	}

	// Another run declines: the draft is deleted (in a command).
	m3 := wizardAt(t, path)
	m3, c = press(t, m3, "n")
	if m3.resume.offer != nil || m3.cur != steps.StepProvider {
		t.Fatalf("after n: offer %v, at %s", m3.resume.offer, m3.cur)
	}
	runCmd(c)
	if _, err := os.Stat(draft.Path(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the declined draft is still there: %v", err)
	}
	if strings.Contains(wizardAt(t, path).View(), "Continue where") {
		t.Error("offered again after n")
	}
}

// Ctrl+C keeps what was typed (a command writes it before the program
// quits); a wizard where nothing was typed leaves no draft.
func TestCtrlCKeepsTheDraft(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pimmail", "config.json")
	m := wizardAt(t, path)
	if c := m.draftCmd(); c != nil {
		t.Error("a draft for a wizard where nothing was typed")
	}
	m, _ = press(t, m, "enter")
	m, _ = send(t, m, paste(draftTenant))
	m, cmd := press(t, m, "ctrl+c")
	if !m.quitting || cmd == nil {
		t.Fatalf("ctrl+c: quitting %v, cmd %v", m.quitting, cmd)
	}
	if _, err := os.Stat(draft.Path(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Update wrote the draft itself: %v", err)
	}
	runCmd(m.draftCmd()) // what the sequence runs before tea.Quit
	d, err := draft.Load(path, time.Now())
	if err != nil || d.Config.Entra.TenantID != draftTenant || d.Step != string(steps.StepIDs) {
		t.Fatalf("draft after ctrl+c: %+v, %v", d, err)
	}
}

// Save removes the draft of an earlier run.
func TestSaveRemovesTheDraft(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pimmail", "config.json")
	c := config.Default()
	c.Local.Host = "127.0.0.1"
	c.Email.From = "pim@contoso.example"
	if err := draft.Save(path, draft.Draft{Written: time.Now(), Step: "server", Number: 2, Provider: config.ProviderLocal, Config: c}); err != nil {
		t.Fatal(err)
	}
	run, _ := steps.Open(steps.Env{ConfigPath: path})
	if _, err := run.SaveSettings(c, false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(draft.Path(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the draft outlived Save: %v", err)
	}
}

// An Entra draft from after the sign-in continues at the sign-in: the
// token was in memory only.
func TestDraftAfterSignInContinuesAtSignIn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pimmail", "config.json")
	c := config.Default()
	c.Entra.TenantID = draftTenant
	if err := draft.Save(path, draft.Draft{Written: time.Now().Add(-4 * time.Minute), Step: string(steps.StepSmartHost), Number: 5,
		Title: "Smart host", Provider: config.ProviderEntra, Config: c, Done: []string{"ids", "logon", "provider", "secret"}}); err != nil {
		t.Fatal(err)
	}
	m := wizardAt(t, path)
	view := m.View()
	for _, want := range []string{"Continue where you left off (step 5, Smart host, 4 minutes ago)?", "signs in again"} {
		if !strings.Contains(strings.Join(strings.Fields(view), " "), want) {
			t.Errorf("offer lacks %q:\n%s", want, view)
		}
	}
	m, _ = press(t, m, "enter")
	if m.cur != steps.StepLogon || m.done[steps.StepLogon] || !m.done[steps.StepSecret] {
		t.Errorf("continued at %s with done %v", m.cur, m.done)
	}
}
