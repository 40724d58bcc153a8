package mailer

import (
	"crypto/tls"
	"fmt"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/wneessen/go-mail/log"
)

// goMailRedacted is what go-mail's smtp client logs instead of the data of
// an AUTH exchange (unless WithLogAuthData, which pimmail never sets).
const goMailRedacted = "<SMTP auth data redacted>"

// transcript records one SMTP conversation as lines "C: ..." (client) and
// "S: ..." (server), plus "-- ..." notes (TLS established, message sent).
// It is go-mail's logger (log.Logger at debug level) and its default reply
// error handler (smtp.ResponseErrorHandler), because go-mail logs a reply
// only when it is the expected one: refusals reach us through the handler.
// Every line passes through redactLine before it is stored.
type transcript struct {
	mu    sync.Mutex
	lines []string
	creds credentials

	// tap holds the greeting go-mail read before the logger was attached.
	tap             *greetingTap
	greetingFlushed bool

	// authMech is the SASL mechanism in use; authSeen is set once the
	// first (hidden) AUTH line is written, authDone once the server's
	// verdict (not a 334 challenge) came back.
	authMech string
	// authNoInitial: the AUTH line carries no initial response (LOGIN,
	// or XOAUTH2's two-step form); the hidden line is "AUTH <mech>".
	authNoInitial bool
	authSeen      bool
	authDone      bool

	// lastCmd is the verb of the last client command ("EHLO", "MAIL"...).
	lastCmd string
	// caps are the capabilities of the last EHLO reply.
	caps []string
	// tls is set once a TLS handshake succeeded.
	tls bool

	// dataOpen is set after the 354 reply to DATA: the next client line
	// means the message went and its final reply was read (by go-mail,
	// without logging it); finalReply supplies that reply.
	dataOpen   bool
	finalReply func() string

	// lastError is the last refusal the handler saw.
	lastError *textproto.Error
}

// snapshot returns a copy of the transcript so far, greeting included.
func (t *transcript) snapshot() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.flushGreetingLocked()
	return append([]string(nil), t.lines...)
}

// addLocked stores one line after redaction.
func (t *transcript) addLocked(line string) {
	t.lines = append(t.lines, redactLine(line, t.creds))
}

// note adds a local note, e.g. the TLS version.
func (t *transcript) note(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.flushGreetingLocked()
	t.addLocked("-- " + fmt.Sprintf(format, args...))
}

// flushGreetingLocked writes the tapped greeting once, before anything else.
func (t *transcript) flushGreetingLocked() {
	if t.greetingFlushed || t.tap == nil {
		return
	}
	g := t.tap.greeting()
	if len(g) == 0 {
		return
	}
	t.greetingFlushed = true
	// The greeting goes after the notes already there (an implicit TLS
	// handshake comes before it) and before everything else.
	at := 0
	for at < len(t.lines) && strings.HasPrefix(t.lines[at], "-- ") {
		at++
	}
	greeting := make([]string, 0, len(g))
	for _, l := range g {
		greeting = append(greeting, redactLine("S: "+l, t.creds))
	}
	t.lines = slices.Insert(t.lines, at, greeting...)
}

// client records a command line as sent.
func (t *transcript) client(cmd string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clientLocked(cmd)
}

func (t *transcript) clientLocked(cmd string) {
	t.flushGreetingLocked()
	t.closeDataLocked("")
	if cmd == goMailRedacted {
		if t.authMech == "" {
			// No mechanism was started (the authenticator refused before
			// sending anything); go-mail's only hidden command then is QUIT.
			t.lastCmd = "QUIT"
			t.addLocked("C: QUIT")
			return
		}
		if !t.authSeen {
			t.authSeen = true
			t.lastCmd = "AUTH"
			if t.authMech == "LOGIN" || t.authNoInitial {
				// No initial response on the line; still, go-mail hid it.
				t.addLocked("C: AUTH " + t.authMech)
				return
			}
			t.addLocked("C: AUTH " + t.authMech + " " + Hidden)
			return
		}
		if t.authDone {
			// After the verdict go-mail still hides its commands: "*"
			// (abort the exchange) or QUIT, corrected when 221 answers.
			t.addLocked("C: *")
			return
		}
		t.addLocked("C: " + Hidden)
		return
	}
	verb, _, _ := strings.Cut(cmd, " ")
	t.lastCmd = strings.ToUpper(verb)
	t.addLocked("C: " + cmd)
}

// server records a reply: one line per reply line, "NNN-" on all but the
// last as on the wire.
func (t *transcript) server(code int, msg string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.serverLocked(code, msg)
}

