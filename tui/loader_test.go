package tui

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/steps"
)

// TestLoaderDrawsFirst: the first frame does not wait for the sandbox's
// start (a fresh state directory generates keys first): the loader draws
// at once, Init only returns the start as a command, and the wizard takes
// over, at the terminal's size, when it is done.
func TestLoaderDrawsFirst(t *testing.T) {
	release := make(chan struct{})
	path := t.TempDir() + "/config.json"
	open := func() (*steps.Run, steps.Start, error) {
		<-release
		run, start := steps.Open(steps.Env{ConfigPath: path})
		return run, start, nil
	}
	l := NewLoader(open, "Starting the built-in sandbox…", nil)
	began := time.Now()
	cmd := l.Init()
	if cmd == nil || !strings.Contains(l.View(), "Starting the built-in sandbox") {
		t.Fatalf("no first frame: %q", l.View())
	}
	if time.Since(began) > time.Second {
		t.Errorf("Init waited for the opener")
	}
	tm, _ := l.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	close(release)
	tm, _ = tm.Update(cmd())
	l = tm.(Loader)
	m, ok := l.Wizard()
	if !ok || !strings.Contains(l.View(), "Step 1 of") || m.width != 100 {
		t.Fatalf("the wizard did not take over at 100 columns (ok %v, width %d):\n%s", ok, m.width, l.View())
	}
	if m.cfg.Enabled != config.ProviderNone {
		t.Errorf("start config: %+v", m.cfg)
	}

	failed := NewLoader(func() (*steps.Run, steps.Start, error) { return nil, steps.Start{}, errors.New("no keys") }, "x", nil)
	tm, quit := failed.Update(failed.Init()())
	if tm.(Loader).Err() == nil || quit == nil {
		t.Errorf("a failed start does not quit with its error")
	}
}
