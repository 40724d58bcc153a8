package auth_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/auth"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/sandbox/sandboxtest"
	"github.com/pimmail/pimmail/secfile"
)

// shortLived is an access-token lifetime below MSAL's 5-minute margin:
// MSAL treats such a token as expired at once (and does not even cache
// it), so every Token call has to refresh silently.
const shortLived = 2 * time.Minute

// Silent refresh: the access token has expired (for MSAL), so Token
// redeems the refresh token; the new token is newer, the cache file is
// rewritten at once (autosave), and the next call refreshes again.
func TestTokenSilentRefresh(t *testing.T) {
	clk := &clock{}
	sb := sandboxtest.Start(t, sandbox.Options{AccessTokenLifetime: shortLived, Now: clk.Now})
	path := filepath.Join(t.TempDir(), "tokens.json")
	c, err := auth.LoadCache(path, true)
	if err != nil {
		t.Fatal(err)
	}
	s := settingsFor(sb, c)
	signIn(t, s)
	leaks.addFile(t, path)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	var last time.Time
	for i := range 3 {
		clk.Advance(10 * time.Minute) // the sandbox issues from a later time
		tok, err := auth.Token(testCtx(t), s, sandbox.DefaultMailbox)
		if err != nil {
			t.Fatalf("Token #%d: %v", i, err)
		}
		leaks.add(tok.Value.Reveal())
		if !tok.Refreshed {
			t.Fatalf("Token #%d came from the cache although it expires within MSAL's 5 minutes", i)
		}
		claims, err := auth.ParseClaims(tok.Value.Reveal())
		if err != nil {
			t.Fatal(err)
		}
		if !claims.ExpiresAt.After(last) {
			t.Fatalf("Token #%d expires %v, not after the previous one (%v): not a new token", i, claims.ExpiresAt, last)
		}
		last = claims.ExpiresAt
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) == string(before) {
		t.Error("the refreshed tokens were not written to the cache file")
	}
	leaks.addFile(t, path)
}

// A token with plenty of life left comes from the cache without asking
// Entra, call after call.
func TestTokenFromCache(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	c := auth.NewMemoryCache()
	s := settingsFor(sb, c)
	signIn(t, s)
	first, err := auth.Token(testCtx(t), s, sandbox.DefaultMailbox)
	if err != nil {
		t.Fatal(err)
	}
	second, err := auth.Token(testCtx(t), s, sandbox.DefaultMailbox)
	if err != nil {
		t.Fatal(err)
	}
	if first.Refreshed || second.Refreshed || first.Value != second.Value {
		t.Fatal("a valid cached access token was not reused")
	}
}

