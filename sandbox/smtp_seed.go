package sandbox

import (
	"bufio"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Exchange Online counts a mailbox's sending limits (30 messages a minute,
// 10,000 recipients a day) across all its connections and sessions, not per
// process. A sandbox with a StateDir is started anew by every `pimmail
// test`, so to stay faithful it reads back what it accepted before: the
// submission stand-in's stored messages (StateDir/mail/*-exchange.eml) of
// the last 24 hours, by their arrival time (in the file name) and their
// trace fields (the mailbox that signed in, the envelope recipients).

// authenticatedSender finds the mailbox in a Received line written by
// traceFields.
var authenticatedSender = regexp.MustCompile(`\(Authenticated sender: ([^)\s]+)\)`)

// seedLimits records in l the messages the Exchange Online stand-in stored
// in stateDir/mail since now minus a day, oldest first. Files it cannot
// read or parse are skipped: they are the admin's to open, and a missing
// count only makes the stand-in more lenient.
func seedLimits(l *mailboxLimits, stateDir string, now time.Time) {
	if stateDir == "" {
		return
	}
	dir := filepath.Join(stateDir, "mail")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), "-exchange.eml") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names) // the names start with the arrival time
	since := now.Add(-24 * time.Hour)
	for _, name := range names {
		at, ok := storedAt(name)
		if !ok || !at.After(since) {
			continue
		}
		mbx, rcpts, ok := storedEnvelope(filepath.Join(dir, name))
		if !ok {
			continue
		}
		l.record(mbx, at, rcpts)
	}
}

// storedAt is the arrival time at the start of a stored message's name.
func storedAt(name string) (time.Time, bool) {
	stamp, _, ok := strings.Cut(name, "-")
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(emlTimeLayout, stamp)
	return t, err == nil
}

// storedEnvelope reads the mailbox that sent a stored message and how many
// recipients it had, from its trace fields. A file from before the trace
// fields counts its From as the mailbox and its header recipients.
func storedEnvelope(path string) (mailbox string, recipients int, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, false
	}
	defer f.Close()
	msg, err := mail.ReadMessage(bufio.NewReader(f))
	if err != nil {
		return "", 0, false
	}
	h := msg.Header
	for _, r := range h["Received"] {
		if m := authenticatedSender.FindStringSubmatch(r); m != nil {
			mailbox = m[1]
			break
		}
	}
	if mailbox == "" {
		if from, err := h.AddressList("From"); err == nil && len(from) > 0 {
			mailbox = from[0].Address
		}
	}
	if mailbox == "" {
		return "", 0, false
	}
	if env := h.Get("Envelope-To"); env != "" {
		for _, a := range strings.Split(env, ",") {
			if strings.TrimSpace(a) != "" {
				recipients++
			}
		}
	} else {
		for _, field := range []string{"To", "Cc", "Bcc"} {
			if list, err := h.AddressList(field); err == nil {
				recipients += len(list)
			}
		}
	}
	return mailbox, max(1, recipients), true
}
