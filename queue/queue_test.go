package queue

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/secfile"
)

func openTemp(t *testing.T) *Spool {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "spool"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEnqueueRoundTripIsPrivate(t *testing.T) {
	s := openTemp(t)
	msg := "Subject: hi\r\n\r\nbody\r\n"
	id, err := s.Enqueue(Envelope{From: "a@example.com", To: []string{"b@example.com", "c@example.com"}, Source: "test"}, strings.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Message(id)
	if err != nil || string(got) != msg {
		t.Fatalf("message = %q, %v; want %q", got, err, msg)
	}
	it, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if it.Envelope.From != "a@example.com" || len(it.Envelope.To) != 2 || it.Envelope.Size != int64(len(msg)) {
		t.Errorf("envelope = %+v", it.Envelope)
	}
	st, _ := os.Stat(it.Path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("message file mode %o, want 600", st.Mode().Perm())
	}
	for _, d := range []string{"", "tmp", "queue", "state", "failed"} {
		st, err := os.Stat(filepath.Join(s.Path(), d))
		if err != nil || st.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v, %v; want 0700", d, st.Mode().Perm(), err)
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(s.Path(), "tmp")); len(ents) != 0 {
		t.Errorf("tmp/ not empty after Enqueue: %v", ents)
	}
}

func TestEnqueueRefusesTooBigAndLeavesNothing(t *testing.T) {
	s := openTemp(t)
	big := bytes.Repeat([]byte("a"), MaxMessageBytes+1)
	_, err := s.Enqueue(Envelope{To: []string{"b@example.com"}}, bytes.NewReader(big))
	if !errors.Is(err, ErrTooBig) {
		t.Fatalf("err = %v, want ErrTooBig", err)
	}
	for _, d := range []string{"tmp", "queue"} {
		if ents, _ := os.ReadDir(filepath.Join(s.Path(), d)); len(ents) != 0 {
			t.Errorf("%s/ not empty after a refused message: %v", d, ents)
		}
	}
	// Exactly the limit is accepted.
	if _, err := s.Enqueue(Envelope{To: []string{"b@example.com"}}, bytes.NewReader(big[:MaxMessageBytes])); err != nil {
		t.Errorf("a message of exactly %d octets: %v", MaxMessageBytes, err)
	}
}

func TestEnqueueRecipientLimit(t *testing.T) {
	s := openTemp(t)
	to := make([]string, MaxRecipients+1)
	for i := range to {
		to[i] = "r@example.com"
	}
	if _, err := s.Enqueue(Envelope{To: to}, strings.NewReader("x")); err == nil {
		t.Fatal("501 recipients accepted")
	}
	if _, err := s.Enqueue(Envelope{To: to[:MaxRecipients]}, strings.NewReader("x")); err != nil {
		t.Fatalf("500 recipients: %v", err)
	}
	if _, err := s.Enqueue(Envelope{}, strings.NewReader("x")); err == nil {
		t.Fatal("no recipients accepted")
	}
}

func TestOpenRefusesOpenOrLinkedSpool(t *testing.T) {
	base := t.TempDir()
	open := filepath.Join(base, "open")
	if err := os.Mkdir(open, 0o700); err != nil {
		t.Fatal(err)
	}
	os.Chmod(open, 0o770)
	_, err := Open(open)
	var me *secfile.ModeError
	if !errors.As(err, &me) {
		t.Errorf("group-writable spool: err = %v, want *secfile.ModeError", err)
	}
	if _, err := os.Stat(filepath.Join(open, "queue")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("something was created in a refused spool: %v", err)
	}
	target := filepath.Join(base, "target")
	os.Mkdir(target, 0o700)
	link := filepath.Join(base, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Skip(err)
	}
	if _, err := Open(link); err == nil || !strings.Contains(err.Error(), "symlink") {
		t.Errorf("symlinked spool: err = %v, want a refusal naming the symlink", err)
	}
	// A parent others may write to could swap the spool.
	pub := filepath.Join(base, "pub")
	os.Mkdir(pub, 0o777)
	os.Chmod(pub, 0o777)
	if _, err := Open(filepath.Join(pub, "spool")); !errors.As(err, &me) {
		t.Errorf("spool in a world-writable directory: err = %v, want *secfile.ModeError", err)
	}
}

func TestEnqueueSyncsDirectoryAfterRename(t *testing.T) {
	s := openTemp(t)
	var synced []string
	hookSyncDir = func(d string) {
		// At the moment the queue directory is synced, the message must
		// already have its final name.
		ents, _ := os.ReadDir(d)
		synced = append(synced, filepath.Base(d)+":"+itoa(len(ents)))
	}
	defer func() { hookSyncDir = nil }()
	if _, err := s.Enqueue(Envelope{To: []string{"b@example.com"}}, strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	if len(synced) != 1 || synced[0] != "queue:1" {
		t.Errorf("directory syncs = %v, want one of queue/ holding the message", synced)
	}
}

func itoa(n int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + string(rune('0'+n))) }

func TestLockIsExclusive(t *testing.T) {
	s := openTemp(t)
	l, err := s.TryLock()
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := Open(s.Path())
	if _, err := s2.TryLock(); !errors.Is(err, ErrLocked) {
		t.Errorf("second lock: err = %v, want ErrLocked", err)
	}
	if running, pid := s2.WorkerRunning(); !running || pid != os.Getpid() {
		t.Errorf("WorkerRunning = %v %d", running, pid)
	}
	l.Release()
	l2, err := s2.TryLock()
	if err != nil {
		t.Errorf("lock after release: %v", err)
	}
	l2.Release()
}

func TestLimitsNeverAboveExchange(t *testing.T) {
	l := Limits{Connections: 10, PerMinute: 100, RecipientsPerDay: 20000}.withDefaults()
	if l.Connections != 3 || l.PerMinute != 30 || l.RecipientsPerDay != 10000 {
		t.Errorf("limits above Exchange Online's kept: %+v", l)
	}
	l = Limits{Connections: 1, PerMinute: 10, RecipientsPerDay: 500}.withDefaults()
	if l.Connections != 1 || l.PerMinute != 10 || l.RecipientsPerDay != 500 {
		t.Errorf("lower limits not kept: %+v", l)
	}
	if l.FirstRetry != time.Minute || l.MaxRetry != time.Hour || l.GiveUpAfter != 5*24*time.Hour {
		t.Errorf("retry defaults: %+v", l)
	}
}

func TestBackoffDoublesWithJitterUpToAnHour(t *testing.T) {
	w := NewWorker(&Spool{}, WorkerOptions{})
	for n, want := range map[int]time.Duration{1: time.Minute, 2: 2 * time.Minute, 3: 4 * time.Minute, 7: time.Hour, 30: time.Hour} {
		seen := map[time.Duration]bool{}
		for range 20 {
			d := w.backoff(n)
			if d < want*8/10 || d > want*12/10 {
				t.Errorf("backoff(%d) = %v, want %v ±20%%", n, d, want)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Errorf("backoff(%d) has no jitter", n)
		}
	}
}

func TestJournalCompactKeepsTheLastDay(t *testing.T) {
	s := openTemp(t)
	now := time.Now()
	old := Delivery{At: now.Add(-25 * time.Hour), ID: "old", Recipients: 1}
	recent := Delivery{At: now.Add(-time.Hour), ID: "recent", Recipients: 2}
	j, err := openJournal(filepath.Join(s.Path(), sentLog), []Delivery{old, recent})
	if err != nil {
		t.Fatal(err)
	}
	defer j.close()
	if err := j.compact(now); err != nil {
		t.Fatal(err)
	}
	if err := j.record(Delivery{At: now, ID: "new", Recipients: 1}); err != nil {
		t.Fatal(err)
	}
	ds, _ := s.Deliveries()
	var ids []string
	for _, d := range ds {
		ids = append(ids, d.ID)
	}
	if strings.Join(ids, ",") != "recent,new" {
		t.Errorf("sent.log holds %v, want recent,new", ids)
	}
	if st, _ := os.Stat(filepath.Join(s.Path(), sentLog)); st.Mode().Perm() != 0o600 {
		t.Errorf("sent.log mode %o", st.Mode().Perm())
	}
}

// An envelope of 500 long addresses (a line far longer than the read
// buffer) reads back whole, and the message after it unchanged.
func TestLongEnvelopeRoundTrip(t *testing.T) {
	s := openTemp(t)
	to := make([]string, MaxRecipients)
	for i := range to {
		to[i] = fmt.Sprintf("recipient-number-%03d@a-rather-long-domain-name.example.com", i)
	}
	msg := "Subject: many\r\n\r\nbody\r\n"
	id, err := s.Enqueue(Envelope{To: to}, strings.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	it, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(it.Envelope.To) != MaxRecipients || it.Envelope.To[499] != to[499] {
		t.Fatalf("envelope read back with %d recipients", len(it.Envelope.To))
	}
	if got, err := s.Message(id); err != nil || string(got) != msg {
		t.Errorf("message %q, %v", got, err)
	}
	if items, err := s.List(); err != nil || len(items) != 1 {
		t.Errorf("List: %d items, %v", len(items), err)
	}
}
