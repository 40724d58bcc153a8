package steps

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/debuglog"
	"github.com/pimmail/pimmail/draft"
	"github.com/pimmail/pimmail/secfile"
)

// SaveSummary says what Save or SaveSettings wrote.
type SaveSummary struct {
	ConfigPath string
	CachePath  string // empty when no token cache was written
	// Provider is the provider enabled in the saved file: the one Save
	// enabled, or with SaveSettings the one enabled before (ProviderNone
	// when none was).
	Provider config.Provider
	Disabled []config.Provider // providers that were enabled before and are now off
	Mailbox  string
	// Backup is where the previous file was copied before it was replaced,
	// when it could not be used (malformed, too open) or was a real
	// configuration replaced by a sandbox one: its settings, other
	// providers' included, are NOT in the new file, only in this copy
	// (0600, named config.json.broken-<UTC time> or config.json.replaced-<UTC time>).
	// Empty when the previous file was read and its settings carried over.
	Backup string
	// NotSaved names the settings SaveSettings left as they were in the
	// file because the enabled provider sends with them now (its own
	// settings, and the From address and display name shared by all):
	// untested changes to them would reach live mail. They are saved by
	// Save once a test passes. Always empty after Save.
	NotSaved []string
	// SettingsOnly is set by SaveSettings: nothing new was enabled.
	SettingsOnly bool
	// PrevUnreadable is true when the file replaced could not be read (it
	// was kept as Backup): which provider it enabled is then unknown, so
	// Disabled cannot name it.
	PrevUnreadable bool
}

// Save enables provider p in c (disabling the others, keeping their
// settings), writes the config and, for Entra, the token cache. overwrite
// must be true when Start.NeedsConsent was set.
//
// p must be one of config.Providers, and c must hold what p needs (see
// Missing). Consent is also needed when the file became unreadable after
// Open. A file replaced with consent is first copied beside it
// (SaveSummary.Backup), because its settings cannot carry over. In sandbox
// mode the saved config is marked as a sandbox config. The token cache is
// written before the config, so that a config naming a mailbox never lands
// without the sign-in it needs. Failures are *Problem values (codes
// CodeNeedsConsent, CodeIncomplete, CodeSaveFailed).
func (r *Run) Save(c config.Config, p config.Provider, overwrite bool) (SaveSummary, error) {
	if p == config.ProviderNone || !p.Valid() {
		return SaveSummary{}, &Problem{Code: CodeIncomplete, Title: "No provider to enable",
			Explanation: fmt.Sprintf("Save enables one provider, and %q is none of %s.", string(p), providerLabels()),
			Fix:         "Choose a provider in the first step."}
	}
	if missing := Missing(p, c); len(missing) > 0 {
		return SaveSummary{}, incomplete(p, missing)
	}
	return r.save(c, p, overwrite)
}

// SaveSettings writes c like Save (the config and, when c names a signed-in
// mailbox, the token cache) but enables nothing: the provider enabled in
// the file stays enabled, and none is enabled when the file had none (or
// could not be used). It is for keeping a provider's settings whose test
// cannot pass yet (e.g. SMTP AUTH changes take up to an hour to reach
// Exchange Online), so the next run starts from them. c.Enabled is
// ignored. The consent rule is Save's: overwrite must be true when
// Start.NeedsConsent was set, and an unusable file is copied first
// (SaveSummary.Backup).
//
// The settings the enabled provider sends with now (its own, and the From
// address and display name) are kept as they are in the file even when c
// changes them, since they were not tested; SaveSummary.NotSaved names
// them. Incomplete settings may be saved: nothing is enabled with them.
// Failures are *Problem values (CodeNeedsConsent, CodeSaveFailed).
func (r *Run) SaveSettings(c config.Config, overwrite bool) (SaveSummary, error) {
	return r.save(c, config.ProviderNone, overwrite)
}

