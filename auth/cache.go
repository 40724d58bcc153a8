package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"

	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/secfile"
)

// Cache is the MSAL token cache, kept in memory and written to a file of its
// own (0600, atomically) when Path is set. It implements MSAL's
// cache.ExportReplace and is safe for concurrent use.
//
// The bytes are MSAL's own serialisation (the JSON layout shared by all
// MSAL libraries); pimmail only reads the account list out of them.
type Cache struct {
	mu       sync.Mutex
	data     []byte    // MSAL's serialised cache; empty means no cache yet
	path     string    // where autosave writes; "" for none
	autosave bool      // write on every Export that changed the bytes
	written  time.Time // when the bytes were last written to disk (or read from it)
}

var _ cache.ExportReplace = (*Cache)(nil)

// NewMemoryCache returns an empty cache that is written nowhere until Save.
func NewMemoryCache() *Cache { return &Cache{} }

// LoadCache reads the cache file at path; with autosave, every change MSAL
// makes (e.g. a silent refresh) is written back at once. A missing file is
// an empty cache (not an error); a corrupt or too-open one is an error.
//
// A too-open file is refused with the *secfile.ModeError (errors.As finds
// it) wrapped in a sentence saying why; a corrupt one is a
// diagnose.CacheSignInAgain problem.
func LoadCache(path string, autosave bool) (*Cache, error) {
	c := &Cache{path: path, autosave: autosave}
	b, err := secfile.ReadFile(path)
	var modeErr *secfile.ModeError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return c, nil
	case errors.As(err, &modeErr):
		return nil, fmt.Errorf("the token cache holds the mailbox's refresh token and must be private to pimmail's user: %w", err)
	case err != nil:
		return nil, fmt.Errorf("read token cache: %w", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		// An empty file (e.g. created by hand) holds no sign-in: same as missing.
		return c, nil
	}
	if _, err := parseCache(b); err != nil {
		return nil, diagnose.New(diagnose.CacheSignInAgain, diagnose.Facts{},
			"the token cache "+path+" is not a token cache MSAL wrote (it is not valid JSON of that shape)", err)
	}
	c.data = b
	if st, err := os.Stat(path); err == nil {
		c.written = st.ModTime()
	}
	return c, nil
}

// Save writes the cache to path atomically (0600).
func (c *Cache) Save(path string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := secfile.WriteFile(path, c.bytesLocked()); err != nil {
		return fmt.Errorf("save token cache: %w", err)
	}
	if path == c.path || c.path == "" {
		c.written = time.Now()
	}
	return nil
}

// Path returns the file the cache autosaves to ("" for none).
func (c *Cache) Path() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.path
}

// LastWritten returns when the cache was last written to its file, or the
// file's modification time when it was loaded; zero when never. With
// autosave a write happens exactly when Entra issued new tokens (sign-in or
// silent refresh), so this is when the refresh token was last used, for
// `pimmail status`.
func (c *Cache) LastWritten() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.written
}

// Accounts lists the usernames the cache holds tokens for (no secrets),
// sorted ignoring case, each mailbox once; nil when there are none or the
// cache cannot be read.
func (c *Cache) Accounts() []string {
	c.mu.Lock()
	data := c.data
	c.mu.Unlock()
	if len(data) == 0 {
		return nil
	}
	sc, err := parseCache(data)
	if err != nil {
		return nil
	}
	var names []string
	for _, a := range sc.Account {
		if a.Username != "" {
			names = append(names, a.Username)
		}
	}
	// Case-insensitive order, then one entry per mailbox (the same mailbox
	// may be there from several sign-ins); deterministic whatever the map order.
	sort.Slice(names, func(i, j int) bool {
		li, lj := strings.ToLower(names[i]), strings.ToLower(names[j])
		if li != lj {
			return li < lj
		}
		return names[i] < names[j]
	})
	var out []string
	for _, n := range names {
		if len(out) == 0 || !strings.EqualFold(out[len(out)-1], n) {
			out = append(out, n)
		}
	}
	return out
}

// Replace hands MSAL the cache's bytes (MSAL calls it before every read).
func (c *Cache) Replace(ctx context.Context, u cache.Unmarshaler, _ cache.ReplaceHints) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	data := c.bytesLocked()
	c.mu.Unlock()
	if err := u.Unmarshal(data); err != nil {
		return &corruptCacheError{err: err}
	}
	return nil
}

// Export takes MSAL's bytes after it stored new tokens and, with autosave,
// writes them to the file. It writes even when ctx is already cancelled:
// Entra may have rotated the refresh token, and losing the new one would
// sign the mailbox out.
func (c *Cache) Export(_ context.Context, m cache.Marshaler, _ cache.ExportHints) error {
	b, err := m.Marshal()
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if bytes.Equal(b, c.data) {
		return nil
	}
	c.data = b
	if c.autosave && c.path != "" {
		if err := secfile.WriteFile(c.path, b); err != nil {
			return &cacheWriteError{path: c.path, err: err}
		}
		c.written = time.Now()
	}
	return nil
}

// bytesLocked returns the serialised cache, "{}" when empty (MSAL's
// Unmarshal wants JSON). The caller holds c.mu.
func (c *Cache) bytesLocked() []byte {
	if len(c.data) == 0 {
		return []byte("{}")
	}
	return append([]byte(nil), c.data...)
}

// serialisedCache is the part of MSAL's cache layout pimmail reads.
type serialisedCache struct {
	Account map[string]struct {
		Username      string `json:"username"`
		HomeAccountID string `json:"home_account_id"`
		Environment   string `json:"environment"`
		Realm         string `json:"realm"`
	} `json:"Account"`
	RefreshToken map[string]struct {
		HomeAccountID string `json:"home_account_id"`
		ClientID      string `json:"client_id"`
	} `json:"RefreshToken"`
	AccessToken map[string]json.RawMessage `json:"AccessToken"`
	IdToken     map[string]json.RawMessage `json:"IdToken"`
	AppMetadata map[string]json.RawMessage `json:"AppMetadata"`
}

// parseCache checks b has MSAL's layout: a JSON object whose sections are
// objects of objects.
func parseCache(b []byte) (serialisedCache, error) {
	var sc serialisedCache
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' {
		return sc, errors.New("not a JSON object")
	}
	if err := json.Unmarshal(b, &sc); err != nil {
		return sc, err
	}
	return sc, nil
}

// corruptCacheError is MSAL failing to read the cache's bytes.
type corruptCacheError struct{ err error }

func (e *corruptCacheError) Error() string { return "the token cache cannot be read: " + e.err.Error() }
func (e *corruptCacheError) Unwrap() error { return e.err }

// cacheWriteError is a failure to write the cache file after new tokens came.
type cacheWriteError struct {
	path string
	err  error
}

func (e *cacheWriteError) Error() string {
	return "the token cache " + e.path + " could not be written: " + e.err.Error()
}
func (e *cacheWriteError) Unwrap() error { return e.err }

// String describes the cache without its tokens, so printing one by
// mistake leaks nothing.
func (c *Cache) String() string {
	if c == nil {
		return "auth.Cache(nil)"
	}
	return fmt.Sprintf("auth.Cache{path: %q, accounts: %q}", c.Path(), c.Accounts())
}

// GoString keeps %#v as discreet as %v.
func (c *Cache) GoString() string { return c.String() }
