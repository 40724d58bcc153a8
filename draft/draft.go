// Package draft keeps what the setup wizard was given when it ends without
// saving (an SSH session dropped, SIGHUP, Ctrl+C, a kill), so that the next
// run can continue where it left off.
//
// The draft lives beside the configuration, as draft.json, with the same
// protection: mode 0600, written atomically through secfile, read only when
// no one else can read it. It holds the client secret the admin typed: the
// configuration file holds it under the same protection once saved, and
// asking again would often be impossible (Entra shows a secret's Value only
// right after it is created, so a dropped session would mean a new
// secret). The saved configuration is never touched. A draft older than a
// day is removed instead of offered.
package draft

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/secfile"
)

// MaxAge is how long a draft is offered; an older one is removed.
const MaxAge = 24 * time.Hour

// Name is the draft's file name, beside the configuration.
const Name = "draft.json"

// Draft is what the wizard had when it ended without saving.
type Draft struct {
	// Written is when the draft was written.
	Written time.Time `json:"written"`
	// Step is the step the wizard was at (a steps.ID), Number its position
	// (1-based) in the provider's sequence and Title its name, for the
	// offer "Continue where you left off (step 5, 4 minutes ago)?".
	Step   string `json:"step"`
	Number int    `json:"number"`
	Title  string `json:"title,omitempty"`
	// Provider is the provider chosen in step 1.
	Provider config.Provider `json:"provider"`
	// Config is the configuration with what every step was given.
	Config config.Config `json:"config"`
	// Done are the steps whose checks had passed.
	Done []string `json:"done,omitempty"`
}

// Path is the draft's path for the configuration at configPath.
func Path(configPath string) string { return filepath.Join(filepath.Dir(configPath), Name) }

// Save writes d for the configuration at configPath (0600, atomically).
// It refuses a directory others may write to, as the configuration does.
func Save(configPath string, d Draft) error {
	dir := filepath.Dir(configPath)
	if st, err := os.Stat(dir); err == nil && st.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("the draft is not kept: others may write to %s (mode %04o); run: chmod 700 %s", dir, st.Mode().Perm(), dir)
	}
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return secfile.WriteFile(Path(configPath), b)
}

// ErrNone means there is no draft to offer.
var ErrNone = errors.New("no draft")

// Load reads the draft for the configuration at configPath, as of now. It
// returns ErrNone when there is none, and removes (and does not offer) one
// that is older than MaxAge or than the configuration file, or cannot be
// read as a draft. A draft others
// may read is refused with secfile's *ModeError and left for the admin to
// look at: a secret in it may have leaked.
func Load(configPath string, now time.Time) (Draft, error) {
	p := Path(configPath)
	b, err := secfile.ReadFile(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Draft{}, ErrNone
	case err != nil:
		return Draft{}, err
	}
	var d Draft
	if json.Unmarshal(b, &d) != nil || d.Written.IsZero() || d.Step == "" {
		_ = Remove(configPath)
		return Draft{}, ErrNone
	}
	if now.Sub(d.Written) > MaxAge {
		_ = Remove(configPath)
		return Draft{}, ErrNone
	}
	// Saved since: the draft is of a run that is over (a write that was
	// under way when Save removed the draft can leave one behind).
	if st, err := os.Stat(configPath); err == nil && st.ModTime().After(d.Written) {
		_ = Remove(configPath)
		return Draft{}, ErrNone
	}
	return d, nil
}

// Remove deletes the draft; a missing one is no error.
func Remove(configPath string) error {
	err := os.Remove(Path(configPath))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// Age says how long ago d was written, in words: "4 minutes ago".
func (d Draft) Age(now time.Time) string {
	ago := now.Sub(d.Written)
	switch {
	case ago < time.Minute:
		return "just now"
	case ago < 2*time.Minute:
		return "1 minute ago"
	case ago < time.Hour:
		return fmt.Sprintf("%d minutes ago", int(ago.Minutes()))
	case ago < 2*time.Hour:
		return "1 hour ago"
	default:
		return fmt.Sprintf("%d hours ago", int(ago.Hours()))
	}
}
