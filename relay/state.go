package relay

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/pimmail/pimmail/secfile"
)

// StateFileName is the file in the spool directory by which a running
// relay announces itself, for `pimmail status`.
const StateFileName = "relay.json"

// State is what relay.json holds.
type State struct {
	PID     int       `json:"pid"`
	Listen  string    `json:"listen"` // the address it listens on, as bound (host:port)
	Started time.Time `json:"started"`
	TLS     bool      `json:"starttls"`
	Auth    bool      `json:"auth"` // local users may AUTH
}

// WriteState announces the relay in spoolDir (atomically, 0600).
func WriteState(spoolDir string, st State) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return secfile.WriteFile(filepath.Join(spoolDir, StateFileName), append(b, '\n'))
}

// RemoveState withdraws the announcement, when it is this process's.
func RemoveState(spoolDir string) {
	if st, err := ReadState(spoolDir); err == nil && st.PID == os.Getpid() {
		_ = os.Remove(filepath.Join(spoolDir, StateFileName))
	}
}

// ReadState reads the announcement (os.ErrNotExist when there is none). A
// file left by a relay killed with SIGKILL stays: use Listening.
func ReadState(spoolDir string) (State, error) {
	var st State
	b, err := secfile.ReadFile(filepath.Join(spoolDir, StateFileName))
	if err != nil {
		return st, err
	}
	err = json.Unmarshal(b, &st)
	return st, err
}

// Listening reports whether the announced relay answers on its address
// now (a TCP connect within timeout), which also tells a stale file.
func Listening(ctx context.Context, st State, timeout time.Duration) bool {
	if st.Listen == "" {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := (&net.Dialer{}).DialContext(ctx, "tcp", st.Listen)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}
