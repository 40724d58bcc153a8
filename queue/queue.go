// Package queue is pimmail's mail spool and its delivery worker. A message
// handed in by `pimmail send` or `pimmail relay` is one file in the spool
// (its envelope on the first line, the raw RFC 5322 bytes after it), written
// to tmp/, fsynced, renamed into queue/ and the directory fsynced before
// Enqueue returns, so that a crash, kill -9 or power loss at any moment loses
// no accepted message and leaves no torn one. The worker (worker.go) then
// delivers at least once through the enabled provider.
//
// Layout of the spool directory (0700, files 0600):
//
//	tmp/            files being written; never read, swept by the worker
//	queue/<id>      messages waiting for delivery
//	state/<id>.json attempts, next attempt, last error of a queued message
//	failed/<id>     messages refused for good (5xx, too old), with
//	failed/<id>.json their diagnosis
//	sent.log        one line per delivered message (time, id, recipients):
//	                the record that a 250 was received, and the daily budget
//	worker.lock     held by the one delivery worker
package queue

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/pimmail/pimmail/secfile"
)

// Dir is the spool directory that belongs to a configuration file: "spool"
// beside it.
func Dir(configPath string) string {
	return filepath.Join(filepath.Dir(configPath), "spool")
}

// MaxMessageBytes is Exchange Online's default message size limit (35 MB).
const MaxMessageBytes = 35 << 20

// MaxRecipients is Exchange Online's limit of recipients in one message.
const MaxRecipients = 500

// Errors Enqueue returns (test with errors.Is).
var (
	// ErrNoSpace wraps syscall.ENOSPC / EDQUOT: the spool's disk is full.
	ErrNoSpace = errors.New("no space left in the spool")
	// ErrTooBig: the message is larger than MaxMessageBytes.
	ErrTooBig = errors.New("message exceeds 35 MB")
	// ErrNotFound: no queued or failed message has that ID.
	ErrNotFound = errors.New("no message with that ID in the spool")
)

// Envelope is what travels beside the message.
type Envelope struct {
	// From is the envelope sender (MAIL FROM); "" means the provider's
	// mailbox or default From.
	From string `json:"from"`
	// To are the envelope recipients (RCPT TO), 1..MaxRecipients.
	To []string `json:"to"`
	// Source says who handed it in: "send (uid 1000)", "relay 127.0.0.1:51234".
	Source string `json:"source,omitempty"`
	// KeepSender delivers with this envelope sender and the message's
	// From unchanged, for a mailbox that has Send As on them (pimmail
	// relay --keep-sender, pimmail send --keep-sender); otherwise the
	// provider's SendAs rule applies.
	KeepSender bool `json:"keep_sender,omitempty"`
	// Received is when the spool accepted the message (set by Enqueue).
	Received time.Time `json:"received"`
	// Size is the message's size in octets (set by Enqueue).
	Size int64 `json:"size"`
}

// Subdirectories of the spool.
const (
	tmpDir    = "tmp"
	queueDir  = "queue"
	stateDir  = "state"
	failedDir = "failed"
	sentLog   = "sent.log"
	lockName  = "worker.lock"
)

// Spool is an opened spool directory. Several processes may have the same
// spool open; each message file is written by one and renamed into place.
type Spool struct {
	dir string
}

// Path returns the spool's directory.
func (s *Spool) Path() string { return s.dir }

