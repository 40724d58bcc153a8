package queue

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Submission is a message handed to `pimmail send` (or a program through
// the sendmail link), before it is queued.
type Submission struct {
	// Raw is the message as read from the program, any line ends.
	Raw []byte
	// Recipients given as arguments (each may hold a comma-separated list).
	Recipients []string
	// FromHeaders takes recipients from To, Cc and Bcc (sendmail -t) and
	// removes Bcc.
	FromHeaders bool
	// DefaultFrom and DefaultName make the From header when the message has
	// none (-F overrides the name).
	DefaultFrom, DefaultName string
	// Now is when the message was accepted (Date header).
	Now time.Time
}

// Prepared is a message ready for Enqueue.
type Prepared struct {
	Message    []byte   // CRLF line ends, Date, Message-ID and From present
	Recipients []string // envelope recipients, de-duplicated
	// Notes say what was repaired, for the sender's stderr.
	Notes []string
}

// MessageError is a message pimmail refuses, with the reason in the
// sender's words. Usage is set when the fault is in the arguments rather
// than the message (sysexits EX_USAGE instead of EX_DATAERR).
type MessageError struct {
	Msg   string
	Usage bool
}

func (e *MessageError) Error() string { return e.Msg }

func dataErr(format string, a ...any) error {
	return &MessageError{Msg: fmt.Sprintf(format, a...)}
}

// Prepare checks and completes a submitted message the way sendmail and
// msmtp would, and refuses what Exchange Online would refuse anyway, with
// the reason: more than MaxMessageBytes (after CRLF normalisation), more
// than MaxRecipients recipients, an address that is not one, a NUL byte.
// It repairs what can be repaired without changing what the reader sees:
// bare LF (or CR) line ends become CRLF; a missing blank line between
// header and body is inserted before the first line that is no header
// field; 8-bit text without MIME headers is declared (UTF-8, else RFC 1428's
// unknown-8bit); Date, Message-ID and From are added when missing.
func Prepare(sub Submission) (Prepared, error) {
	var p Prepared
	raw := sub.Raw
	if len(bytes.TrimSpace(raw)) == 0 {
		return p, dataErr("the message is empty: pimmail send reads the message (header, blank line, body) on standard input")
	}
	if bytes.IndexByte(raw, 0) >= 0 {
		line := bytes.Count(raw[:bytes.IndexByte(raw, 0)], []byte("\n")) + 1
		return p, dataErr("line %d of the message contains a NUL byte, which SMTP cannot carry. Remove it (or send binary data as a MIME attachment)", line)
	}
	// Bare LF is how every Unix program writes to sendmail: changed to
	// CRLF without a note.
	lines, _ := splitLines(raw)
	// Header: field lines and their continuations up to the first empty line.
	var header []string
	bodyAt := len(lines)
	sepMissing := false
	for i, l := range lines {
		if l == "" {
			bodyAt = i + 1
			break
		}
		if (l[0] == ' ' || l[0] == '\t') && len(header) > 0 {
			header[len(header)-1] += "\r\n" + l
			continue
		}
		if !isFieldLine(l) {
			if i == 0 {
				return p, dataErr("the message does not start with a header field (\"Name: value\"); line 1 is %q. "+
					"Start with headers such as \"Subject: ...\", then a blank line, then the body", clip(l))
			}
			bodyAt = i
			sepMissing = true
			break
		}
		header = append(header, l)
	}
	if sepMissing {
		p.Notes = append(p.Notes, fmt.Sprintf("no blank line separated header and body: one was inserted before line %d", bodyAt+1))
	}
	body := lines[min(bodyAt, len(lines)):]
	for _, h := range header {
		if !utf8.ValidString(h) {
			return p, dataErr("the header field %q holds 8-bit bytes that are not UTF-8; encode it (RFC 2047) or use UTF-8", clip(fieldName(h)))
		}
	}

	// Recipients.
	var rcpts []string
	seen := map[string]bool{}
	add := func(addrs []*mail.Address) {
		for _, a := range addrs {
			k := strings.ToLower(a.Address)
			if !seen[k] {
				seen[k] = true
				rcpts = append(rcpts, a.Address)
			}
		}
	}
	for _, arg := range sub.Recipients {
		addrs, err := parseAddresses(arg)
		if err != nil {
			return p, &MessageError{Msg: fmt.Sprintf("recipient %q is not an email address: %v", clip(arg), err), Usage: true}
		}
		add(addrs)
	}
	if sub.FromHeaders {
		for _, name := range []string{"To", "Cc", "Bcc"} {
			for _, h := range header {
				if !strings.EqualFold(fieldName(h), name) {
					continue
				}
				v := fieldValue(h)
				if strings.TrimSpace(v) == "" {
					continue
				}
				addrs, err := parseAddresses(v)
				if err != nil {
					return p, dataErr("the %s header holds something that is not an email address (%q): %v", name, clip(v), err)
				}
				add(addrs)
			}
		}
		kept := header[:0]
		for _, h := range header {
			if !strings.EqualFold(fieldName(h), "Bcc") {
				kept = append(kept, h)
			}
		}
		header = kept
	}
	if len(rcpts) == 0 {
		if sub.FromHeaders {
			return p, dataErr("the message names no recipients in To, Cc or Bcc (-t), and none were given as arguments")
		}
		return p, &MessageError{Msg: "no recipients: give them as arguments (pimmail send alice@example.com) or use -t to take them from the To, Cc and Bcc headers", Usage: true}
	}
	if len(rcpts) > MaxRecipients {
		return p, &MessageError{Msg: fmt.Sprintf("%d recipients: Exchange Online accepts at most %d in one message; send it in several messages", len(rcpts), MaxRecipients), Usage: !sub.FromHeaders}
	}
	p.Recipients = rcpts

	// Headers pimmail adds.
	var added []string
	if !hasField(header, "From") {
		from := sub.DefaultFrom
		if from == "" {
			return p, &MessageError{Msg: "the message has no From header and no default From address is configured: add a From header, pass -f ADDR, or set the From address in pimmail (the setup wizard)", Usage: true}
		}
		a := mail.Address{Name: sub.DefaultName, Address: from}
		added = append(added, "From: "+a.String())
	}
	if !hasField(header, "Date") {
		now := sub.Now
		if now.IsZero() {
			now = time.Now()
		}
		added = append(added, "Date: "+now.Format(time.RFC1123Z))
	}
	if !hasField(header, "Message-ID") {
		added = append(added, "Message-ID: "+newMessageID(sub.DefaultFrom))
	}
	// 8-bit text without MIME: declare it, or readers guess the charset.
	eightBit := false
	for _, l := range body {
		if !isASCII(l) {
			eightBit = true
			break
		}
	}
	if eightBit && !hasField(header, "Content-Type") {
		cs := "utf-8"
		for _, l := range body {
			if !utf8.ValidString(l) {
				cs = "unknown-8bit"
				break
			}
		}
		if !hasField(header, "MIME-Version") {
			added = append(added, "MIME-Version: 1.0")
		}
		added = append(added, "Content-Type: text/plain; charset="+cs, "Content-Transfer-Encoding: 8bit")
		p.Notes = append(p.Notes, "the body has 8-bit characters but no MIME headers: it was declared as text/plain; charset="+cs)
	}

	var buf bytes.Buffer
	buf.Grow(len(raw) + len(lines) + 256)
	for _, h := range added {
		buf.WriteString(h + "\r\n")
	}
	for _, h := range header {
		buf.WriteString(h + "\r\n")
	}
	buf.WriteString("\r\n")
	for _, l := range body {
		buf.WriteString(l)
		buf.WriteString("\r\n")
	}
	if buf.Len() > MaxMessageBytes {
		return p, dataErr("the message is %.1f MB; Exchange Online accepts at most 35 MB (552 5.3.4). Send large files as a link", float64(buf.Len())/(1<<20))
	}
	p.Message = buf.Bytes()
	return p, nil
}

// splitLines splits on CRLF, LF or CR; bare reports LF or CR without CRLF.
// A final line without line end is kept; a final line end adds no line.
func splitLines(b []byte) (lines []string, bare bool) {
	start := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\n':
			lines = append(lines, string(b[start:i]))
			bare = true
			start = i + 1
		case '\r':
			lines = append(lines, string(b[start:i]))
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			} else {
				bare = true
			}
			start = i + 1
		}
	}
	if start < len(b) {
		lines = append(lines, string(b[start:]))
	}
	return lines, bare
}