// save is Save (enable set) and SaveSettings (enable ProviderNone).
func (r *Run) save(c config.Config, enable config.Provider, overwrite bool) (SaveSummary, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	path := r.env.ConfigPath
	if path == "" {
		return SaveSummary{}, saveProblem(r.start.LoadErr, "")
	}
	// The place first, before anything (a backup, the token cache with the
	// refresh token) is written there: a directory others may write to,
	// a link, another user's file are refused with nothing left behind.
	if err := config.CheckWritable(path); err != nil {
		debuglog.Printf("steps: not saving to %s: %v", path, err)
		return SaveSummary{}, saveProblem(err, path)
	}
	// Another pimmail saving the same file waits for this one, and then
	// finds the file changed: read, compare and write never interleave.
	unlock, err := secfile.LockDir(filepath.Dir(path))
	if err != nil {
		return SaveSummary{}, saveProblem(err, path)
	}
	defer unlock()
	if now := readRaw(path); !bytes.Equal(now, r.seen) || (now == nil) != (r.seen == nil) {
		debuglog.Printf("steps: not saving %s: it changed since this run read it", path)
		return SaveSummary{}, changedSince(path)
	}
	prev, loadErr := config.Load(path)
	exists := !errors.Is(loadErr, fs.ErrNotExist)
	unreadable := loadErr != nil && exists
	if (r.start.NeedsConsent || unreadable) && !overwrite {
		why := r.start.LoadErr
		if unreadable {
			why = loadErr
		}
		return SaveSummary{}, &Problem{Code: CodeNeedsConsent, Title: "Saving would replace a configuration pimmail could not read",
			Explanation: fmt.Sprintf("%s: %s", path, sentence(why)),
			Fix: "Confirm that the file may be overwritten (pimmail keeps a copy of it beside the new one), " +
				"or move it aside (or repair it) and save again.",
			Raw: fmt.Sprint(why), Err: ErrNeedsConsent}
	}
	// The previous file's settings carry over only when it was read and
	// is of the same kind: a sandbox run does not keep a real config's.
	carried := loadErr == nil && (r.env.Sandbox == nil || prev.Sandbox)
	if carried && r.env.Sandbox != nil {
		sandboxEndpoints(&prev, r.env.Sandbox)
	}
	if !carried {
		prev = config.Default()
	}

	sum := SaveSummary{ConfigPath: path}
	if enable != config.ProviderNone {
		if prev.Enabled != config.ProviderNone && prev.Enabled != enable {
			sum.Disabled = append(sum.Disabled, prev.Enabled)
		}
		c.Enabled = enable
	} else {
		c.Enabled = prev.Enabled
		sum.NotSaved = keepLive(&c, prev)
		sum.SettingsOnly = true
	}
	c.Version = config.CurrentVersion
	c.Sandbox = r.env.Sandbox != nil
	sum.Provider = c.Enabled
	if c.Enabled == config.ProviderEntra || (enable == config.ProviderNone && c.Entra.Mailbox != "") {
		sum.CachePath = config.CachePath(path)
	}
	if c.Enabled == config.ProviderEntra {
		sum.Mailbox = c.Entra.Mailbox
	}

	if exists && !carried {
		kind := "broken"
		if loadErr == nil {
			kind = "replaced" // a real config under the sandbox wizard
		}
		b, err := backup(path, kind)
		if err != nil {
			debuglog.Printf("steps: back up %s: %v", path, err)
			return SaveSummary{}, backupProblem(path, err)
		}
		sum.Backup, sum.PrevUnreadable = b, loadErr != nil
		debuglog.Printf("steps: kept a copy of %s as %s", path, b)
	}
	if sum.CachePath != "" {
		if err := r.cache.Save(sum.CachePath); err != nil {
			debuglog.Printf("steps: save token cache %s: %v", sum.CachePath, err)
			dropBackup(sum.Backup)
			return SaveSummary{}, saveProblem(err, sum.CachePath)
		}
	}
	if err := config.Save(path, c); err != nil {
		debuglog.Printf("steps: save config %s: %v", path, err)
		dropBackup(sum.Backup)
		return SaveSummary{}, saveProblem(err, path)
	}
	debuglog.Printf("steps: saved %s: enabled %s, disabled %v, not saved %v, backup %q",
		path, c.Enabled, sum.Disabled, sum.NotSaved, sum.Backup)
	r.start = Start{Config: c, Exists: true}
	r.seen = readRaw(path)
	// Saved: the draft of an earlier, dropped run is done with.
	if err := draft.Remove(path); err != nil {
		debuglog.Printf("steps: remove the draft beside %s: %v", path, err)
	}
	return sum, nil
}

