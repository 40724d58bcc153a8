package relay

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"time"
)

// What the relay does with the message text it receives (DATA or BDAT),
// decided as Postfix does for mail from its own network, and written down in
// the README:
//
//   - Line ends: a bare LF is accepted and written as CRLF (Exchange Online
//     refuses bare LFs, and a sendmail-style program produces them); the end
//     of DATA is only <CRLF>.<CRLF>, so a "\n.\n" inside the text never ends
//     the message early (no SMTP smuggling); a line after a bare LF is
//     un-dot-stuffed as after a CRLF. A bare CR is left as it is.
//   - NUL bytes: refused (554 5.6.0), in the header or the body; RFC 5322
//     text has none, and Exchange Online would refuse the message after we
//     acknowledged it.
//   - 8-bit text without BODY=8BITMIME: accepted unchanged, as Postfix does;
//     Exchange Online takes 8-bit data.
//   - No blank line between header and body: the header ends at the first
//     line that is not a header field, and the blank line is inserted there,
//     as Postfix's cleanup does.
//   - Date, Message-ID and From are added when the header lacks them, as
//     `pimmail send` does: From is the envelope sender (MAIL FROM), else the
//     configuration's default From, with the configured display name.
//   - An empty message is refused (554 5.6.0).
//   - Lines longer than the relay's line limit (64 KiB) end the session
//     (500 5.4.0); shorter long lines are passed on unchanged.

// contentError is a message the relay refuses for its content; its text is
// the reply's.
type contentError struct{ msg string }

func (e *contentError) Error() string { return e.msg }

var (
	errNULHeader = &contentError{"Message header contains a NUL byte, which mail may not carry (RFC 5322); nothing was queued"}
	errNULBody   = &contentError{"Message body contains a NUL byte, which mail may not carry (RFC 5322); nothing was queued"}
	errEmpty     = &contentError{"Empty message; nothing was queued"}
)

// defaults are the headers the cleaner adds when missing.
type defaults struct {
	Name   string // display name of an added From
	From   string // address of an added From; "" adds none
	Domain string // right-hand side of generated Message-IDs
	Now    func() time.Time
}

// cleaner reads a message as received and yields it as it is queued.
type cleaner struct {
	src      *bufio.Reader
	def      defaults
	inHeader bool
	started  bool // a byte was read
	seen     map[string]bool
	out      bytes.Buffer // produced, not yet read
	err      error
	// BareLF counts the LFs written as CRLF; NoSeparator is set when the
	// blank line after the header was inserted: both for the log.
	BareLF      int
	NoSeparator bool
	lastCR      bool // body: the previous chunk ended with CR
	afterLF     bool // the previous line ended with a bare LF
}

func newCleaner(r io.Reader, def defaults) *cleaner {
	if def.Now == nil {
		def.Now = time.Now
	}
	return &cleaner{src: bufio.NewReaderSize(r, 64<<10), def: def, inHeader: true, seen: map[string]bool{}}
}

func (c *cleaner) Read(p []byte) (int, error) {
	for c.out.Len() == 0 && c.err == nil {
		c.err = c.step()
	}
	if c.out.Len() > 0 {
		return c.out.Read(p)
	}
	return 0, c.err
}

// step produces the next piece of output, or an error (io.EOF at the end).
func (c *cleaner) step() error {
	line, err := c.src.ReadSlice('\n')
	if len(line) > 0 {
		c.started = true
	}
	full := errors.Is(err, bufio.ErrBufferFull)
	if err != nil && !full && err != io.EOF {
		return err
	}
	if c.inHeader {
		if herr := c.header(line, full); herr != nil {
			return herr
		}
	} else if berr := c.body(line); berr != nil {
		return berr
	}
	if err == io.EOF {
		if !c.started {
			return errEmpty
		}
		if c.inHeader {
			// Only a header: end it (the missing fields, no body).
			c.endHeader(false)
		}
		return io.EOF
	}
	return nil
}

// header handles one line of the header section.
func (c *cleaner) header(line []byte, partial bool) error {
	if len(line) == 0 {
		return nil
	}
	if bytes.IndexByte(line, 0) >= 0 {
		return errNULHeader
	}
	content := bytes.TrimRight(line, "\r\n")
	switch {
	case len(content) == 0 && !partial:
		c.endHeader(true)
		c.inHeader = false
		return nil
	case (content[0] == ' ' || content[0] == '\t') && len(c.seen) > 0 && !partial:
		// A folded continuation of the field before.
	case !partial && fieldName(content) != "":
		c.seen[lowerASCII(fieldName(content))] = true
	default:
		// Not a header field: the header ended without its blank line.
		c.NoSeparator = true
		c.endHeader(true)
		c.inHeader = false
		return c.body(line)
	}
	c.out.Write(content)
	c.out.WriteString("\r\n")
	c.afterLF = !bytes.HasSuffix(line, []byte("\r\n"))
	if c.afterLF {
		c.BareLF++
	}
	return nil
}

// endHeader writes the missing fields and, with blank, the empty line.
func (c *cleaner) endHeader(blank bool) {
	if !c.seen["date"] {
		fmt.Fprintf(&c.out, "Date: %s\r\n", c.def.Now().Format(time.RFC1123Z))
	}
	if !c.seen["message-id"] {
		var b [12]byte
		_, _ = rand.Read(b[:])
		dom := c.def.Domain
		if dom == "" {
			dom = "pimmail.invalid"
		}
		fmt.Fprintf(&c.out, "Message-ID: <%s.%s@%s>\r\n", c.def.Now().UTC().Format("20060102150405"), hex.EncodeToString(b[:]), dom)
	}
	if !c.seen["from"] && c.def.From != "" {
		a := mail.Address{Name: c.def.Name, Address: c.def.From}
		fmt.Fprintf(&c.out, "From: %s\r\n", a.String())
	}
	if blank {
		c.out.WriteString("\r\n")
	}
}

// body copies a piece of the body, refusing NUL and writing bare LFs as CRLF.
func (c *cleaner) body(chunk []byte) error {
	if len(chunk) == 0 {
		return nil
	}
	if bytes.IndexByte(chunk, 0) >= 0 {
		return errNULBody
	}
	// go-smtp removes the dot-stuffing only after a CRLF; after a bare LF
	// the client's extra dot is still there.
	if c.afterLF && len(chunk) >= 2 && chunk[0] == '.' && chunk[1] == '.' {
		chunk = chunk[1:]
	}
	c.afterLF = false
	if chunk[len(chunk)-1] == '\n' {
		crBefore := (len(chunk) >= 2 && chunk[len(chunk)-2] == '\r') || (len(chunk) == 1 && c.lastCR)
		if !crBefore {
			c.out.Write(chunk[:len(chunk)-1])
			c.out.WriteString("\r\n")
			c.BareLF++
			c.lastCR = false
			c.afterLF = true
			return nil
		}
	}
	c.out.Write(chunk)
	c.lastCR = chunk[len(chunk)-1] == '\r'
	return nil
}

// fieldName returns the name of a header field line ("Subject" of
// "Subject: hi"), or "" when the line is not a field: RFC 5322 names are
// printable ASCII without the colon, followed by a colon.
func fieldName(line []byte) string {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return ""
	}
	name := bytes.TrimRight(line[:i], " \t") // obsolete syntax allows WSP before the colon
	if len(name) == 0 {
		return ""
	}
	for _, b := range name {
		if b < 33 || b > 126 {
			return ""
		}
	}
	return string(name)
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
