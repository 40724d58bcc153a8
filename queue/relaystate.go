package queue

import (
	"os"
	"path/filepath"
	"time"
)

// RelayState is what a running `pimmail relay` writes into the spool, so
// that `pimmail status` can say whether a relay is listening and where.
type RelayState struct {
	PID     int       `json:"pid"`
	Listen  string    `json:"listen"`
	Started time.Time `json:"started"`
	TLS     bool      `json:"tls"`
	Auth    bool      `json:"auth"`
}

const relayStateName = "relay.json"

// WriteRelayState records a listening relay (atomically, 0600).
func (s *Spool) WriteRelayState(st RelayState) error {
	return writeJSON(filepath.Join(s.dir, relayStateName), st)
}

// ClearRelayState removes the relay's record when it stops.
func (s *Spool) ClearRelayState() error {
	err := os.Remove(filepath.Join(s.dir, relayStateName))
	if os.IsNotExist(err) {
		return nil
	}
	return err
}

// ReadRelayState returns the relay's record, if one was written.
func (s *Spool) ReadRelayState() (RelayState, bool) {
	var st RelayState
	if err := readJSON(filepath.Join(s.dir, relayStateName), &st); err != nil {
		return RelayState{}, false
	}
	return st, true
}
