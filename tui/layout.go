package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// detail says which optional parts a step's body draws. arrange lowers it
// step by step until the body fits: first the step's intro goes (it is on
// the help screen), then the fields' help lines, then results come before
// notes (a problem keeps its order: title, explanation, fix, details). What still does not fit
// scrolls; nothing is cut off unseen.
type detail struct {
	fieldHelp bool // the help line under each field
	compact   bool // results before notes
}

// bodyFn draws a step's body at a level of detail: top stays in view (the
// fields), bottom scrolls when it must (status, problem, results).
type bodyFn func(d detail) (top, bottom string)

// scrollPos is where a step's scrollable part is scrolled to: an offset in
// lines, or an anchor (the start of a line) to show at the top, which
// wins while set. Steps reset it when what they show changes.
type scrollPos struct {
	off    int
	anchor string
}

// anchored returns the position that shows the line starting with a.
func anchored(a string) scrollPos { return scrollPos{anchor: a} }

// minWindow is the fewest lines a scroll region shows below pinned fields;
// with less room the fields scroll too.
const minWindow = 4

// arranged is a step's body fitted to its box.
type arranged struct {
	text    string // what the step's View returns
	content string // the scroll region's lines; "" when all fits
	width   int
	window  int // the scroll region's height on screen
	off     int // its offset, clamped
}

// maxIntroLines is the longest a step's opening paragraph is shown whole;
// a longer one shows its first sentence and where the rest is.
const maxIntroLines = 3

// arrange fits a body into width x height. help is the step's intro
// (whole, then its first sentence with where the rest is, then nothing),
// helpKey the key of the help screen.
func arrange(help, helpKey string, width, height int, pos scrollPos, fn bodyFn) arranged {
	levels := []struct {
		intro int // 2 whole, 1 first sentence, 0 none
		d     detail
	}{
		{2, detail{fieldHelp: true}}, {1, detail{fieldHelp: true}}, {0, detail{fieldHelp: true}},
		{0, detail{}}, {0, detail{compact: true}},
	}
	for _, lv := range levels {
		top, bottom := fn(lv.d)
		var intro string
		switch {
		case help == "":
		case lv.intro == 2:
			intro = wrap(help, width)
			if lipgloss.Height(intro) > maxIntroLines {
				// A first-timer reads two or three lines, not a page: the
				// rest is one key away.
				continue
			}
		case lv.intro == 1:
			// Non-breaking spaces keep the pointer on one line.
			intro = wrap(firstSentence(help)+" "+theme.faint.Render("("+helpKey+"\u00a0for\u00a0more)"), width)
		}
		if body := joinBlocks(intro, top, bottom); lipgloss.Height(body) <= height {
			return arranged{text: body, width: width}
		}
	}
	top, bottom := fn(detail{compact: true})
	if top != "" && lipgloss.Height(top)+1+minWindow+1 > height {
		top, bottom = "", joinBlocks(top, bottom)
	}
	window := height - 1 // the marker line
	if top != "" {
		window -= lipgloss.Height(top) + 1
	}
	a := arranged{content: bottom, width: width, window: max(1, window)}
	off := pos.off
	if pos.anchor != "" {
		off = a.find(pos.anchor)
	}
	// An anchor near the end (the details, the transcript) still goes to
	// the top of the region: blank lines below let it, where the viewport
	// would stop at the last screenful and open mid-sentence above it.
	// Offsets kept after scrolling from there keep the room.
	if short := off - (lipgloss.Height(a.content) - a.window); short > 0 {
		a.content += strings.Repeat("\n", short)
	}
	vp := a.viewport(off)
	a.off = vp.YOffset
	view := strings.TrimRight(vp.View(), " \n")
	a.text = joinBlocks(top, view) + strings.Repeat("\n", max(0, a.window-lipgloss.Height(view))) + "\n" + moreMarker(vp)
	return a
}

// viewport is the scroll region as a bubbles viewport at off.
func (a arranged) viewport(off int) viewport.Model {
	vp := viewport.New(a.width, a.window)
	vp.KeyMap = viewport.KeyMap{PageDown: keys.PageDown, PageUp: keys.PageUp, Down: keys.LineDown, Up: keys.LineUp}
	vp.MouseWheelEnabled = false
	vp.SetContent(a.content)
	vp.SetYOffset(off)
	return vp
}

// scrollable reports whether part of the body scrolls.
func (a arranged) scrollable() bool { return a.content != "" }

// find is the offset that shows the first line starting with prefix at
// the top of the region (0 when there is none).
func (a arranged) find(prefix string) int {
	for i, l := range strings.Split(a.content, "\n") {
		if strings.HasPrefix(strings.TrimSpace(ansi.Strip(l)), prefix) {
			return i
		}
	}
	return 0
}

// scroll handles a scroll key: pgup/pgdn always, ↑/↓ when arrows (the step
// does not use them otherwise). ok is false when km is not a scroll key
// here, or nothing scrolls.
func (a arranged) scroll(km tea.KeyMsg, arrows bool) (scrollPos, bool) {
	if !a.scrollable() {
		return scrollPos{}, false
	}
	if !key.Matches(km, keys.PageDown, keys.PageUp) && !(arrows && key.Matches(km, keys.LineDown, keys.LineUp)) {
		return scrollPos{}, false
	}
	vp, _ := a.viewport(a.off).Update(km)
	return scrollPos{off: vp.YOffset}, true
}

// moreMarker says that, and where, more is to be seen.
func moreMarker(vp viewport.Model) string {
	up, down := !vp.AtTop(), !vp.AtBottom()
	switch {
	case up && down:
		return theme.warn.Render("↑↓ more (pgup/pgdn)")
	case down:
		return theme.warn.Render("↓ more (pgdn)")
	case up:
		return theme.warn.Render("↑ more above (pgup)")
	}
	return ""
}
