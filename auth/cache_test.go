package auth

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"

	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/secfile"
)

// msalCacheJSON is a cache in MSAL's serialised layout (the one all MSAL
// libraries share) holding two accounts and their tokens.
const msalCacheJSON = `{
 "AccessToken": {"h1-127.0.0.1:1-accesstoken-c-t-scope": {"home_account_id":"h1","environment":"127.0.0.1:1","credential_type":"AccessToken","client_id":"c","secret":"ACCESS-TOKEN-SECRET","realm":"t","target":"https://outlook.office.com/SMTP.Send","cached_at":"1","expires_on":"2","extended_expires_on":"2"}},
 "RefreshToken": {"h1-127.0.0.1:1-refreshtoken-c--": {"home_account_id":"h1","environment":"127.0.0.1:1","credential_type":"RefreshToken","client_id":"c","secret":"REFRESH-TOKEN-SECRET"}},
 "IdToken": {},
 "Account": {
  "h1-127.0.0.1:1-t": {"home_account_id":"h1","environment":"127.0.0.1:1","realm":"t","local_account_id":"o1","authority_type":"MSSTS","username":"Zeta@contoso.com"},
  "h2-127.0.0.1:1-t": {"home_account_id":"h2","environment":"127.0.0.1:1","realm":"t","local_account_id":"o2","authority_type":"MSSTS","username":"alerts@contoso.com"},
  "h3-other:1-t": {"home_account_id":"h3","environment":"other:1","realm":"t","username":"ALERTS@contoso.com"}
 },
 "AppMetadata": {}
}`

// bytesMarshaler and recordingUnmarshaler stand in for MSAL's storage
// manager, which is internal to MSAL; the integration tests use the real one.
type bytesMarshaler []byte

func (b bytesMarshaler) Marshal() ([]byte, error) { return b, nil }

type recordingUnmarshaler struct{ got []byte }

func (r *recordingUnmarshaler) Unmarshal(b []byte) error {
	r.got = append([]byte(nil), b...)
	if len(b) == 0 || b[0] != '{' {
		return errors.New("not JSON")
	}
	return nil
}

