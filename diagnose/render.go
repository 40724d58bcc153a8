package diagnose

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pimmail/pimmail/hostport"
)

// Rendering a catalogue entry for an admin. The texts hold placeholders
// for the facts of the attempt (<mailbox>, <from>, <clientId>, <tenant>,
// <host>, <port>), filled from Facts. What the admin reads must never show
// a raw placeholder where a sentence is meant, so a placeholder whose fact
// is unknown becomes natural words ("the mailbox") in the title, the
// explanation and the prose of the fix. Inside a command of the fix
// (between backticks) it stays: the admin must type a value there, and
// "Set-CASMailbox -Identity the mailbox" would be a broken command.
//
// Catalogue texts may also hold an optional group outside commands:
// "{text with <placeholders>|fallback}" renders as the text, filled, when
// every placeholder in it is known, else as the fallback ("|fallback" may
// be left out: nothing then). It lets "the mailbox{ <mailbox>}" read "the
// mailbox pim@contoso.com" or "the mailbox", never "the mailbox the mailbox".

// placeholderWords are the natural words for a placeholder whose fact is
// unknown, in the order New fills them.
var placeholderWords = []struct{ ph, words string }{
	{"<mailbox>", "the mailbox"},
	{"<from>", "the From address"},
	{"<clientId>", "the app"},
	{"<tenant>", "the tenant"},
	{"<host>", "the server"},
	{"<port>", "the port"},
}

// factOf returns the value Facts hold for placeholder ph ("" when unknown
// or when ph is not a fact placeholder).
func factOf(ph string, f Facts) string {
	switch ph {
	case "<mailbox>":
		return strings.TrimSpace(f.Mailbox)
	case "<from>":
		return strings.TrimSpace(f.From)
	case "<clientId>":
		return strings.TrimSpace(f.ClientID)
	case "<tenant>":
		return strings.TrimSpace(f.TenantID)
	case "<host>":
		return strings.TrimSpace(f.Host)
	case "<port>":
		if f.Port > 0 {
			return strconv.Itoa(f.Port)
		}
	}
	return ""
}

// wordsFor returns the natural words for placeholder ph, or "" when ph is
// not a fact placeholder (e.g. <your app>, an instruction to the admin).
func wordsFor(ph string) string {
	for _, p := range placeholderWords {
		if p.ph == ph {
			return p.words
		}
	}
	return ""
}

// renderEntry renders the three texts of e for f, with groups.
func renderEntry(e Entry, f Facts) (title, explanation, fix string) {
	return renderProse(e.Title, f, true), renderProse(e.Explanation, f, true), renderFix(e.Fix, f, true)
}

// renderProse renders a title or explanation: groups resolved (when
// groups is set), known placeholders filled, unknown ones as natural words.
func renderProse(s string, f Facts, groups bool) string {
	if groups {
		s = resolveGroups(s, f)
	}
	if factOf("<port>", f) == "" {
		// "<host>:<port>" without a port is just the host.
		s = strings.ReplaceAll(s, "<host>:<port>", "<host>")
	}
	return replacePlaceholders(s, f, true)
}

// renderFix renders a fix: commands (between backticks) keep the
// placeholders of unknown facts, the prose around them reads as prose.
func renderFix(s string, f Facts, groups bool) string {
	parts := strings.Split(s, "`")
	for i, p := range parts {
		if i%2 == 1 && i < len(parts)-1 {
			parts[i] = replacePlaceholders(p, f, false)
			continue
		}
		parts[i] = renderProse(p, f, groups)
	}
	return strings.Join(parts, "`")
}

// resolveGroups resolves the "{text|fallback}" groups of s.
func resolveGroups(s string, f Facts) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(s, '{')
		if open < 0 {
			break
		}
		end := strings.IndexByte(s[open:], '}')
		if end < 0 {
			break
		}
		end += open
		b.WriteString(s[:open])
		body, fallback, _ := strings.Cut(s[open+1:end], "|")
		if allKnown(body, f) {
			b.WriteString(body)
		} else {
			b.WriteString(fallback)
		}
		s = s[end+1:]
	}
	b.WriteString(s)
	return b.String()
}

// allKnown reports whether every fact placeholder in s has a value.
func allKnown(s string, f Facts) bool {
	for _, p := range placeholderWords {
		if strings.Contains(s, p.ph) && factOf(p.ph, f) == "" {
			return false
		}
	}
	return true
}

// replacePlaceholders fills the fact placeholders of s. Unknown ones become
// natural words when words is set (capitalised at the start of a
// sentence), and stay as they are otherwise.
func replacePlaceholders(s string, f Facts, words bool) string {
	if !strings.Contains(s, "<") {
		return s
	}
	if f.Port > 0 && strings.TrimSpace(f.Host) != "" {
		// One address, an IPv6 literal in brackets ([::1]:25), as
		// openssl -connect and the wizard's host field read it.
		s = strings.ReplaceAll(s, "<host>:<port>", hostport.Join(strings.TrimSpace(f.Host), f.Port))
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '<' {
			b.WriteByte(s[i])
			i++
			continue
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			b.WriteString(s[i:])
			break
		}
		ph := s[i : i+end+1]
		switch v, w := factOf(ph, f), wordsFor(ph); {
		case v != "":
			b.WriteString(v)
		case w != "" && words:
			if sentenceStart(b.String()) {
				w = capitalise(w)
			}
			b.WriteString(w)
		default:
			b.WriteString(ph)
		}
		i += end + 1
	}
	return b.String()
}

// sentenceStart reports whether text written so far ends where a sentence
// begins: nothing yet, or a full stop, question or exclamation mark, or a
// line break, followed by spaces.
func sentenceStart(before string) bool {
	t := strings.TrimRightFunc(before, func(r rune) bool { return r == ' ' || r == '\t' })
	if t == "" {
		return true
	}
	if strings.HasSuffix(before, "\n") {
		return true
	}
	if t == before {
		// No space after the last character: mid-word.
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(t)
	return r == '.' || r == '!' || r == '?' || r == '\n'
}

func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// mergeFacts returns old with its empty fields taken from add: a fact
// once known is not replaced.
func mergeFacts(old, add Facts) Facts {
	or := func(a, b string) string {
		if strings.TrimSpace(a) != "" {
			return a
		}
		return b
	}
	old.TenantID = or(old.TenantID, add.TenantID)
	old.ClientID = or(old.ClientID, add.ClientID)
	old.Mailbox = or(old.Mailbox, add.Mailbox)
	old.From = or(old.From, add.From)
	old.Host = or(old.Host, add.Host)
	old.Username = or(old.Username, add.Username)
	if old.Port <= 0 {
		old.Port = add.Port
	}
	old.LocalSMTP = old.LocalSMTP || add.LocalSMTP
	old.ExchangeOnline = old.ExchangeOnline || add.ExchangeOnline
	old.TLS = or(old.TLS, add.TLS)
	return old
}
