package queue_test

import (
	"io"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/queue"
)

func TestSendAsApply(t *testing.T) {
	s := queue.SendAs{Mailbox: "pim@contoso.com", From: "alerts@contoso.com", Name: "PIM Alerts"}
	cases := []struct {
		name, in string
		want     []string
		not      []string
	}{
		{"own address unchanged", "From: Alerts <ALERTS@contoso.com>\r\nSubject: a\r\n\r\nbody\r\n",
			[]string{"From: Alerts <ALERTS@contoso.com>\r\nSubject: a\r\n\r\nbody\r\n"}, []string{"Reply-To", "X-Original-From"}},
		{"app's address rewritten, name kept", "Subject: a\r\nFrom: Billing <app@example.com>\r\n\r\nbody\r\n",
			[]string{"From: \"Billing\" <alerts@contoso.com>\r\n", "Reply-To: Billing <app@example.com>\r\n",
				"X-Original-From: Billing <app@example.com>\r\n", "\r\n\r\nbody\r\n"}, []string{"\nFrom: Billing <app@"}},
		{"no name: the configured one; Reply-To kept", "From: app@example.com\r\nReply-To: desk@example.com\r\n\r\nbody\r\n",
			[]string{"From: \"PIM Alerts\" <alerts@contoso.com>\r\n", "Reply-To: desk@example.com\r\n", "X-Original-From: app@example.com\r\n"},
			[]string{"Reply-To: app@example.com"}},
		{"folded From", "From: Billing\r\n <app@example.com>\r\n\r\nbody\r\n",
			[]string{"From: \"Billing\" <alerts@contoso.com>\r\n"}, []string{"\r\n <app@example.com>"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			from, r, err := s.Apply(strings.NewReader(c.in))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(r)
			if from != "pim@contoso.com" {
				t.Errorf("MAIL FROM %q, want the mailbox", from)
			}
			for _, w := range c.want {
				if !strings.Contains(string(b), w) {
					t.Errorf("%q missing:\n%s", w, b)
				}
			}
			for _, n := range c.not {
				if strings.Contains(string(b), n) {
					t.Errorf("%q present:\n%s", n, b)
				}
			}
			if strings.Count(string(b), "\r\nFrom: ")+strings.Count(string(b)[:5], "From:") != 1 {
				t.Errorf("not exactly one From:\n%s", b)
			}
		})
	}
}