// isFieldLine reports "Name: value" with a name of printable ASCII.
func isFieldLine(l string) bool {
	i := strings.IndexByte(l, ':')
	if i <= 0 {
		return false
	}
	for _, c := range []byte(l[:i]) {
		if c <= 32 || c >= 127 {
			return false
		}
	}
	return true
}

func fieldName(h string) string {
	n, _, _ := strings.Cut(h, ":")
	return n
}

func fieldValue(h string) string {
	_, v, _ := strings.Cut(h, ":")
	return strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", ""), "\t", " ")
}

func hasField(header []string, name string) bool {
	for _, h := range header {
		if strings.EqualFold(fieldName(h), name) {
			return true
		}
	}
	return false
}

// CheckAddress reports whether addr is one email address with a domain
// (as -f takes it), and why not.
func CheckAddress(addr string) error {
	addrs, err := parseAddresses(addr)
	if err != nil {
		return err
	}
	if len(addrs) != 1 {
		return errors.New("give one address")
	}
	return nil
}

// parseAddresses parses an address list and checks each has a domain.
func parseAddresses(s string) ([]*mail.Address, error) {
	addrs, err := mail.ParseAddressList(s)
	if err != nil {
		// A bare address list without names ("a@b, c@d") parses above; a
		// local user name ("root") does not: it needs a domain.
		return nil, friendlyAddrErr(err)
	}
	for _, a := range addrs {
		at := strings.LastIndexByte(a.Address, '@')
		if at <= 0 || at == len(a.Address)-1 || !strings.Contains(a.Address[at+1:], ".") && !strings.EqualFold(a.Address[at+1:], "localhost") {
			return nil, errors.New("an address needs a domain, as in name@example.com")
		}
	}
	return addrs, nil
}

func friendlyAddrErr(err error) error {
	msg := err.Error()
	if strings.Contains(msg, "missing '@'") || strings.Contains(msg, "no angle-addr") {
		return errors.New("an address needs a domain, as in name@example.com (local user names such as \"root\" cannot be delivered through Exchange Online)")
	}
	return err
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// newMessageID is "<random@domain of from>" (the host name when none).
func newMessageID(from string) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	domain := "pimmail.invalid"
	if at := strings.LastIndexByte(from, '@'); at >= 0 && at < len(from)-1 {
		domain = from[at+1:]
	}
	return "<" + hex.EncodeToString(b[:]) + "@" + domain + ">"
}
