package queue

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func prep(t *testing.T, raw string, rcpts ...string) (Prepared, error) {
	t.Helper()
	return Prepare(Submission{Raw: []byte(raw), Recipients: rcpts, DefaultFrom: "pim@contoso.example",
		DefaultName: "PIM Notifications", Now: time.Date(2026, 12, 5, 21, 0, 0, 0, time.UTC)})
}

func TestPrepareAddsMissingHeaders(t *testing.T) {
	p, err := prep(t, "Subject: hi\n\nbody\n", "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	m := string(p.Message)
	for _, want := range []string{"From: \"PIM Notifications\" <pim@contoso.example>\r\n", "Date: Sat, 05 Dec 2026 21:00:00 +0000\r\n",
		"Message-ID: <", "@contoso.example>\r\n", "Subject: hi\r\n\r\nbody\r\n"} {
		if !strings.Contains(m, want) {
			t.Errorf("message lacks %q:\n%s", want, m)
		}
	}
	// Present headers are kept as they are, not added twice.
	p, _ = prep(t, "From: x@example.com\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <a@b>\r\n\r\nbody\r\n", "a@example.com")
	if string(p.Message) != "From: x@example.com\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nMessage-ID: <a@b>\r\n\r\nbody\r\n" {
		t.Errorf("a complete message was changed:\n%q", p.Message)
	}
}

func TestPrepareBareLFBecomesCRLF(t *testing.T) {
	p, err := prep(t, "From: x@example.com\nDate: d\nMessage-ID: <a@b>\n\nline 1\nline 2\n", "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(bytes.ReplaceAll(p.Message, []byte("\r\n"), nil), []byte("\n")) {
		t.Errorf("bare LF left: %q", p.Message)
	}
	if !strings.HasSuffix(string(p.Message), "\r\n\r\nline 1\r\nline 2\r\n") || len(p.Notes) != 0 {
		t.Errorf("message %q notes %v", p.Message, p.Notes)
	}
}

func TestPrepareMissingSeparatorLosesNothing(t *testing.T) {
	p, err := prep(t, "Subject: report\nthe disk is full\nsecond line\n", "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(p.Message), "Subject: report\r\n\r\nthe disk is full\r\nsecond line\r\n") {
		t.Errorf("body lost or not separated: %q", p.Message)
	}
	if len(p.Notes) == 0 || !strings.Contains(strings.Join(p.Notes, " "), "blank line") {
		t.Errorf("no note about the inserted blank line: %v", p.Notes)
	}
	// A message that starts with body text is refused with the reason.
	_, err = prep(t, "hello there\n", "a@example.com")
	var me *MessageError
	if !errors.As(err, &me) || !strings.Contains(me.Msg, "header field") {
		t.Errorf("err = %v", err)
	}
}

func TestPrepareEightBitWithoutMIME(t *testing.T) {
	p, err := prep(t, "Subject: x\n\nGrüße\n", "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(p.Message), "Content-Type: text/plain; charset=utf-8\r\n") || !strings.Contains(string(p.Message), "MIME-Version: 1.0") {
		t.Errorf("8-bit UTF-8 body not declared: %q", p.Message)
	}
	p, err = prep(t, "Subject: x\n\nGr\xfc\xdfe\n", "a@example.com")
	if err != nil || !strings.Contains(string(p.Message), "charset=unknown-8bit") || !strings.Contains(string(p.Message), "Gr\xfc\xdfe") {
		t.Errorf("latin-1 body: %v %q", err, p.Message)
	}
	// A declared type is left alone.
	p, _ = prep(t, "Content-Type: text/plain; charset=iso-8859-1\n\nGr\xfc\xdfe\n", "a@example.com")
	if strings.Count(string(p.Message), "Content-Type") != 1 {
		t.Errorf("declared type changed: %q", p.Message)
	}
}

func TestPrepareRefusals(t *testing.T) {
	many := make([]string, MaxRecipients+1)
	for i := range many {
		many[i] = fmt.Sprintf("r%d@example.com", i)
	}
	big := "Subject: big\r\n\r\n" + strings.Repeat(strings.Repeat("a", 998)+"\r\n", MaxMessageBytes/1000+10)
	for _, c := range []struct {
		name, raw string
		rcpts     []string
		usage     bool
		want      string
	}{
		{"empty", "", []string{"a@example.com"}, false, "empty"},
		{"NUL in a header", "Subject: a\x00b\r\n\r\nx\r\n", []string{"a@example.com"}, false, "NUL"},
		{"no recipients", "Subject: x\r\n\r\nx\r\n", nil, true, "no recipients"},
		{"invalid address", "Subject: x\r\n\r\nx\r\n", []string{"not an address"}, true, "not an email address"},
		{"local user", "Subject: x\r\n\r\nx\r\n", []string{"root"}, true, "domain"},
		{"501 recipients", "Subject: x\r\n\r\nx\r\n", many, true, "at most 500"},
		{"36 MB", big, []string{"a@example.com"}, false, "35 MB"},
		{"header not UTF-8", "Subject: Gr\xfc\xdfe\r\n\r\nx\r\n", []string{"a@example.com"}, false, "not UTF-8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := prep(t, c.raw, c.rcpts...)
			var me *MessageError
			if !errors.As(err, &me) {
				t.Fatalf("err = %v, want a MessageError", err)
			}
			if me.Usage != c.usage || !strings.Contains(me.Msg, c.want) {
				t.Errorf("err = %q (usage %v), want %q (usage %v)", me.Msg, me.Usage, c.want, c.usage)
			}
		})
	}
	// Exactly 500 recipients pass.
	if _, err := prep(t, "Subject: x\r\n\r\nx\r\n", many[:MaxRecipients]...); err != nil {
		t.Errorf("500 recipients: %v", err)
	}
}

