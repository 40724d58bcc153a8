package tui

import (
	"strings"
	"unicode"

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
				out = append(out, indent+p)
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

// sentences joins b to a as the next sentence: a ends with one full stop
// (a text that already has one gets no second), and b follows after a
// space. When a ends with a line break (a command on a line of its own,
// which a full stop would change) b starts on a new line.
func sentences(a, b string) string {
	if strings.HasSuffix(a, "\n") {
		return strings.TrimRight(a, "\n") + "\n" + b
	}
	a = strings.TrimSpace(a)
	if !strings.HasSuffix(a, ".") {
		a += "."
	}
	return a + " " + b
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

// richText wraps a catalogue text to width columns. The catalogue marks
// commands with `backticks`; a backtick is PowerShell's escape character, so
// a command hard-wrapped inside them and copied from the screen runs only
// half. Each command (a span with a space in it) therefore stands on lines
// of its own, indented, without the backticks, wrapped only at spaces with
// a deeper indent for the continuation; a one-word span (`$null`) stays in
// the sentence, without its backticks.
func richText(text string, width int) string {
	parts := strings.Split(text, "`")
	if len(parts)%2 == 0 {
		// An unpaired backtick is not markup: keep it in the last part.
		parts[len(parts)-2] += "`" + parts[len(parts)-1]
		parts = parts[:len(parts)-1]
	}
	var out []string
	var prose strings.Builder
	afterCommand := false
	flush := func() {
		p := strings.TrimSpace(prose.String())
		prose.Reset()
		if afterCommand {
			// The sentence goes on after the command: its "," or "." would
			// stand alone at the start of a line.
			p = strings.TrimSpace(strings.TrimLeft(p, ",;."))
		}
		if p != "" {
			out = append(out, wrap(p, width))
		}
	}
	for i, part := range parts {
		if i%2 == 0 || !isCommand(part) {
			prose.WriteString(part)
			continue
		}
		flush()
		out = append(out, commandLines(part, width))
		afterCommand = true
	}
	flush()
	return strings.Join(out, "\n")
}

// isCommand reports whether a `span` is a command to put on its own lines.
func isCommand(span string) bool { return strings.Contains(strings.TrimSpace(span), " ") }

// commandLines draws a command indented, wrapped at spaces only, its
// continuation lines indented further so they read as one command.
func commandLines(cmd string, width int) string {
	const first, cont = "    ", "      "
	words := strings.Fields(cmd)
	var lines []string
	line := ""
	limit := max(10, width-len(first))
	for _, w := range words {
		switch {
		case line == "":
			line = w
		case ansi.StringWidth(line)+1+ansi.StringWidth(w) <= limit:
			line += " " + w
		default:
			lines = append(lines, line)
			line, limit = w, max(10, width-len(cont))
		}
	}
	lines = append(lines, line)
	for i, l := range lines {
		ind, lim := first, max(10, width-len(first))
		if i > 0 {
			ind, lim = cont, max(10, width-len(cont))
		}
		// A single word longer than the line (rare in a command) breaks.
		l = strings.ReplaceAll(wrap(l, lim), "\n", "\n"+cont)
		lines[i] = ind + theme.value.Render(l)
	}
	return strings.Join(lines, "\n")
}

// commandsIn returns the commands marked in text, in order.
func commandsIn(text string) []string {
	parts := strings.Split(text, "`")
	var out []string
	for i := 1; i < len(parts)-1; i += 2 {
		if isCommand(parts[i]) {
			out = append(out, strings.TrimSpace(parts[i]))
		}
	}
	return out
}
