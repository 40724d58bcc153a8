package tui

import (
	"fmt"
	"io"
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
}

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

// copiedNote is the flash after a command was copied.
func copiedNote(msg copiedMsg) string {
	if msg.err != nil {
		return "✗ Could not write to the terminal: " + msg.err.Error()
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