// Open opens the spool at dir, creating it 0700 (subdirectories too) and
// refusing one that is a symlink or that others may read or write (a
// *secfile.ModeError), and a parent directory others may write to. Nothing is
// written before these checks pass. Safe to call from several processes.
func Open(dir string) (*Spool, error) {
	dir = filepath.Clean(dir)
	parent := filepath.Dir(dir)
	if _, err := os.Stat(parent); err == nil {
		if err := secfile.CheckDir(parent); err != nil {
			return nil, err
		}
	} else if errors.Is(err, fs.ErrNotExist) {
		if err := secfile.MkdirAll(parent); err != nil {
			return nil, fmt.Errorf("create %s: %w", parent, err)
		}
	} else {
		return nil, fmt.Errorf("spool %s: %w", dir, err)
	}
	s := &Spool{dir: dir}
	for _, d := range []string{dir, filepath.Join(dir, tmpDir), filepath.Join(dir, queueDir),
		filepath.Join(dir, stateDir), filepath.Join(dir, failedDir)} {
		if err := privateDir(d); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// privateDir makes sure d is a real directory (not a symlink) that only its
// owner can use, creating it 0700 when missing.
func privateDir(d string) error {
	st, err := os.Lstat(d)
	if errors.Is(err, fs.ErrNotExist) {
		// 0700 whatever the umask; on Windows an owner-only ACL that the
		// spool files inherit.
		if err := secfile.Mkdir(d); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create the spool directory %s: %w", d, err)
		}
		st, err = os.Lstat(d)
	}
	if err != nil {
		return fmt.Errorf("spool directory %s: %w", d, err)
	}
	if st.Mode()&fs.ModeSymlink != 0 || !st.IsDir() {
		return fmt.Errorf("the spool directory %s is a symlink or not a directory; pimmail refuses it (it could point mail anywhere). Remove it and run again", d)
	}
	return secfile.CheckDirPrivate(d)
}

// idPattern is what a message ID looks like: 16 hex digits of the time in
// nanoseconds, a dash, 8 hex digits of randomness. IDs sort by arrival.
var idPattern = regexp.MustCompile(`^[0-9a-f]{16}-[0-9a-f]{8}$`)

// ValidID reports whether id is a message ID (and so safe as a file name).
func ValidID(id string) bool { return idPattern.MatchString(id) }

func newID(now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%016x-%s", now.UnixNano(), hex.EncodeToString(b[:]))
}

// noSpace wraps err in ErrNoSpace when it is a full disk or quota.
func noSpace(err error) error {
	if isNoSpace(err) {
		return fmt.Errorf("%w: %w", ErrNoSpace, err)
	}
	return err
}

// Enqueue copies msg (raw RFC 5322 bytes, at most MaxMessageBytes, else
// ErrTooBig) and env into the spool and returns only when both are durable:
// written to tmp/, fsynced, renamed into queue/, the directory fsynced. On
// any error nothing is left in the queue. A full disk gives an error for
// which errors.Is(err, ErrNoSpace) is true.
func (s *Spool) Enqueue(env Envelope, msg io.Reader) (id string, err error) {
	if len(env.To) == 0 {
		return "", errors.New("the message has no recipients")
	}
	if len(env.To) > MaxRecipients {
		return "", fmt.Errorf("%d recipients: Exchange Online takes at most %d in one message", len(env.To), MaxRecipients)
	}
	now := time.Now()
	id = newID(now)
	if env.Received.IsZero() {
		env.Received = now.UTC()
	}
	env.Size = 0
	tmpPath := filepath.Join(s.dir, tmpDir, id)
	// secfile.Create: 0600, or on Windows an owner-only ACL from the start.
	f, err := secfile.Create(tmpPath)
	if err != nil {
		return "", noSpace(fmt.Errorf("create %s: %w", tmpPath, err))
	}
	renamed := false
	defer func() {
		if f != nil {
			_ = f.Close()
		}
		if !renamed {
			_ = os.Remove(tmpPath)
		}
	}()
	w := bufio.NewWriterSize(f, 64<<10)
	// The envelope's size is not known before the copy: the header line
	// reserves room for it, and it is written at the end (seek back).
	head, err := json.Marshal(env)
	if err != nil {
		return "", err
	}
	// Pad so that the rewritten header (with the real size, at most 8
	// more digits) fits in the same line.
	line := append(head, []byte(strings.Repeat(" ", 12))...)
	line = append(line, '\n')
	if _, err := w.Write(line); err != nil {
		return "", noSpace(fmt.Errorf("write %s: %w", tmpPath, err))
	}
	n, err := io.Copy(w, io.LimitReader(msg, MaxMessageBytes+1))
	if err != nil {
		return "", noSpace(fmt.Errorf("write %s: %w", tmpPath, err))
	}
	if n > MaxMessageBytes {
		return "", ErrTooBig
	}
	if err := w.Flush(); err != nil {
		return "", noSpace(fmt.Errorf("write %s: %w", tmpPath, err))
	}
	env.Size = n
	head2, _ := json.Marshal(env)
	if len(head2) > len(line)-1 {
		return "", errors.New("envelope header grew") // cannot happen: 12 spaces hold the size
	}
	head2 = append(head2, []byte(strings.Repeat(" ", len(line)-1-len(head2)))...)
	if _, err := f.WriteAt(head2, 0); err != nil {
		return "", noSpace(fmt.Errorf("write %s: %w", tmpPath, err))
	}
	if err := f.Sync(); err != nil {
		return "", noSpace(fmt.Errorf("sync %s: %w", tmpPath, err))
	}
	if err := f.Close(); err != nil {
		f = nil
		return "", noSpace(fmt.Errorf("close %s: %w", tmpPath, err))
	}
	f = nil
	final := filepath.Join(s.dir, queueDir, id)
	if err := secfile.Rename(tmpPath, final); err != nil {
		return "", noSpace(fmt.Errorf("move into the queue: %w", err))
	}
	renamed = true
	// The rename is durable only once the directory is synced; without it
	// a power loss could forget a message we already acknowledged.
	if err := syncDir(filepath.Join(s.dir, queueDir)); err != nil {
		_ = os.Remove(final)
		return "", noSpace(fmt.Errorf("sync the queue directory: %w", err))
	}
	return id, nil
}

// syncDir fsyncs a directory. hookSyncDir lets a test count the calls.
func syncDir(d string) error {
	if hookSyncDir != nil {
		hookSyncDir(d)
	}
	return syncDirOS(d)
}

var hookSyncDir func(string)

// isNoSpace reports a full disk or exhausted quota.
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || isQuota(err)
}

