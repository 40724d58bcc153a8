package mailer

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/wneessen/go-mail"
)

// buildMessage turns msg into a go-mail message: From (with display name),
// To, Subject, plain-text body, Date and a Message-ID in the From domain.
func buildMessage(msg Message) (*mail.Msg, error) {
	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	var err error
	if msg.FromName != "" {
		err = m.FromFormat(msg.FromName, msg.From)
	} else {
		err = m.From(msg.From)
	}
	if err != nil {
		return nil, fmt.Errorf("the From address %q is not valid: %w", msg.From, err)
	}
	if msg.EnvelopeFrom != "" {
		if err := m.EnvelopeFrom(msg.EnvelopeFrom); err != nil {
			return nil, fmt.Errorf("the envelope sender %q is not valid: %w", msg.EnvelopeFrom, err)
		}
	}
	if len(msg.To) == 0 {
		return nil, errors.New("no recipient given")
	}
	if err := m.To(msg.To...); err != nil {
		return nil, fmt.Errorf("a To address is not valid: %w", err)
	}
	m.Subject(msg.Subject)
	m.SetDate()
	m.SetMessageIDWithValue(newMessageID(msg.From))
	m.SetUserAgent("pimmail")
	m.SetBodyString(mail.TypeTextPlain, msg.Body)
	return m, nil
}

// newMessageID is a random local part at the sender's domain.
func newMessageID(from string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	domain := "pimmail.invalid"
	if _, d, ok := strings.Cut(from, "@"); ok && d != "" {
		domain = d
	}
	return hex.EncodeToString(b) + "@" + domain
}

// finalReply is the server's reply to the message in wire form: "250 ..."
// once delivered, the refusal when the message was refused, else "".
func finalReply(m *mail.Msg) string {
	if m.IsDelivered() {
		return wireReply(250, m.ServerResponse())
	}
	var se *mail.SendError
	if errors.As(m.SendError(), &se) && se.Reason == mail.ErrSMTPDataClose {
		if tp := dataCloseReply(se); tp != nil {
			return wireReply(tp.Code, tp.Msg)
		}
	}
	return ""
}
