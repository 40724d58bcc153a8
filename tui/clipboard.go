package tui

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/aymanbagabas/go-osc52/v2"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/steps"
)

// copiedMsg reports how writing the OSC 52 sequence went.
type copiedMsg struct {
	step steps.ID
	what string // copiedCode or copiedCommand
	// text is what was copied; n is its place (from 1) among the of
	// commands on screen, which the copy key goes through in turn.
	text  string
	n, of int
	err   error
	// unsupported: the terminal cannot take OSC 52 (see osc52Support), so
	// nothing was sent and the admin is told to select and copy.
	unsupported bool
}

// clipSupport is whether an OSC 52 copy can reach the admin's clipboard.
type clipSupport int

const (
	clipMaybe clipSupport = iota // most terminals, over SSH or not: try, and say so if paste brings nothing
	clipYes                      // known to work (Windows Terminal)
	clipNo                       // known not to: do not send, say "select and copy"
)

// osc52Support decides from the environment (getenv) and the platform
// (goos) whether the terminal pimmail draws on passes OSC 52 to a
// clipboard. Windows Terminal sets WT_SESSION in its shells and copies.
// The Windows console host (conhost, a console opened on the server) has
// no clipboard sequence, and neither does the Windows OpenSSH server's
// pseudo console, which redraws the screen for the client and drops
// sequences it does not know; so on Windows without WT_SESSION the copy is
// not attempted. The Linux console (TERM=linux), a dumb terminal and
// macOS's Terminal.app ignore it too. Everything else is worth a try.
func osc52Support(getenv func(string) string, goos string) clipSupport {
	if getenv("WT_SESSION") != "" {
		return clipYes
	}
	if goos == "windows" {
		return clipNo
	}
	switch getenv("TERM") {
	case "linux", "dumb":
		return clipNo
	}
	if getenv("TERM_PROGRAM") == "Apple_Terminal" && getenv("SSH_CONNECTION") == "" {
		return clipNo
	}
	return clipMaybe
}

// clipboard is what this process's terminal supports, decided once.
var clipboard = osc52Support(os.Getenv, runtime.GOOS)

// What a copy put on the clipboard.
const (
	copiedCode    = "code"    // the device code
	copiedCommand = "command" // the command of a problem
)

// copyCmd puts text on the clipboard of the admin's own terminal with an
// OSC 52 escape sequence, which travels over SSH to the local terminal.
//
// Bubble Tea v1 has no API for raw output (v2's SetClipboard is what this
// stands in for): tea.Printf/Println print above the program and are
// dropped in the alternate screen, and tea.Exec would suspend and repaint
// the whole screen. So the sequence is written, in one Write call, to the
// terminal the program draws on, from a tea.Cmd so Update stays free of I/O.
// The renderer also writes whole frames in one Write; the terminal keeps the
// two apart, and an OSC sequence moves no cursor, so the screen is not
// disturbed. Inside tmux the sequence is sent a second time wrapped for
// tmux's passthrough, for setups where tmux does not forward plain OSC 52.
//
// note says what is copied (step, what, n of); the returned message is
// note with the text and the outcome.
func copyCmd(note copiedMsg, out io.Writer, text string, tmux bool) tea.Cmd {
	if clipboard == clipNo {
		note.text, note.unsupported = text, true
		return func() tea.Msg { return note }
	}
	return func() tea.Msg {
		seq := osc52.New(text).String()
		if tmux {
			seq += osc52.New(text).Tmux().String()
		}
		_, err := io.WriteString(out, seq)
		note.text, note.err = text, err
		return note
	}
}

// copiedCodeNote is the logon step's line after the copy key.
func copiedCodeNote(msg copiedMsg) string {
	switch {
	case msg.err != nil:
		return "Could not write to the terminal: " + msg.err.Error()
	case msg.unsupported:
		return "This terminal cannot take a copy from pimmail: select and copy the code (" + msg.text + ") with the mouse, or type it."
	}
	return "Code sent to your clipboard (OSC 52). If paste brings nothing, your terminal does not allow it: type the code."
}

// copiedNote is the flash after a command was copied.
func copiedNote(msg copiedMsg) string {
	if msg.err != nil {
		return "✗ Could not write to the terminal: " + msg.err.Error()
	}
	if msg.unsupported {
		return "This terminal cannot take a copy from pimmail: select and copy the command on screen with the mouse."
	}
	const tail = " If paste brings nothing, your terminal does not allow it: copy it from the screen."
	if msg.of <= 1 {
		return "✓ Command copied to your clipboard (OSC 52)." + tail
	}
	name, _, more := strings.Cut(msg.text, " ")
	if more {
		name += " …"
	}
	again := "copies the next"
	if msg.n >= msg.of {
		again = "starts over with the first"
	}
	return fmt.Sprintf("✓ Copied command %d of %d: %s to your clipboard (OSC 52); %s again %s.",
		msg.n, msg.of, name, copyCommandKey(true).Help().Key, again) + tail
}
