package tui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/steps"
)

// TestMain draws every view in the Ascii profile, as with NO_COLOR: the
// goldens hold plain text, and the tests prove the screens read without
// colour.
func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii)
	// Whatever terminal runs the tests (CI may have TERM=dumb), the copy
	// key sends OSC 52; clipboard_test.go covers the terminals that cannot.
	clipboard = clipMaybe
	os.Exit(m.Run())
}

// fixedNow is the model tests' clock: their device codes arrive then, and
// their ticks count from it.
var fixedNow = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

// testHints are sandbox hints with fixed values, for tests that only need
// the wizard to be in sandbox mode (no sandbox runs behind them).
var testHints = steps.Hints{
	TenantID:     "7c1f3b2a-5d4e-4f60-9a8b-2c3d4e5f6a7b",
	TenantDomain: "contoso-sandbox.onmicrosoft.com",
	ClientID:     "3f2e1d0c-9b8a-4765-8432-10fedcba9876",
	ClientSecret: "Sbx8Q~sandbox.Secret-Value_0123456789abcdEF",
	SecretID:     "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d",
	Mailbox:      "pim-notifications@contoso-sandbox.onmicrosoft.com",
	SmartHost:    "127.0.0.1", SmartPort: 40587,
	RelayHost: "127.0.0.1", RelayPort: 40025,
	LocalHost: "127.0.0.1", LocalPort: 40026,
	RelayDomain: "contoso-sandbox.com",
}

// openModel opens a run on a config in a fresh directory (written first
// when cfg is non-nil) and returns the wizard at 80x24, with its OSC 52
// output captured.
func openModel(t *testing.T, cfg *config.Config, hints *steps.Hints) (Model, *bytes.Buffer) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pimmail", "config.json")
	if cfg != nil {
		if err := config.Save(path, *cfg); err != nil {
			t.Fatal(err)
		}
	}
	run, start := steps.Open(steps.Env{ConfigPath: path, Sandbox: hints, Timeout: time.Minute})
	return newModel(run, start)
}

// newModel returns the wizard for run at 80x24 with captured OSC 52 output.
func newModel(run *steps.Run, start steps.Start) (Model, *bytes.Buffer) {
	var out bytes.Buffer
	m := New(run, start).WithOutput(&out)
	m.tmux = false
	// No drafts: the commands the tests look at stay the steps' own.
	// draft_test.go switches them on.
	m.resume.now = nil
	m, _ = m.update(tea.WindowSizeMsg{Width: 80, Height: 24})
	return m, &out
}

// k returns the key message for a key name as Bubble Tea reports it
// ("enter", "esc", "tab", "shift+tab", "ctrl+c", "space", "up", ...);
// anything else is typed as runes.
func k(name string) tea.KeyMsg {
	special := map[string]tea.KeyType{
		"enter": tea.KeyEnter, "esc": tea.KeyEsc, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab,
		"ctrl+c": tea.KeyCtrlC, "space": tea.KeySpace, "up": tea.KeyUp, "down": tea.KeyDown,
		"left": tea.KeyLeft, "right": tea.KeyRight, "ctrl+r": tea.KeyCtrlR, "ctrl+n": tea.KeyCtrlN,
		"ctrl+d": tea.KeyCtrlD, "ctrl+t": tea.KeyCtrlT, "ctrl+u": tea.KeyCtrlU, "f1": tea.KeyF1,
		"pgdown": tea.KeyPgDown, "backspace": tea.KeyBackspace,
	}
	if t, ok := special[name]; ok {
		if t == tea.KeySpace {
			return tea.KeyMsg{Type: t, Runes: []rune{' '}}
		}
		return tea.KeyMsg{Type: t}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(name)}
}

// paste returns s as a bracketed paste.
func paste(s string) tea.KeyMsg {
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s), Paste: true}
}

// send feeds msgs to the model in order and returns the model and the last
// command. Commands are not run: checks would reach the network.
func send(t *testing.T, m Model, msgs ...tea.Msg) (Model, tea.Cmd) {
	t.Helper()
	var cmd tea.Cmd
	for _, msg := range msgs {
		var tm tea.Model
		tm, cmd = m.Update(msg)
		m = tm.(Model)
	}
	return m, cmd
}

// keysOf turns key names into messages.
func keysOf(names ...string) []tea.Msg {
	out := make([]tea.Msg, len(names))
	for i, n := range names {
		out[i] = k(n)
	}
	return out
}

// press feeds key names to the model.
func press(t *testing.T, m Model, names ...string) (Model, tea.Cmd) {
	t.Helper()
	return send(t, m, keysOf(names...)...)
}

// result is the message a finished check of the current step would send,
// with the step's current sequence number.
func result[T any](m Model, val T, err error) done[T] {
	var c checker
	switch st := m.current().(type) {
	case idsStep:
		c = st.check
	case secretStep:
		c = st.check
	case logonStep:
		c = st.check
	case signInStep:
		switch ch := st.child().(type) {
		case logonStep:
			c = ch.check
		case authCodeStep:
			c = ch.check
		case appOnlyStep:
			c = ch.check
		}
	case smartHostStep:
		c = st.check
	case serverStep:
		c = st.check
	case credentialsStep:
		c = st.check
	case testStep:
		c = st.check
	case enableStep:
		c = st.check
	}
	return done[T]{tag: tag{step: m.cur, seq: c.seq}, val: val, err: err}
}

// checkScreen fails when the view does not fit width x height or carries
// escape sequences (the Ascii profile must draw none).
func checkScreen(t *testing.T, view string, width, height int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) > height {
		t.Errorf("view has %d lines, more than %d:\n%s", len(lines), height, view)
	}
	for i, l := range lines {
		if w := lipgloss.Width(l); w > width {
			t.Errorf("line %d is %d columns wide, more than %d: %q", i+1, w, width, l)
		}
	}
	if strings.Contains(view, "\x1b") {
		t.Errorf("view carries escape sequences in the Ascii profile:\n%q", view)
	}
}
