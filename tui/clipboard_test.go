package tui

import (
	"strings"
	"testing"

	"github.com/pimmail/pimmail/steps"
)

// TestOSC52Support: which terminals get the OSC 52 copy, and which are
// told to select and copy instead.
func TestOSC52Support(t *testing.T) {
	tests := []struct {
		name string
		goos string
		env  map[string]string
		want clipSupport
	}{
		{"Windows Terminal on the server", "windows", map[string]string{"WT_SESSION": "0f6c…"}, clipYes},
		{"conhost on the server", "windows", nil, clipNo},
		{"Windows OpenSSH server (pseudo console)", "windows", map[string]string{"SSH_CONNECTION": "10.0.0.5 50122 10.0.0.9 22", "TERM": "xterm-256color"}, clipNo},
		{"SSH from any terminal to Linux", "linux", map[string]string{"SSH_CONNECTION": "10.0.0.5 50122 10.0.0.9 22", "TERM": "xterm-256color"}, clipMaybe},
		{"Windows Terminal locally, ssh to Linux", "linux", map[string]string{"TERM": "xterm-256color"}, clipMaybe},
		{"Linux console", "linux", map[string]string{"TERM": "linux"}, clipNo},
		{"dumb terminal", "linux", map[string]string{"TERM": "dumb"}, clipNo},
		{"macOS Terminal.app", "darwin", map[string]string{"TERM_PROGRAM": "Apple_Terminal", "TERM": "xterm-256color"}, clipNo},
		{"iTerm2", "darwin", map[string]string{"TERM_PROGRAM": "iTerm.app", "TERM": "xterm-256color"}, clipMaybe},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := osc52Support(func(k string) string { return tt.env[k] }, tt.goos)
			if got != tt.want {
				t.Errorf("osc52Support = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestCopyWhereUnsupported: in a terminal without OSC 52 the copy key
// writes nothing (no stray escape sequence on a console that would print
// it) and says to select and copy.
func TestCopyWhereUnsupported(t *testing.T) {
	clipboard = clipNo
	defer func() { clipboard = clipMaybe }()
	t.Run("logon code", func(t *testing.T) {
		m, out := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepLogon)
		m, _ = send(t, m, result(m, testLogon, nil))
		m, cmd := press(t, m, "c")
		if cmd == nil {
			t.Fatal("c returned no command")
		}
		m, _ = send(t, m, cmd())
		if out.Len() != 0 {
			t.Errorf("wrote %q to a terminal without OSC 52", out.String())
		}
		v := flat(m.View())
		if !strings.Contains(v, "select and copy the code (GHKPW2QM9)") || strings.Contains(v, "OSC 52") {
			t.Errorf("view:\n%s", v)
		}
	})
	t.Run("a command's note", func(t *testing.T) {
		got := copiedNote(copiedMsg{what: copiedCommand, text: "icacls x", n: 1, of: 1, unsupported: true})
		if !strings.Contains(got, "select and copy the command") || strings.Contains(got, "copied") {
			t.Errorf("note: %q", got)
		}
	})
}
