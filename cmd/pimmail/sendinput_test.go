//go:build !windows

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/queue"
)

// queuedMessages returns the messages in path's spool queue (raw bytes).
func queuedMessages(t *testing.T, path string) map[string]string {
	t.Helper()
	out := map[string]string{}
	if _, err := os.Stat(queue.Dir(path)); err != nil {
		return out
	}
	sp, err := queue.Open(queue.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	items, err := sp.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		b, err := sp.Message(it.ID)
		if err != nil {
			t.Fatal(err)
		}
		out[it.ID] = string(b)
	}
	return out
}

// Malformed input is answered with the reason and the right sysexits
// code; a refused message leaves nothing in the queue, an accepted one is
// repaired without losing a line.
func TestSendMalformedInput(t *testing.T) {
	many := make([]string, 501)
	for i := range many {
		many[i] = fmt.Sprintf("r%d@example.com", i)
	}
	big := "Subject: big\n\n" + strings.Repeat(strings.Repeat("a", 1000)+"\n", 36*1024)
	for _, c := range []struct {
		name, stdin string
		args        []string
		code        int
		want        string // in stderr
		kept        string // in the queued message (accepted cases)
	}{
		{"no header/body separator", "Subject: report\nthe disk is full\n", []string{"a@example.com"}, 0, "blank line", "Subject: report\r\n\r\nthe disk is full\r\n"},
		{"bare LF", "Subject: lf\n\nline 1\nline 2\n", []string{"a@example.com"}, 0, "", "\r\n\r\nline 1\r\nline 2\r\n"},
		{"8-bit without MIME", "Subject: umlaut\n\nGrüße\n", []string{"a@example.com"}, 0, "8-bit", "charset=utf-8"},
		{"36 MB", big, []string{"a@example.com"}, 65, "35 MB", ""},
		{"501 recipients", "Subject: x\n\nx\n", many, 64, "at most 500", ""},
		{"501 recipients in To (-t)", "To: " + strings.Join(many, ", ") + "\nSubject: x\n\nx\n", []string{"-t"}, 65, "at most 500", ""},
		{"invalid address", "Subject: x\n\nx\n", []string{"not-an-address"}, 64, "not an email address", ""},
		{"invalid To with -t", "To: nobody at all\nSubject: x\n\nx\n", []string{"-t"}, 65, "To header", ""},
		{"NUL in a header", "Subject: a\x00b\n\nx\n", []string{"a@example.com"}, 65, "NUL", ""},
		{"NUL in the body", "Subject: x\n\nb\x00c\n", []string{"a@example.com"}, 65, "line 3 of the message contains a NUL byte", ""},
		{"no recipients", "Subject: x\n\nx\n", nil, 64, "no recipients", ""},
		{"empty", "", []string{"a@example.com"}, 65, "empty", ""},
		{"invalid -f", "Subject: x\n\nx\n", []string{"-f", "nobody", "a@example.com"}, 64, "-f \"nobody\" is not an email address", ""},
		{"unknown option", "Subject: x\n\nx\n", []string{"-Z", "a@example.com"}, 64, "unknown option -Z", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := localConfig(t)
			stopWorkers(t, path)
			r := send(t, c.stdin, append([]string{"--config", path}, c.args...)...)
			if r.code != c.code || !strings.Contains(r.stderr, c.want) {
				t.Fatalf("want exit %d and %q; got %v", c.code, c.want, r)
			}
			msgs := queuedMessages(t, path)
			if c.code != 0 {
				if len(msgs) != 0 || strings.Count(r.stderr, "nothing was queued") != 1 {
					t.Errorf("refused, but %d messages queued / stderr %q", len(msgs), r.stderr)
				}
				return
			}
			if len(msgs) != 1 {
				t.Fatalf("%d messages queued, want 1", len(msgs))
			}
			for _, m := range msgs {
				if !strings.Contains(m, c.kept) {
					t.Errorf("queued message lacks %q:\n%q", c.kept, m)
				}
			}
		})
	}
}

// Without -i a line with a single dot ends the message, as with sendmail;
// with -i (or -oi) it is kept.
func TestSendDotLine(t *testing.T) {
	in := "Subject: dots\n\nbefore\n.\nafter\n"
	path := localConfig(t)
	stopWorkers(t, path)
	expect(t, send(t, in, "--config", path, "a@example.com"), 0)
	for _, m := range queuedMessages(t, path) {
		if strings.Contains(m, "after") {
			t.Errorf("the text after the dot line was taken: %q", m)
		}
	}
	path = localConfig(t)
	stopWorkers(t, path)
	expect(t, send(t, in, "--config", path, "-oi", "a@example.com"), 0)
	for _, m := range queuedMessages(t, path) {
		if !strings.Contains(m, "before\r\n.\r\nafter\r\n") {
			t.Errorf("-oi lost text: %q", m)
		}
	}
}