func TestPrepareFromHeaders(t *testing.T) {
	raw := "To: Alice <alice@example.com>, bob@example.com\r\nCc: carol@example.com\r\nBcc: dave@example.com,\r\n erin@example.com\r\nSubject: x\r\n\r\nbody\r\n"
	p, err := Prepare(Submission{Raw: []byte(raw), FromHeaders: true, DefaultFrom: "pim@contoso.example"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"alice@example.com", "bob@example.com", "carol@example.com", "dave@example.com", "erin@example.com"}
	if strings.Join(p.Recipients, ",") != strings.Join(want, ",") {
		t.Errorf("recipients %v, want %v", p.Recipients, want)
	}
	if strings.Contains(string(p.Message), "Bcc") || strings.Contains(string(p.Message), "erin") || strings.Contains(string(p.Message), "dave") {
		t.Errorf("Bcc left in the message: %q", p.Message)
	}
	if _, err := Prepare(Submission{Raw: []byte("To: nobody\r\n\r\nx\r\n"), FromHeaders: true, DefaultFrom: "p@c.example"}); err == nil {
		t.Error("an invalid To address was accepted")
	}
}

func FuzzPrepare(f *testing.F) {
	for _, s := range []string{"Subject: x\r\n\r\nbody\r\n", "To: a@b.example\nSubject: y\n\nz", "no header", "A: b\r\n c\r\n\r\n", "\r\r\n\n"} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, raw []byte, fromHeaders bool) {
		p, err := Prepare(Submission{Raw: raw, Recipients: []string{"a@example.com"}, FromHeaders: fromHeaders, DefaultFrom: "p@c.example"})
		if err != nil {
			var me *MessageError
			if !errors.As(err, &me) {
				t.Fatalf("not a MessageError: %v", err)
			}
			return
		}
		// Every line ends in CRLF, and there is a header/body separator.
		if bytes.Contains(bytes.ReplaceAll(p.Message, []byte("\r\n"), nil), []byte("\n")) ||
			bytes.Contains(bytes.ReplaceAll(p.Message, []byte("\r\n"), nil), []byte("\r")) {
			t.Fatalf("bare line end in %q", p.Message)
		}
		if !bytes.Contains(p.Message, []byte("\r\n\r\n")) || len(p.Recipients) == 0 {
			t.Fatalf("no separator or no recipients: %q", p.Message)
		}
	})
}
