package queue

import (
	"bufio"
	"bytes"
	"io"
	"net/mail"
	"strings"
)

// SendAs is the rule for a provider that lets one mailbox send only as
// itself (Exchange Online's SMTP AUTH: any other envelope sender or header
// From is refused with 550 5.7.60 SendAsDenied unless the mailbox has Send
// As on that address). It is applied when a message is delivered, so it
// covers pimmail send and pimmail relay alike, and the queue keeps what the
// program handed in.
type SendAs struct {
	// Mailbox is the signed-in mailbox: the envelope sender (MAIL FROM).
	Mailbox string
	// From is the address the header From is rewritten to (the configured
	// From, or the mailbox); Name its display name when the program gave
	// none.
	From, Name string
}

// Apply returns the envelope sender and the message to send: MAIL FROM is
// the mailbox; a header From naming another address becomes the
// configured From, keeping the program's display name, and the program's
// address is kept in Reply-To (when the message has none, so replies still
// reach it) and in X-Original-From (so the admin can tell which program
// sent it, even when Reply-To was already set).
func (s SendAs) Apply(msg io.Reader) (string, io.Reader, error) {
	br := bufio.NewReaderSize(msg, 64<<10)
	var header []string // fields, continuation lines joined with CRLF
	for {
		line, err := br.ReadString('\n')
		if err != nil && !(err == io.EOF && line != "") {
			if err == io.EOF {
				break
			}
			return "", nil, err
		}
		l := strings.TrimRight(line, "\r\n")
		if l == "" {
			break
		}
		if (l[0] == ' ' || l[0] == '\t') && len(header) > 0 {
			header[len(header)-1] += "\r\n" + l
		} else {
			header = append(header, l)
		}
		if err == io.EOF {
			break
		}
	}
	from := s.From
	if from == "" {
		from = s.Mailbox
	}
	var out bytes.Buffer
	hasReplyTo := false
	fromAt := -1
	for i, h := range header {
		switch strings.ToLower(fieldName(h)) {
		case "reply-to":
			hasReplyTo = true
		case "from":
			if fromAt < 0 {
				fromAt = i
			}
		}
	}
	var added []string
	if fromAt < 0 {
		added = append(added, "From: "+(&mail.Address{Name: s.Name, Address: from}).String())
	} else {
		orig := strings.TrimSpace(unfold(fieldValue(header[fromAt])))
		addrs, perr := mail.ParseAddressList(orig)
		mine := perr == nil && len(addrs) == 1 &&
			(strings.EqualFold(addrs[0].Address, from) || strings.EqualFold(addrs[0].Address, s.Mailbox))
		if !mine {
			name := s.Name
			if perr == nil && len(addrs) == 1 && addrs[0].Name != "" {
				name = addrs[0].Name
			}
			header[fromAt] = "From: " + (&mail.Address{Name: name, Address: from}).String()
			if !hasReplyTo && perr == nil {
				added = append(added, "Reply-To: "+orig)
			}
			added = append(added, "X-Original-From: "+orig)
		}
	}
	for _, h := range header {
		out.WriteString(h + "\r\n")
		if strings.HasPrefix(h, "From: ") && len(added) > 0 {
			for _, a := range added {
				out.WriteString(a + "\r\n")
			}
			added = nil
		}
	}
	for _, a := range added {
		out.WriteString(a + "\r\n")
	}
	out.WriteString("\r\n")
	return s.Mailbox, io.MultiReader(&out, br), nil
}

func unfold(s string) string {
	return strings.NewReplacer("\r\n", "", "\n", "").Replace(s)
}
