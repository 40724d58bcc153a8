package sandbox

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/mail"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pimmail/pimmail/secfile"
)

// emlSeq numbers the .eml files written by this process, so that names
// stay unique and in arrival order even when the clock stands still (a
// test clock) or two messages arrive in the same nanosecond.
var emlSeq atomic.Uint64

// emlTimeLayout is the arrival time at the start of a stored message's
// file name (UTC, to the nanosecond, so the names sort by arrival).
const emlTimeLayout = "20060102T150405.000000000Z"

// keepMessage records an accepted message in s.messages and, when the
// sandbox has a StateDir, first writes it as
// StateDir/mail/<time>-<n>-<server>.eml (0600 in a 0700 folder) so it can
// be opened in a mail client; the names sort in the order the messages
// arrived. The file holds the message after the trace fields a receiving
// server adds (traceFields): the envelope, which the next sandbox run reads
// back to count the mailbox's sending limits (seedLimits). A message that
// cannot be written is not kept, and the caller answers with a temporary
// error. The file is written outside s.mu: an fsync must not hold up the
// Entra stand-in.
func (s *Sandbox) keepMessage(m Message) error {
	if s.opts.StateDir != "" {
		name := fmt.Sprintf("%s-%06d-%s.eml", m.Received.UTC().Format(emlTimeLayout), emlSeq.Add(1), m.Server)
		file := append(traceFields(m), m.Data...)
		if err := secfile.WriteFile(filepath.Join(s.opts.StateDir, "mail", name), file); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	// A sandbox left running (pimmail sandbox for a day of demos) must not
	// grow without end: keep the most recent ones in memory.
	max := s.keepMax
	if max <= 0 {
		max = maxKeptMessages
	}
	if n := len(s.messages); n > max {
		s.messages = append(s.messages[:0:0], s.messages[n-max:]...)
	}
	return nil
}

// maxKeptMessages is how many accepted messages Messages returns.
const maxKeptMessages = 1000

// traceFields are the header fields a receiving server puts above a message
// it stores (RFC 5321 section 4.4): Return-Path with the envelope sender,
// Envelope-To with the envelope recipients (as Exim writes it; Bcc
// recipients appear nowhere else), and a Received line naming the stand-in
// and, for an authenticated session, the mailbox that signed in (as
// Postfix writes "Authenticated sender"). Exchange Online counts its limits
// per mailbox across connections and sessions; these fields let a later
// sandbox run count the same way.
func traceFields(m Message) []byte {
	var b strings.Builder
	b.WriteString("Return-Path: <" + m.MailFrom + ">\r\n")
	if len(m.RcptTo) > 0 {
		b.WriteString("Envelope-To: " + strings.Join(m.RcptTo, ",\r\n\t") + "\r\n")
	}
	with := "ESMTP"
	if m.AuthUser != "" {
		with = "ESMTPA (Authenticated sender: " + m.AuthUser + ")"
	}
	b.WriteString("Received: by pimmail-sandbox (" + m.Server + " stand-in) with " + with + ";\r\n\t" +
		m.Received.UTC().Format(time.RFC1123Z) + "\r\n")
	return []byte(b.String())
}

// messageHeader parses the header of a message, or returns nil when it is
// not a readable RFC 5322 message.
func messageHeader(data []byte) mail.Header {
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	return msg.Header
}

// messageID returns the message's Message-ID (with its angle brackets), or
// one made up the way Exchange does when the client sent none.
func messageID(h mail.Header, host string) string {
	if id := strings.TrimSpace(h.Get("Message-Id")); strings.HasPrefix(id, "<") && strings.HasSuffix(id, ">") {
		return id
	}
	return "<" + randomHex(16) + "@" + host + ">"
}

// randomHex returns n random bytes in upper-case hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}
