package queue

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pimmail/pimmail/secfile"
)

// ErrLocked: another process's worker holds the spool.
var ErrLocked = errors.New("another pimmail worker is delivering this spool")

// Lock is the worker lock of a spool, held while the file stays open; the
// operating system drops it when the process ends, however it ends, so a
// killed worker never leaves the spool locked.
type Lock struct{ f *os.File }

// TryLock takes the spool's worker lock without waiting; ErrLocked when
// another process holds it.
func (s *Spool) TryLock() (*Lock, error) {
	p := filepath.Join(s.dir, lockName)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, secfile.FileMode)
	if err != nil {
		return nil, fmt.Errorf("open the worker lock %s: %w", p, err)
	}
	ok, err := lockFile(f)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("lock %s: %w", p, err)
	}
	if !ok {
		_ = f.Close()
		return nil, ErrLocked
	}
	// The holder's PID, for `pimmail status` (informational only).
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return &Lock{f: f}, nil
}

// Release gives the lock up.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// WorkerRunning reports whether a worker holds the spool's lock now, and
// its PID when known.
func (s *Spool) WorkerRunning() (bool, int) {
	l, err := s.TryLock()
	if err == nil {
		_ = l.Release()
		return false, 0
	}
	if !errors.Is(err, ErrLocked) {
		return false, 0
	}
	b, _ := os.ReadFile(filepath.Join(s.dir, lockName))
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return true, pid
}