func (t *transcript) serverLocked(code int, msg string) {
	t.flushGreetingLocked()
	if msg == goMailRedacted {
		t.addLocked(fmt.Sprintf("S: %03d %s", code, Hidden))
		return
	}
	if code == 221 && t.authSeen && len(t.lines) > 0 {
		// go-mail quits from inside its AUTH routine while still hiding
		// commands; only QUIT is answered by 221.
		if last := t.lines[len(t.lines)-1]; last == "C: "+Hidden || last == "C: *" {
			t.lines[len(t.lines)-1] = "C: QUIT"
		}
	}
	if t.authSeen && code != 334 {
		t.authDone = true
	}
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		sep := " "
		if i < len(lines)-1 {
			sep = "-"
		}
		t.addLocked(fmt.Sprintf("S: %03d%s%s", code, sep, l))
	}
	switch {
	case t.lastCmd == "EHLO" && code == 250:
		t.caps = append([]string(nil), lines[1:]...)
	case t.lastCmd == "DATA" && code == 354:
		t.dataOpen = true
	}
}

// closeDataLocked writes the message marker and the final reply after a
// DATA phase; reply overrides finalReply (used for a refusal).
func (t *transcript) closeDataLocked(reply string) {
	if !t.dataOpen {
		return
	}
	t.dataOpen = false
	t.addLocked("C: <message headers and body> .")
	if reply == "" && t.finalReply != nil {
		reply = t.finalReply()
	}
	if reply != "" {
		for _, l := range replyLines(reply) {
			t.addLocked("S: " + l)
		}
	}
}

// closeData ends an open DATA phase with the given reply (wire form,
// e.g. "554 5.2.252 SendAsDenied; ..."), or with finalReply when empty.
func (t *transcript) closeData(reply string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closeDataLocked(reply)
}

// replyLines renders "250 first\nsecond" as "250-first", "250 second".
func replyLines(reply string) []string {
	code, msg, ok := strings.Cut(reply, " ")
	if !ok || len(code) != 3 {
		return []string{reply}
	}
	parts := strings.Split(msg, "\n")
	out := make([]string, len(parts))
	for i, p := range parts {
		sep := " "
		if i < len(parts)-1 {
			sep = "-"
		}
		out[i] = code + sep + p
	}
	return out
}

// setTap attaches the greeting tap of a new connection.
func (t *transcript) setTap(tap *greetingTap) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tap = tap
}

// setAuthMech records the SASL mechanism chosen, before its AUTH line.
func (t *transcript) setAuthMech(mech string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.authMech = mech
}

// tlsEstablished notes a completed handshake. After STARTTLS the
// handshake runs while the next command (EHLO) is being written, after
// go-mail logged it: the note goes before that command.
func (t *transcript) tlsEstablished(cs tls.ConnectionState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tls = true
	t.flushGreetingLocked()
	note := redactLine("-- TLS established: "+describeTLS(cs), t.creds)
	if n := len(t.lines); n > 0 && strings.HasPrefix(t.lines[n-1], "C: ") {
		t.lines = slices.Insert(t.lines, n-1, note)
		return
	}
	t.lines = append(t.lines, note)
}

// state returns the last EHLO capabilities, whether TLS is up, whether
// the AUTH exchange started, and the last refusal the handler saw.
func (t *transcript) state() (caps []string, tlsUp, authSeen bool, lastErr *textproto.Error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.caps...), t.tls, t.authSeen, t.lastError
}

// log receives go-mail's debug messages: commands as their format and
// arguments, replies as "%d %s" with code and text.
func (t *transcript) log(l log.Log) {
	if l.Direction == log.DirServerToClient {
		if l.Format == "%d %s" && len(l.Messages) == 2 {
			code, ok1 := l.Messages[0].(int)
			msg, ok2 := l.Messages[1].(string)
			if ok1 && ok2 {
				t.server(code, msg)
				return
			}
		}
		t.mu.Lock()
		t.flushGreetingLocked()
		t.addLocked("S: " + fmt.Sprintf(l.Format, l.Messages...))
		t.mu.Unlock()
		return
	}
	t.client(fmt.Sprintf(l.Format, l.Messages...))
}

// Debugf implements go-mail's log.Logger; the SMTP conversation is logged
// at debug level.
func (t *transcript) Debugf(l log.Log) { t.log(l) }

// Infof implements log.Logger.
func (t *transcript) Infof(l log.Log) { t.log(l) }

// Warnf implements log.Logger.
func (t *transcript) Warnf(l log.Log) { t.log(l) }

// Errorf implements log.Logger.
func (t *transcript) Errorf(l log.Log) { t.log(l) }

// HandleError implements smtp.ResponseErrorHandler: it records a refusal
// (which go-mail does not log) and returns the error unchanged.
func (t *transcript) HandleError(_, _ string, _ *textproto.Conn, err error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if tp, ok := err.(*textproto.Error); ok {
		t.lastError = tp
		t.serverLocked(tp.Code, tp.Msg)
	} else if err != nil {
		t.addLocked("-- no reply: " + err.Error())
	}
	return err
}

// wireReply is a reply in wire form, "NNN text".
func wireReply(code int, msg string) string {
	return strconv.Itoa(code) + " " + msg
}
