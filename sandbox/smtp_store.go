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

	"github.com/pimmail/pimmail/secfile"
)

// emlSeq numbers the .eml files written by this process, so that names
// stay unique and in arrival order even when the clock stands still (a
// test clock) or two messages arrive in the same nanosecond.
var emlSeq atomic.Uint64

// keepMessage records an accepted message in s.messages and, when the
// sandbox has a StateDir, first writes it as
// StateDir/mail/<time>-<n>-<server>.eml (0600 in a 0700 folder) so it can
// be opened in a mail client; the names sort in the order the messages
// arrived. A message that cannot be written is not kept, and the caller
// answers with a temporary error. The file is written outside s.mu: an
// fsync must not hold up the Entra stand-in.
func (s *Sandbox) keepMessage(m Message) error {
	if s.opts.StateDir != "" {
		name := fmt.Sprintf("%s-%06d-%s.eml", m.Received.UTC().Format("20060102T150405.000000000Z"), emlSeq.Add(1), m.Server)
		if err := secfile.WriteFile(filepath.Join(s.opts.StateDir, "mail", name), m.Data); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	return nil
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