func TestMemoryCache(t *testing.T) {
	c := NewMemoryCache()
	if got := c.Accounts(); got != nil {
		t.Fatalf("new cache Accounts = %q, want none", got)
	}
	var u recordingUnmarshaler
	if err := c.Replace(context.Background(), &u, cache.ReplaceHints{}); err != nil {
		t.Fatalf("Replace on an empty cache: %v", err)
	}
	if string(u.got) != "{}" {
		t.Fatalf("empty cache handed MSAL %q, want {}", u.got)
	}
	if err := c.Export(context.Background(), bytesMarshaler(msalCacheJSON), cache.ExportHints{}); err != nil {
		t.Fatal(err)
	}
	// Three accounts, two of them the same mailbox in another case: listed
	// once, in case-insensitive order.
	if got, want := c.Accounts(), []string{"ALERTS@contoso.com", "Zeta@contoso.com"}; !slices.Equal(got, want) {
		t.Fatalf("Accounts = %q, want %q", got, want)
	}
	if !c.LastWritten().IsZero() || c.Path() != "" {
		t.Fatalf("memory cache claims a file: path %q written %v", c.Path(), c.LastWritten())
	}
	if err := c.Replace(context.Background(), &u, cache.ReplaceHints{}); err != nil || string(u.got) != msalCacheJSON {
		t.Fatalf("Replace handed back %q, %v", u.got, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Replace(ctx, &u, cache.ReplaceHints{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Replace with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestLoadCacheMissingIsEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nothing-here", "tokens.json")
	c, err := LoadCache(path, true)
	if err != nil {
		t.Fatalf("LoadCache of a missing file: %v", err)
	}
	if c.Accounts() != nil || c.Path() != path {
		t.Fatalf("missing file gave accounts %q, path %q", c.Accounts(), c.Path())
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("loading created the file: %v", err)
	}
}

func TestLoadCacheCorrupt(t *testing.T) {
	for name, content := range map[string]string{
		"not JSON":           "this is not json",
		"truncated":          msalCacheJSON[:len(msalCacheJSON)/2],
		"array":              "[1,2]",
		"null":               "null",
		"accounts not a map": `{"Account": 5}`,
		"username a number":  `{"Account": {"k": {"username": 7}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "tokens.json")
			if err := secfile.WriteFile(path, []byte(content)); err != nil {
				t.Fatal(err)
			}
			_, err := LoadCache(path, false)
			p, ok := diagnose.As(err)
			if !ok || p.Code != diagnose.CacheSignInAgain {
				t.Fatalf("LoadCache(%s) = %v, want a %s problem", name, err, diagnose.CacheSignInAgain)
			}
			if !strings.Contains(p.Raw, path) {
				t.Errorf("raw text %q does not name the file", p.Raw)
			}
		})
	}
}

func TestLoadCacheTooOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	if err := os.WriteFile(path, []byte(msalCacheJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // umask-proof
		t.Fatal(err)
	}
	_, err := LoadCache(path, true)
	var me *secfile.ModeError
	if !errors.As(err, &me) {
		t.Fatalf("LoadCache of a 0644 file = %v, want a *secfile.ModeError", err)
	}
	for _, want := range []string{"chmod 600 " + path, "refresh token", "private"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "REFRESH-TOKEN-SECRET") {
		t.Errorf("error quotes the cache content: %q", err)
	}
}

func TestSaveModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	path := filepath.Join(dir, "tokens.json")
	c := NewMemoryCache()
	if err := c.Export(context.Background(), bytesMarshaler(msalCacheJSON), cache.ExportHints{}); err != nil {
		t.Fatal(err)
	}
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	assertMode(t, path, 0o600)
	assertMode(t, dir, 0o700)
	back, err := LoadCache(path, false)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := back.Accounts(), c.Accounts(); !slices.Equal(got, want) {
		t.Fatalf("accounts after Save+LoadCache = %q, want %q", got, want)
	}
	if back.LastWritten().IsZero() {
		t.Error("a loaded cache does not know when its file was written")
	}
	// Saving an empty cache writes valid (empty) JSON that loads again.
	empty := filepath.Join(dir, "empty.json")
	if err := NewMemoryCache().Save(empty); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCache(empty, false); err != nil {
		t.Fatalf("an empty saved cache does not load: %v", err)
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != want {
		t.Errorf("%s has mode %04o, want %04o", path, st.Mode().Perm(), want)
	}
}

func TestAutosave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cfg", "tokens.json")
	c, err := LoadCache(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Export(context.Background(), bytesMarshaler(msalCacheJSON), cache.ExportHints{}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != msalCacheJSON {
		t.Fatalf("autosave wrote %q, %v", b, err)
	}
	assertMode(t, path, 0o600)
	first := c.LastWritten()
	if first.IsZero() {
		t.Fatal("LastWritten is zero after an autosave")
	}
	// The same bytes again: nothing to write. Remove the file to see it.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := c.Export(context.Background(), bytesMarshaler(msalCacheJSON), cache.ExportHints{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("an unchanged Export wrote the file again (%v)", err)
	}
	// Changed bytes are written even when the caller's context is gone: a
	// rotated refresh token must not be lost.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	changed := strings.Replace(msalCacheJSON, "REFRESH-TOKEN-SECRET", "ROTATED-REFRESH", 1)
	if err := c.Export(ctx, bytesMarshaler(changed), cache.ExportHints{}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != changed {
		t.Fatal("a changed Export with a cancelled context was not written")
	}
	// Without autosave nothing reaches the disk.
	other := filepath.Join(t.TempDir(), "tokens.json")
	c2, err := LoadCache(other, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := c2.Export(context.Background(), bytesMarshaler(msalCacheJSON), cache.ExportHints{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(other); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a cache without autosave wrote its file (%v)", err)
	}
}

// A write failure is reported, not swallowed: the new refresh token would be lost.
func TestAutosaveWriteFailure(t *testing.T) {
	// A path under a regular file cannot be created, even by root (which
	// ignores directory permissions).
	blocker := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	c := &Cache{path: filepath.Join(blocker, "tokens.json"), autosave: true}
	err := c.Export(context.Background(), bytesMarshaler(msalCacheJSON), cache.ExportHints{})
	var we *cacheWriteError
	if !errors.As(err, &we) {
		t.Fatalf("Export to an unwritable path = %v, want a cacheWriteError", err)
	}
	p := tokenProblem(err, Settings{}, "alerts@contoso.com")
	if dp, ok := diagnose.As(p); !ok || !strings.Contains(dp.Explanation, blocker) {
		t.Fatalf("write failure became %v, want a problem naming the path", p)
	}
}

// Concurrent use from several goroutines (MSAL clients in parallel sends).
func TestCacheConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.json")
	c, err := LoadCache(path, true)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				body := strings.Replace(msalCacheJSON, "REFRESH-TOKEN-SECRET", fmt.Sprintf("RT-%d-%d", i, j), 1)
				if err := c.Export(context.Background(), bytesMarshaler(body), cache.ExportHints{}); err != nil {
					t.Error(err)
					return
				}
				var u recordingUnmarshaler
				if err := c.Replace(context.Background(), &u, cache.ReplaceHints{}); err != nil {
					t.Error(err)
					return
				}
				if len(c.Accounts()) != 2 {
					t.Error("accounts lost under concurrency")
					return
				}
			}
		}()
	}
	wg.Wait()
	if _, err := LoadCache(path, false); err != nil {
		t.Fatalf("the file is not a whole cache after concurrent writes: %v", err)
	}
}
