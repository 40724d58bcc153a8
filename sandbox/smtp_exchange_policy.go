package sandbox

import (
	"strings"
	"time"
)

// Exchange Online's submission policy: who may send as whom, and the
// per-mailbox limits, decided at MAIL FROM and at the end of the message.

// mail refuses MAIL FROM over old TLS or before AUTH, refuses an envelope
// sender the mailbox may not send as, and enforces the message rate.
func (d *exchangeDialect) mail(c *session, from string) (string, bool, bool) {
	switch {
	case oldTLS(c):
		return exoTLSTooOld, false, true
	case c.authUser == "":
		return exoNotAuthenticated, false, false
	case !d.maySendAs(c.authUser, from):
		return exoSendAsEnvelope, false, false
	}
	limit := exoMessagesPerMinute
	if d.s.opts.Scenario == "throttled" {
		limit = exoThrottledPerMinute
	}
	if sent, _ := d.limits.sentSince(c.authUser, d.s.now().Add(-time.Minute)); sent >= limit {
		return exoRateLimited, false, true
	}
	return d.text.senderOK, true, false
}

// maySendAs reports whether mailbox mbx may use addr as a sender: its own
// address, or one it was granted Send As on (none in the send-as-denied
// scenario).
func (d *exchangeDialect) maySendAs(mbx, addr string) bool {
	if strings.EqualFold(addr, mbx) {
		return true
	}
	if d.s.opts.Scenario == "send-as-denied" {
		return false
	}
	m, _, ok := d.s.mailboxByUPN(mbx)
	if !ok {
		return false
	}
	for _, a := range m.SendAs {
		if strings.EqualFold(a, addr) {
			return true
		}
	}
	return false
}

func (d *exchangeDialect) rcpt(*session, string) (string, bool) {
	// An authenticated mailbox may send to anyone.
	return d.text.recipientOK, true
}

// deliver applies, in Exchange's order, the concurrent-session limit, the
// From-header Send As check and the daily recipient quota, then keeps the
// message and answers with its Message-ID and the mailbox server's name.
func (d *exchangeDialect) deliver(c *session, data []byte) (string, bool) {
	others := d.limits.earlierSessions(c.authUser, c.authSeq)
	if d.s.opts.Scenario == "concurrency" {
		others += exoConcurrentSessions // as if three other sessions were already sending
	}
	if others >= exoConcurrentSessions {
		// STOREDRV replies name the mailbox server, as Exchange's do.
		return exoThreadLimit + " [Hostname=" + d.mbxHost + "]", false
	}
	if len(data) > exoMaxSendSize {
		return d.text.sizeExceeded, false
	}
	h := messageHeader(data)
	if froms, err := h.AddressList("From"); err == nil {
		for _, f := range froms {
			if !d.maySendAs(c.authUser, f.Address) {
				return d.sendAsDenied(c.authUser, f.Address), false
			}
		}
	}
	now := d.s.now()
	if _, rcpts := d.limits.sentSince(c.authUser, now.Add(-24*time.Hour)); rcpts+len(c.tx.rcpts) > exoRecipientsPerDay {
		return exoQuotaExceeded, false
	}
	id := messageID(h, d.mbxHost)
	err := d.s.keepMessage(Message{
		Server: d.kind(), MailFrom: c.tx.from, RcptTo: append([]string(nil), c.tx.rcpts...),
		Data: data, AuthUser: c.authUser, Received: now,
	})
	if err != nil {
		return d.text.localError, false
	}
	d.limits.record(c.authUser, now, len(c.tx.rcpts))
	return "250 2.0.0 OK " + id + " [Hostname=" + d.mbxHost + "]", false
}

// sendAsDenied is the 554 5.2.252 reply for mailbox mbx and From address from.
func (d *exchangeDialect) sendAsDenied(mbx, from string) string {
	return "554 5.2.252 SendAsDenied; " + mbx + " not allowed to send as " + from +
		"; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied;" +
		" Failed to process message due to a permanent exception with message [BeginDiagnosticData]" +
		exoSendAsDiagnosticData + "[EndDiagnosticData] [Hostname=" + d.mbxHost + "]"
}

// closed frees the session's concurrent-session slot.
func (d *exchangeDialect) closed(c *session) {
	if c.authUser != "" {
		d.limits.close(c.authUser, c.authSeq)
	}
}