// Item is a queued or failed message as `pimmail queue` lists it.
type Item struct {
	ID       string   `json:"id"`
	Envelope Envelope `json:"envelope"`
	State    State    `json:"state"`
	Failed   bool     `json:"failed"`
	Path     string   `json:"-"`
}

// State is what the worker records about a message between attempts.
type State struct {
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	LastAttempt time.Time `json:"last_attempt,omitzero"`
	// LastError is the last attempt's outcome in one line.
	LastError string `json:"last_error,omitempty"`
	// Problem is the diagnosis (title, explanation, fix) of the last
	// failure, for `pimmail queue show` and failed messages.
	Problem *Diagnosis `json:"problem,omitempty"`
}

// Diagnosis is a diagnose.Problem's words as stored beside a message.
type Diagnosis struct {
	Title       string `json:"title"`
	Explanation string `json:"explanation,omitempty"`
	Fix         string `json:"fix,omitempty"`
	Raw         string `json:"raw,omitempty"`
}

// readEnvelope reads the first line of a spool file.
func readEnvelope(path string) (Envelope, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return Envelope{}, 0, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 4096)
	line, err := br.ReadSlice('\n')
	if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
		if errors.Is(err, io.EOF) {
			return Envelope{}, 0, fmt.Errorf("%s: no envelope line", path)
		}
		return Envelope{}, 0, err
	}
	if errors.Is(err, bufio.ErrBufferFull) {
		// A long recipient list: copy what was read before reading on
		// (ReadSlice's bytes are the reader's buffer, which the next read
		// overwrites), then read the rest of the line.
		head := append([]byte(nil), line...)
		rest, err2 := br.ReadBytes('\n')
		if err2 != nil {
			return Envelope{}, 0, fmt.Errorf("%s: no envelope line", path)
		}
		line = append(head, rest...)
	}
	var env Envelope
	if err := json.Unmarshal(line, &env); err != nil {
		return Envelope{}, 0, fmt.Errorf("%s: bad envelope: %w", path, err)
	}
	return env, int64(len(line)), nil
}

// openMessage opens a spool file positioned at the message's first byte.
func openMessage(path string) (*os.File, Envelope, error) {
	env, off, err := readEnvelope(path)
	if err != nil {
		return nil, env, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, env, err
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		_ = f.Close()
		return nil, env, err
	}
	return f, env, nil
}

