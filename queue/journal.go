package queue

import (
	"bufio"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/pimmail/pimmail/secfile"
)

// Delivery is one line of sent.log: a message the server accepted with 250.
// The line is written and fsynced before the message file is removed, so a
// message whose 250 was recorded is never sent again; a duplicate is
// possible only when the worker dies between the server's 250 and this line.
type Delivery struct {
	At         time.Time `json:"t"`
	ID         string    `json:"id"`
	From       string    `json:"from,omitempty"`
	Recipients int       `json:"n"`
	Reply      string    `json:"reply,omitempty"`
}

// journal is the open sent.log.
type journal struct {
	mu   sync.Mutex
	path string
	f    *os.File
}

// readDeliveries reads sent.log; a missing file is no deliveries, a torn
// last line (the process died writing it) is skipped.
func readDeliveries(path string) ([]Delivery, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Delivery
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var d Delivery
		if json.Unmarshal(sc.Bytes(), &d) == nil && d.ID != "" {
			out = append(out, d)
		}
	}
	return out, sc.Err()
}

// Deliveries returns the deliveries recorded in the spool's sent.log (the
// last 24 hours, and whatever the worker has not pruned yet).
func (s *Spool) Deliveries() ([]Delivery, error) {
	return readDeliveries(filepath.Join(s.dir, sentLog))
}

// openJournal rewrites sent.log keeping the deliveries after keepAfter
// (atomically), then opens it for appending.
func openJournal(path string, keep []Delivery) (*journal, error) {
	var buf []byte
	for _, d := range keep {
		b, _ := json.Marshal(d)
		buf = append(append(buf, b...), '\n')
	}
	if err := secfile.WriteFile(path, buf); err != nil {
		return nil, noSpace(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, secfile.FileMode)
	if err != nil {
		return nil, err
	}
	return &journal{path: path, f: f}, nil
}

// record appends d and fsyncs.
func (j *journal) record(d Delivery) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return noSpace(err)
	}
	return noSpace(j.f.Sync())
}

func (j *journal) close() {
	j.mu.Lock()
	defer j.mu.Unlock()
	_ = j.f.Close()
}

// compact rewrites sent.log without the lines older than a day,
// atomically, and goes on appending to the new file, so that a worker that
// runs for months keeps a small log. It reads the file under the lock that
// record takes, so no line written meanwhile is dropped.
func (j *journal) compact(now time.Time) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	all, err := readDeliveries(j.path)
	if err != nil {
		return err
	}
	var buf []byte
	for _, d := range all {
		if now.Sub(d.At) < 24*time.Hour {
			b, _ := json.Marshal(d)
			buf = append(append(buf, b...), '\n')
		}
	}
	if err := secfile.WriteFile(j.path, buf); err != nil {
		return noSpace(err)
	}
	f, err := os.OpenFile(j.path, os.O_WRONLY|os.O_APPEND, secfile.FileMode)
	if err != nil {
		return err
	}
	_ = j.f.Close()
	j.f = f
	return nil
}