// A restart in between: the cache is saved, every object is dropped, the
// sandbox itself restarts from the same state directory (same keys, same
// port), the cache is loaded from disk, and Token still works, refreshing
// with the refresh token issued before the restart.
func TestTokenAfterRestart(t *testing.T) {
	dir := t.TempDir()
	stateDir := filepath.Join(dir, "sandbox")
	autoPath := filepath.Join(dir, "pimmail", "tokens.json")
	savedPath := filepath.Join(dir, "backup", "saved-tokens.json")

	func() { // first process
		sb, err := sandbox.Start(sandbox.Options{StateDir: stateDir, AccessTokenLifetime: shortLived,
			ApproveAfter: 20 * time.Millisecond, PollInterval: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer sb.Close()
		c, err := auth.LoadCache(autoPath, true)
		if err != nil {
			t.Fatal(err)
		}
		signIn(t, settingsFor(sb, c))
		if err := c.Save(savedPath); err != nil {
			t.Fatal(err)
		}
	}()
	for _, p := range []string{autoPath, savedPath} {
		assertFileMode(t, p, 0o600)
		assertFileMode(t, filepath.Dir(p), 0o700)
		leaks.addFile(t, p)
	}

	sb := sandboxtest.Start(t, sandbox.Options{StateDir: stateDir, AccessTokenLifetime: shortLived})
	for _, p := range []string{autoPath, savedPath} {
		t.Run(filepath.Base(p), func(t *testing.T) {
			c, err := auth.LoadCache(p, true)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Accounts(); !slices.Equal(got, []string{sandbox.DefaultMailbox}) {
				t.Fatalf("accounts read back: %q", got)
			}
			if c.LastWritten().IsZero() {
				t.Error("a loaded cache does not say when it was written")
			}
			tok, err := auth.Token(testCtx(t), settingsFor(sb, c), sandbox.DefaultMailbox)
			if err != nil {
				t.Fatalf("Token after restart: %v", err)
			}
			if !tok.Refreshed || tok.Username != sandbox.DefaultMailbox {
				t.Fatalf("Token after restart: refreshed %v user %q", tok.Refreshed, tok.Username)
			}
			leaks.add(tok.Value.Reveal())
			assertFileMode(t, p, 0o600)
		})
	}
}

// Entra refuses the refresh token: each answer is its own problem, which
// tells the admin to sign the mailbox in again.
func TestTokenRefreshRefused(t *testing.T) {
	for scenario, want := range map[string]diagnose.Code{
		"refresh-revoked":  diagnose.EntraGrantRevoked,
		"refresh-inactive": diagnose.EntraRefreshInactive,
	} {
		t.Run(scenario, func(t *testing.T) {
			sb := sandboxtest.Start(t, sandbox.Options{Scenario: scenario, AccessTokenLifetime: shortLived})
			path := filepath.Join(t.TempDir(), "tokens.json")
			c, err := auth.LoadCache(path, true)
			if err != nil {
				t.Fatal(err)
			}
			s := settingsFor(sb, c)
			signIn(t, s)
			leaks.addFile(t, path)
			_, err = auth.Token(testCtx(t), s, sandbox.DefaultMailbox)
			p := wantProblem(t, err, want)
			if !strings.Contains(p.Raw, "AADSTS") {
				t.Errorf("raw text %q lacks Entra's AADSTS description", p.Raw)
			}
		})
	}
}

// A refresh token that this Entra cannot redeem (signed by another
// sandbox's key: the state directory was lost) is AADSTS70008.
func TestTokenRefreshFromAnotherSandbox(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tokens.json")
	func() {
		sb, err := sandbox.Start(sandbox.Options{StateDir: filepath.Join(dir, "a"), AccessTokenLifetime: shortLived,
			ApproveAfter: 20 * time.Millisecond, PollInterval: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer sb.Close()
		c, err := auth.LoadCache(path, true)
		if err != nil {
			t.Fatal(err)
		}
		signIn(t, settingsFor(sb, c))
	}()
	leaks.addFile(t, path)
	// Same port (copied port file), fresh keys: same address, other signer.
	b, err := os.ReadFile(filepath.Join(dir, "a", "entra-port.json"))
	if err != nil {
		t.Skipf("sandbox keeps no port file: %v", err)
	}
	if err := secfile.WriteFile(filepath.Join(dir, "b", "entra-port.json"), b); err != nil {
		t.Fatal(err)
	}
	sb := sandboxtest.Start(t, sandbox.Options{StateDir: filepath.Join(dir, "b"), AccessTokenLifetime: shortLived})
	c, err := auth.LoadCache(path, true)
	if err != nil {
		t.Fatal(err)
	}
	_, err = auth.Token(testCtx(t), settingsFor(sb, c), sandbox.DefaultMailbox)
	wantProblem(t, err, diagnose.EntraRefreshExpired)
}

// Caches Token cannot use: each says "sign the mailbox in again".
func TestTokenUnusableCache(t *testing.T) {
	dir := sandbox.DefaultDirectory()
	otherApp := dir.Apps[0]
	otherApp.ClientID = "0a0b0c0d-1e1f-4a2b-8c3d-4e5f6a7b8c9d"
	otherApp.Name = "Another app"
	dir.Apps = append(dir.Apps, otherApp)
	sb := sandboxtest.Start(t, sandbox.Options{Directory: &dir})

	// A cache holding a real sign-in through the default app.
	signedIn := auth.NewMemoryCache()
	signIn(t, settingsFor(sb, signedIn))
	good := filepath.Join(t.TempDir(), "good.json")
	if err := signedIn.Save(good); err != nil {
		t.Fatal(err)
	}
	leaks.addFile(t, good)

	// One signed in at another sandbox (another host:port, as after moving
	// to another sign-in address).
	elsewhere := sandboxtest.Start(t, sandbox.Options{})
	otherHost := auth.NewMemoryCache()
	signIn(t, settingsFor(elsewhere, otherHost))
	otherHostPath := filepath.Join(t.TempDir(), "other-host.json")
	if err := otherHost.Save(otherHostPath); err != nil {
		t.Fatal(err)
	}
	leaks.addFile(t, otherHostPath)

	load := func(t *testing.T, path string) *auth.Cache {
		t.Helper()
		c, err := auth.LoadCache(path, false)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	writeCache := func(t *testing.T, content string) *auth.Cache {
		t.Helper()
		p := filepath.Join(t.TempDir(), "tokens.json")
		if err := secfile.WriteFile(p, []byte(content)); err != nil {
			t.Fatal(err)
		}
		return load(t, p)
	}

	tests := []struct {
		name     string
		cache    func(t *testing.T) *auth.Cache
		clientID string
		mailbox  string
		rawHas   string
	}{
		{name: "no cache at all", cache: func(*testing.T) *auth.Cache { return nil }},
		{name: "missing file", cache: func(t *testing.T) *auth.Cache { return load(t, filepath.Join(t.TempDir(), "none.json")) },
			rawHas: "no signed-in mailbox"},
		{name: "another mailbox", cache: func(t *testing.T) *auth.Cache { return load(t, good) },
			mailbox: "someone-else@" + sandbox.DefaultTenantDomain, rawHas: sandbox.DefaultMailbox},
		{name: "another app", cache: func(t *testing.T) *auth.Cache { return load(t, good) },
			clientID: otherApp.ClientID, rawHas: otherApp.ClientID},
		{name: "another sign-in address", cache: func(t *testing.T) *auth.Cache { return load(t, otherHostPath) }},
		{name: "valid JSON MSAL cannot read", cache: func(t *testing.T) *auth.Cache {
			return writeCache(t, `{"AccessToken": {"k": 5}, "Account": {}}`)
		}},
		{name: "an account without tokens", cache: func(t *testing.T) *auth.Cache {
			return writeCache(t, `{"Account": {"x": {"home_account_id": "x", "environment": "127.0.0.1", "realm": "`+
				sandbox.DefaultTenantID+`", "username": "`+sandbox.DefaultMailbox+`"}}}`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := settingsFor(sb, tt.cache(t))
			if tt.clientID != "" {
				s.ClientID = tt.clientID
			}
			mailbox := sandbox.DefaultMailbox
			if tt.mailbox != "" {
				mailbox = tt.mailbox
			}
			_, err := auth.Token(testCtx(t), s, mailbox)
			p := wantProblem(t, err, diagnose.CacheSignInAgain)
			if tt.rawHas != "" && !strings.Contains(p.Raw, tt.rawHas) {
				t.Errorf("raw %q does not say %q", p.Raw, tt.rawHas)
			}
		})
	}

	// The corrupt file itself is refused when loaded.
	p := filepath.Join(t.TempDir(), "corrupt.json")
	if err := secfile.WriteFile(p, []byte(`{"Account": {`)); err != nil {
		t.Fatal(err)
	}
	_, err := auth.LoadCache(p, true)
	wantProblem(t, err, diagnose.CacheSignInAgain)
}
