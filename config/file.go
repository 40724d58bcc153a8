package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/pimmail/pimmail/secfile"
)

// FileName is the config file's name inside the default directory.
const FileName = "config.json"

// CacheFileName is the MSAL token cache's name, beside the config file.
const CacheFileName = "tokencache.json"

// SandboxDirName is the built-in sandbox's state directory inside the
// default directory: it holds the sandbox's own configuration too.
const SandboxDirName = "sandbox"

// CurrentVersion is the file format this build writes and reads.
const CurrentVersion = 1

// DefaultPath returns $XDG_CONFIG_HOME/pimmail/config.json (or the user
// config dir's equivalent).
func DefaultPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("cannot find your config directory (%w); pass --config PATH", err)
	}
	return filepath.Join(dir, "pimmail", FileName), nil
}

// CachePath returns the token cache path that belongs beside the config file.
func CachePath(configPath string) string {
	return filepath.Join(filepath.Dir(configPath), CacheFileName)
}

// DefaultSandboxPath returns $XDG_CONFIG_HOME/pimmail/sandbox/config.json:
// the configuration `pimmail --sandbox` makes, kept in the sandbox's state
// directory, so that the default path (DefaultPath) only ever holds the
// real configuration, the one the system sends with.
func DefaultSandboxPath() (string, error) {
	p, err := DefaultPath()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(p), SandboxDirName, FileName), nil
}

// SandboxDir returns the state directory of the built-in sandbox a sandbox
// configuration at configPath is used with: the file's own directory,
// where the sandbox keeps its keys and received mail beside it (and the
// sandbox sign-in, tokencache.json).
func SandboxDir(configPath string) string {
	return filepath.Dir(configPath)
}

// Load reads the config at path. A missing file returns Default() and an
// error wrapping fs.ErrNotExist; a malformed file *ParseError; a file
// others can read or write, or a directory others can write to,
// *secfile.ModeError.
//
// Fields the file leaves out keep their Default() values, so a hand-written
// file needs only what differs. Unknown fields are refused: in a file people
// edit by hand, an unknown field is almost always a typo that would
// otherwise be silently ignored.
func Load(path string) (Config, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Default(), fmt.Errorf("no configuration at %s yet: %w", path, err)
		}
		return Default(), fmt.Errorf("cannot read the configuration %s: %w", path, err)
	}
	// The directory first: if others may write to it, they could have
	// swapped the file, and its contents cannot be trusted either.
	if err := secfile.CheckDir(filepath.Dir(path)); err != nil {
		return Default(), err
	}
	data, err := secfile.ReadFile(path)
	if err != nil {
		// A link, a directory, another user's file, a too-open one: the
		// error names the path and says what to do.
		var fe secfile.Fixable
		if errors.As(err, &fe) {
			return Default(), err
		}
		return Default(), fmt.Errorf("cannot read the configuration %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse decodes and checks a config file's contents; path is only used in
// error messages. It is Load without the file system, and never panics.
func Parse(path string, data []byte) (Config, error) {
	cfg := Default()
	if len(bytes.TrimSpace(data)) == 0 {
		return Default(), &ParseError{Path: path, Line: 1, Column: 1, Msg: "the file is empty"}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return Default(), decodeError(path, data, err)
	}
	// Anything after the one JSON object (a second object, a stray brace)
	// means the file is not what we wrote.
	if off := trailingData(data, dec.InputOffset()); off >= 0 {
		line, col := lineCol(data, off)
		return Default(), &ParseError{Path: path, Line: line, Column: col, Msg: "unexpected text after the end of the settings"}
	}
	if cfg.Version == 0 {
		// A hand-written file may leave the version out; it means this one.
		cfg.Version = CurrentVersion
	}
	if err := cfg.Validate(); err != nil {
		var ve *ValueError
		if errors.As(err, &ve) {
			line, col := 1, 1
			if off, ok := valueOffset(data, ve.Key); ok {
				line, col = lineCol(data, off)
			}
			return Default(), &ParseError{Path: path, Line: line, Column: col, Msg: ve.Error(), Err: err}
		}
		return Default(), &ParseError{Path: path, Line: 1, Column: 1, Msg: err.Error(), Err: err}
	}
	cfg.normalize()
	return cfg, nil
}

// Save writes cfg atomically to path (mode 0600; a missing directory is
// created with 0700). It refuses a config that Load would refuse (unknown
// provider, cloud or TLS mode), and a directory others can write to, so
// that what Save writes always loads.
func Save(path string, cfg Config) error {
	if cfg.Version == 0 {
		cfg.Version = CurrentVersion
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("not saving %s: %w", path, err)
	}
	cfg.normalize()
	if err := CheckWritable(path); err != nil {
		return err
	}
	data, err := Marshal(cfg)
	if err != nil {
		return err
	}
	return secfile.WriteFile(path, data)
}

// CheckWritable returns an error when pimmail must not write its files
// (the configuration, and the token cache beside it) at path: the
// directory may be changed by others (*secfile.ModeError, *secfile.OwnerError;
// a directory that does not exist yet passes, it is created 0700), or path
// is a symbolic link, a directory or another user's file (see
// secfile.CheckReplaceable). Callers check before writing anything, so a
// refused place never receives a secret. A directory others may only read
// or enter (0755, as home directories and /etc/pimmail often are) passes,
// because the files in it are 0600 themselves.
func CheckWritable(path string) error {
	if err := secfile.CheckDir(filepath.Dir(path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return secfile.CheckReplaceable(path)
}

// Marshal returns the file contents for cfg: indented JSON with the fields
// in the order of the Config struct (stable across saves, so diffs of the
// file stay readable), ending in a newline.
func Marshal(cfg Config) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Addresses such as "<alerts@contoso.com>" stay readable instead of \u003c.
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(cfg); err != nil {
		return nil, fmt.Errorf("encode configuration: %w", err)
	}
	return buf.Bytes(), nil
}
