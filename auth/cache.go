package auth

// Cache is the MSAL token cache, kept in memory and written to a file of its
// own (0600, atomically) when Path is set. It implements MSAL's
// cache.ExportReplace and is safe for concurrent use.
type Cache struct {
	// unexported: mutex, bytes, path, autosave
}

// NewMemoryCache returns an empty cache that is written nowhere until Save.
func NewMemoryCache() *Cache { panic("unimplemented") }

// LoadCache reads the cache file at path; with autosave, every change MSAL
// makes (e.g. a silent refresh) is written back at once. A missing file is
// an empty cache (not an error); a corrupt or too-open one is an error.
func LoadCache(path string, autosave bool) (*Cache, error) { panic("unimplemented") }

// Save writes the cache to path atomically (0600).
func (c *Cache) Save(path string) error { panic("unimplemented") }

// Accounts lists the usernames the cache holds tokens for (no secrets).
func (c *Cache) Accounts() []string { panic("unimplemented") }