// Message returns the raw message bytes of a queued or failed message.
func (s *Spool) Message(id string) ([]byte, error) {
	it, err := s.Get(id)
	if err != nil {
		return nil, err
	}
	f, _, err := openMessage(it.Path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

func (s *Spool) queuePath(id string) string  { return filepath.Join(s.dir, queueDir, id) }
func (s *Spool) statePath(id string) string  { return filepath.Join(s.dir, stateDir, id+".json") }
func (s *Spool) failedPath(id string) string { return filepath.Join(s.dir, failedDir, id) }

// readState reads a message's state; a missing file is the zero State.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// writeState records a message's state atomically.
func (s *Spool) writeState(id string, st State) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return noSpace(secfile.WriteFile(s.statePath(id), b))
}

// List returns the queued messages (oldest first), then the failed ones.
func (s *Spool) List() ([]Item, error) {
	var items []Item
	for _, failed := range []bool{false, true} {
		d := filepath.Join(s.dir, queueDir)
		if failed {
			d = filepath.Join(s.dir, failedDir)
		}
		ids, err := listIDs(d)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			it, err := s.item(id, failed)
			if err != nil {
				continue // delivered or deleted meanwhile
			}
			items = append(items, it)
		}
	}
	return items, nil
}

// queuedIDs lists the IDs in queue/, oldest first.
func (s *Spool) queuedIDs() ([]string, error) { return listIDs(filepath.Join(s.dir, queueDir)) }

func listIDs(d string) ([]string, error) {
	entries, err := os.ReadDir(d)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		if ValidID(e.Name()) && e.Type().IsRegular() {
			ids = append(ids, e.Name())
		}
	}
	sort.Strings(ids)
	return ids, nil
}

func (s *Spool) item(id string, failed bool) (Item, error) {
	p := s.queuePath(id)
	sp := s.statePath(id)
	if failed {
		p = s.failedPath(id)
		sp = p + ".json"
	}
	env, _, err := readEnvelope(p)
	if err != nil {
		return Item{}, err
	}
	it := Item{ID: id, Envelope: env, Failed: failed, Path: p}
	_ = readJSON(sp, &it.State)
	return it, nil
}

// Get returns one queued or failed message's envelope and state.
func (s *Spool) Get(id string) (Item, error) {
	if !ValidID(id) {
		return Item{}, fmt.Errorf("%q is not a message ID (run pimmail queue to list them): %w", id, ErrNotFound)
	}
	if it, err := s.item(id, false); err == nil {
		return it, nil
	}
	if it, err := s.item(id, true); err == nil {
		return it, nil
	}
	return Item{}, fmt.Errorf("message %s: %w", id, ErrNotFound)
}

// Delete removes a queued or failed message for good.
func (s *Spool) Delete(id string) error {
	it, err := s.Get(id)
	if err != nil {
		return err
	}
	if err := os.Remove(it.Path); err != nil {
		return err
	}
	if it.Failed {
		_ = os.Remove(it.Path + ".json")
	} else {
		_ = os.Remove(s.statePath(id))
	}
	return syncDir(filepath.Dir(it.Path))
}

// Retry makes a queued message due now (attempts kept) or moves a failed
// one back into the queue with a fresh count.
func (s *Spool) Retry(id string) error {
	it, err := s.Get(id)
	if err != nil {
		return err
	}
	if !it.Failed {
		st := it.State
		st.NextAttempt = time.Time{}
		return s.writeState(id, st)
	}
	_ = os.Remove(s.statePath(id))
	if err := secfile.Rename(it.Path, s.queuePath(id)); err != nil {
		return err
	}
	if err := syncDir(filepath.Join(s.dir, queueDir)); err != nil {
		return err
	}
	_ = os.Remove(it.Path + ".json")
	return nil
}

// fail moves a queued message to failed/ with its diagnosis.
func (s *Spool) fail(id string, st State) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := secfile.WriteFile(s.failedPath(id)+".json", b); err != nil {
		return err
	}
	if err := secfile.Rename(s.queuePath(id), s.failedPath(id)); err != nil {
		return err
	}
	if err := syncDir(filepath.Join(s.dir, failedDir)); err != nil {
		return err
	}
	_ = os.Remove(s.statePath(id))
	return syncDir(filepath.Join(s.dir, queueDir))
}

func jsonMarshal(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }
