package tui

import (
	"strings"
	"unicode"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// wrap wraps text to width columns at spaces, and breaks a word only when
// it is longer than a line (a long URL or path). Unlike ansi.Wrap it never
// breaks at hyphens, which would split GUIDs, host names and addresses that
// the admin copies from the screen; unlike a lipgloss Width style it adds
// no padding. Escape sequences are kept and take no width.
func wrap(text string, width int) string {
	if width <= 0 {
		return text
	}
	var out []string
	for _, para := range strings.Split(text, "\n") {
		// Leading spaces are an indent: kept, and repeated on the lines
		// the paragraph wraps onto.
		body := strings.TrimLeft(para, " ")
		indent := para[:len(para)-len(body)]
		if len(indent) >= width/2 {
			indent = ""
		}
		para, width := body, width-len(indent)
		line, lineW := "", 0
		flush := func() {
			out = append(out, indent+line)
			line, lineW = "", 0
		}
		for _, word := range strings.Split(para, " ") {
			w := ansi.StringWidth(word)
			switch {
			case line != "" && lineW+1+w <= width:
				line += " " + word
				lineW += 1 + w
				continue
			case line != "":
				flush()
			}
			if w <= width {
				line, lineW = word, w
				continue
			}
			pieces := strings.Split(ansi.Hardwrap(word, width, true), "\n")
			for _, p := range pieces[:len(pieces)-1] {
				out = append(out, p)
			}
			line = pieces[len(pieces)-1]
			lineW = ansi.StringWidth(line)
		}
		flush()
	}
	return strings.Join(out, "\n")
}

// printable makes text from a server (SMTP replies, banners, Entra error
// descriptions, transcripts) safe to draw: CRLF becomes a newline, tabs
// become spaces, and every other control character (an ESC could rewrite the
// screen or the clipboard) is dropped.
func printable(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, text)
}

// padRight pads s with spaces to w columns.
func padRight(s string, w int) string {
	if n := ansi.StringWidth(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

// firstSentence is the first line of text, cut after its first sentence.
func firstSentence(text string) string {
	line, _, _ := strings.Cut(text, "\n")
	if i := strings.Index(line, ". "); i >= 0 {
		return line[:i+1]
	}
	return line
}

// introFit is a step's help text for the top of its body: whole when it
// fits above rest in height lines, else its first sentence and where the
// rest is (the help screen, on helpKey), else nothing. The whole text is
// always on the help screen.
func introFit(help, helpKey string, width, height int, rest string) string {
	if help == "" {
		return ""
	}
	avail := height
	if rest != "" {
		avail -= lipgloss.Height(rest) + 1
	}
	if full := wrap(help, width); lipgloss.Height(full) <= avail {
		return full
	}
	// Non-breaking spaces keep the pointer on one line.
	short := wrap(firstSentence(help)+" "+theme.faint.Render("("+helpKey+"\u00a0for\u00a0more)"), width)
	if lipgloss.Height(short) <= avail {
		return short
	}
	return ""
}