// Linked as sendmail, pimmail is pimmail send: PHP's mail() runs
// "sendmail -t -i", cron adds -FCronDaemon -odi -oem, mail(1) may add -oi
// and -f; the ignored flags change nothing. -t removes Bcc.
func TestSendmailLink(t *testing.T) {
	path := localConfig(t)
	stopWorkers(t, path)
	link := filepath.Join(t.TempDir(), "sendmail")
	if err := os.Symlink(binary, link); err != nil {
		t.Fatal(err)
	}
	in := "To: alice@example.com\nBcc: hidden@example.com\nSubject: from cron\n\nok\n"
	r := runWith(t, link, in, "-FCronDaemon", "-odi", "-oem", "-oi", "-t", "-B", "8BITMIME", "-v", "--config", path)
	expect(t, r, 0)
	sp, _ := queue.Open(queue.Dir(path))
	items, _ := sp.List()
	if len(items) != 1 {
		t.Fatalf("%d queued", len(items))
	}
	if got := strings.Join(items[0].Envelope.To, ","); got != "alice@example.com,hidden@example.com" {
		t.Errorf("recipients %s", got)
	}
	m, _ := sp.Message(items[0].ID)
	if strings.Contains(string(m), "hidden@") || !strings.Contains(string(m), `From: "CronDaemon" <pim@contoso.example>`) {
		t.Errorf("message:\n%s", m)
	}
	// Sendmail modes pimmail does not offer are refused, not ignored.
	expect(t, runWith(t, link, "", "-bs", "--config", path), 64, "not supported")
	// sendmail -q (run the queue): where pimmail does that.
	for _, q := range []string{"-q", "-q30m"} {
		expect(t, runWith(t, link, "", q, "--config", path), 64, "pimmail queue run", "pimmail queue retry --all")
	}
}

// Without a usable configuration nothing is queued: 78.
func TestSendWithoutConfig(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none", "config.json")
	expect(t, send(t, "Subject: x\n\nx\n", "--config", missing, "a@example.com"), 78, "no configuration", "nothing was queued")
	expect(t, send(t, "Subject: x\n\nx\n", "--config", localConfig(t), "--sandbox", "a@example.com"), 78, "not a sandbox one")
}

func TestQueueCommands(t *testing.T) {
	path := localConfig(t)
	stopWorkers(t, path)
	sp, err := queue.Open(queue.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	id1, _ := sp.Enqueue(queue.Envelope{From: "pim@contoso.example", To: []string{"a@example.com", "b@example.com"}, Source: "test"},
		strings.NewReader("Subject: first\r\n\r\nx\r\n"))
	id2, _ := sp.Enqueue(queue.Envelope{To: []string{"c@example.com"}}, strings.NewReader("Subject: second\r\n\r\nx\r\n"))

	r := pimmail(t, "queue", "--config", path)
	expect(t, r, 0, id1, id2, "pim@contoso.example", "(default)")
	r = pimmail(t, "queue", "--json", "--config", path)
	var rows []queueRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) != 2 {
		t.Fatalf("--json: %v\n%v", err, r)
	}
	if rows[0].ID != id1 || rows[0].Recipients != 2 || rows[0].Status != "queued" || rows[0].Sender != "pim@contoso.example" {
		t.Errorf("row %+v", rows[0])
	}
	expect(t, pimmail(t, "queue", "show", id1, "--config", path), 0, "Subject: first", "a@example.com, b@example.com", "Attempts:    0")
	expect(t, pimmail(t, "queue", "show", "../../etc/passwd", "--config", path), 1, "not a message ID")
	expect(t, pimmail(t, "queue", "delete", id2, "--config", path), 0, "Deleted")
	if _, err := sp.Get(id2); err == nil {
		t.Error("deleted message still there")
	}
	expect(t, pimmail(t, "queue", "delete", id2, "--config", path), 1, "no message with that ID")
	expect(t, pimmail(t, "queue", "retry", "--all", "--config", path), 0, "1 message(s) will be tried again")
}