// changedSince explains a save refused because the file changed after
// this run read it.
func changedSince(path string) error {
	when := ""
	if st, err := os.Stat(path); err == nil {
		when = " (at " + st.ModTime().Format("15:04:05") + ")"
	}
	return &Problem{Code: CodeChangedSince, Title: "The configuration changed since this run read it",
		Explanation: fmt.Sprintf("%s was saved by another pimmail run, or edited, after this wizard read it%s. "+
			"Saving now would replace those settings with this run's, silently losing them, so nothing was written.", path, when),
		Fix: "Quit (ctrl+c) and run pimmail again: it starts from the file as it is now, and you enter only what differs. " +
			"Make sure only one pimmail run changes the configuration at a time."}
}

// keepLive puts the live settings of prev's enabled provider (and the
// shared email settings) back into c, and names those c had changed.
func keepLive(c *config.Config, prev config.Config) []string {
	var kept []string
	p := prev.Enabled
	if p == config.ProviderNone {
		return nil
	}
	if norm(*c).Email != norm(prev).Email {
		kept = append(kept, "From address and display name (used by "+p.Label()+", enabled now)")
		c.Email = prev.Email
	}
	changed := false
	switch p {
	case config.ProviderEntra:
		changed = norm(*c).Entra != norm(prev).Entra
		c.Entra = prev.Entra
	case config.ProviderRelay:
		changed = norm(*c).Relay != norm(prev).Relay
		c.Relay = prev.Relay
	case config.ProviderLocal:
		changed = norm(*c).Local != norm(prev).Local
		c.Local = prev.Local
	}
	if changed {
		kept = append(kept, p.Label()+" settings (enabled now)")
	}
	return kept
}

// norm is c as the file would hold it, so that a change of case or of an
// empty default does not count as a change.
func norm(c config.Config) config.Config {
	b, err := config.Marshal(c)
	if err != nil {
		return c
	}
	n, err := config.Parse("", b)
	if err != nil {
		return c
	}
	return n
}

// backup copies the file at path beside it as path.<kind>-<UTC time>, 0600.
// The copy is read byte for byte, whatever the file's mode or content.
func backup(path, kind string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	stamp := time.Now().UTC().Format("20060102T150405Z")
	name := path + "." + kind + "-" + stamp
	for i := 2; ; i++ {
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			break
		}
		name = fmt.Sprintf("%s.%s-%s-%d", path, kind, stamp, i)
	}
	if err := secfile.WriteFile(name, data); err != nil {
		return "", err
	}
	return name, nil
}

// dropBackup removes a copy made for a save that then failed: the original
// is still in place, so the copy would only be clutter.
func dropBackup(name string) {
	if name != "" {
		_ = os.Remove(name)
	}
}

// backupProblem explains why the file was not replaced: its copy failed.
func backupProblem(path string, err error) error {
	return &Problem{Code: CodeSaveFailed, Title: "Could not keep a copy of " + path,
		Explanation: "pimmail copies a configuration it cannot use before replacing it, so its settings are not lost, " +
			"and the copy failed: " + sentence(err) + " Nothing was written.",
		Fix: "Move the file aside yourself (e.g. mv " + path + " " + path + ".old)\nthen save again.",
		Raw: err.Error(), Err: err}
}

// sentence returns err's text ending as a sentence. A text that already
// ends with a command on a line of its own (secfile.ModeError's "Run:\n
// chmod 600 PATH\n") is kept as it is, so copying the command picks up
// nothing else.
func sentence(err error) string {
	if err == nil {
		return ""
	}
	if msg := err.Error(); strings.HasSuffix(msg, "\n") {
		return msg
	}
	msg := strings.TrimSpace(err.Error())
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

// sentenceError is an error whose text ends as a sentence (see sentence),
// for texts the UI shows with more words after them; the error itself
// stays reachable for errors.As.
type sentenceError struct{ err error }

func (e *sentenceError) Error() string { return sentence(e.err) }
func (e *sentenceError) Unwrap() error { return e.err }

// asSentence wraps err as a sentenceError; nil stays nil.
func asSentence(err error) error {
	if err == nil {
		return nil
	}
	return &sentenceError{err}
}
