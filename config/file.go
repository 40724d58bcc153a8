package config

// TODO(helper): implement. Signatures are the contract other packages use.

// DefaultPath returns $XDG_CONFIG_HOME/pimmail/config.json (or the user
// config dir's equivalent).
func DefaultPath() (string, error) { panic("unimplemented") }

// CachePath returns the token cache path that belongs beside the config file.
func CachePath(configPath string) string { panic("unimplemented") }

// SandboxDir returns the directory beside the config file where the
// built-in sandbox keeps its keys and received mail.
func SandboxDir(configPath string) string { panic("unimplemented") }

// Load reads the config at path. A missing file returns Default() and an
// error wrapping fs.ErrNotExist; a malformed file *ParseError; a file or
// directory others can read *secfile.ModeError.
func Load(path string) (Config, error) { panic("unimplemented") }

// Save writes cfg atomically to path (0600 in a 0700 directory).
func Save(path string, cfg Config) error { panic("unimplemented") }
