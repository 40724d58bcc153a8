package tui

import (
	"testing"

	"github.com/muesli/termenv"
)

func TestBasicProfile(t *testing.T) {
	for _, tt := range []struct {
		detected termenv.Profile
		term     string
		noColor  bool
		want     termenv.Profile
	}{
		{termenv.Ascii, "screen", false, termenv.ANSI},
		{termenv.Ascii, "vt100", false, termenv.ANSI},
		{termenv.Ascii, "vt220", false, termenv.ANSI},
		{termenv.Ascii, "tmux", false, termenv.ANSI},
		{termenv.Ascii, "screen", true, termenv.Ascii}, // NO_COLOR wins
		{termenv.Ascii, "dumb", false, termenv.Ascii},
		{termenv.Ascii, "", false, termenv.Ascii},
		{termenv.ANSI256, "screen-256color", false, termenv.ANSI256},
	} {
		if got, _ := BasicProfile(tt.detected, tt.term, tt.noColor); got != tt.want {
			t.Errorf("BasicProfile(%v, %q, %v) = %v, want %v", tt.detected, tt.term, tt.noColor, got, tt.want)
		}
	}
}
