package tui

import (
	"strings"

	"github.com/muesli/termenv"
)

// BasicProfile returns the colour profile for a terminal that termenv
// detects as Ascii although it has the basic attributes (bold, faint,
// underline, reverse) and the 8 ANSI colours: screen, tmux, rxvt and the
// VT100 family say so only by their TERM name, and Ascii would draw the
// wizard without a single bold header or coloured check. ok is false when
// the detected profile stands: a richer one, NO_COLOR set, TERM=dumb or an
// unknown TERM. The colours are the 16 basic ones only (see styles), which
// a VT100 ignores without harm.
func BasicProfile(detected termenv.Profile, term string, noColor bool) (termenv.Profile, bool) {
	if detected != termenv.Ascii || noColor {
		return detected, false
	}
	t := strings.ToLower(term)
	for _, prefix := range []string{"screen", "tmux", "rxvt", "vt1", "vt2", "vt3", "vt4", "vt5", "ansi", "cygwin", "putty", "konsole", "eterm", "st"} {
		if strings.HasPrefix(t, prefix) {
			return termenv.ANSI, true
		}
	}
	return detected, false
}
