package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pimmail/pimmail/auth"
	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/secret"
)

// settingsFor are the settings an admin would enter for the sandbox's
// default directory, with the sandbox's authority and CA.
func settingsFor(sb *sandbox.Sandbox, c *auth.Cache) auth.Settings {
	return auth.Settings{
		Cloud:        cloud.Global,
		TenantID:     sandbox.DefaultTenantID,
		ClientID:     sandbox.DefaultClientID,
		ClientSecret: secret.New(sandbox.DefaultClientSecret),
		Authority:    sb.Endpoints().Authority,
		RootCAs:      sb.RootCAs(),
		Cache:        c,
	}
}

// testCtx is a context every test call runs under, so a hang fails the
// test instead of the whole run.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// signIn runs the device-code logon to its end and returns the account.
func signIn(t *testing.T, s auth.Settings) auth.Account {
	t.Helper()
	ctx := testCtx(t)
	d, err := auth.StartDeviceLogon(ctx, s)
	if err != nil {
		t.Fatalf("StartDeviceLogon: %v", err)
	}
	acct, err := d.Wait(ctx)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	return acct
}

// wantProblem asserts err is a *diagnose.Problem with code, complete
// enough to show (title, explanation, fix), and returns it.
func wantProblem(t *testing.T, err error, code diagnose.Code) *diagnose.Problem {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want a %s problem", code)
	}
	p, ok := diagnose.As(err)
	if !ok {
		t.Fatalf("error %q (%T) is not a *diagnose.Problem; want %s", err, err, code)
	}
	if p.Code != code {
		t.Fatalf("problem code %s, want %s\n title: %s\n raw: %s", p.Code, code, p.Title, p.Raw)
	}
	if p.Title == "" || p.Fix == "" {
		t.Errorf("problem %s has no title or fix: %+v", code, p)
	}
	leaks.check(t, err)
	return p
}

// leakWatch collects every credential the tests see (the client secret,
// and every access and refresh token that reaches a cache) and checks
// error texts against all of them.
type leakWatch struct {
	mu      sync.Mutex
	secrets map[string]bool
}

var leaks = &leakWatch{secrets: map[string]bool{sandbox.DefaultClientSecret: true}}

// addCache records the token secrets in a serialised MSAL cache.
func (w *leakWatch) addCache(t *testing.T, data []byte) {
	t.Helper()
	var c map[string]map[string]struct {
		Secret string `json:"secret"`
	}
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatalf("cache is not MSAL's JSON: %v", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, section := range []string{"AccessToken", "RefreshToken", "IdToken"} {
		for _, item := range c[section] {
			if len(item.Secret) >= 16 {
				w.secrets[item.Secret] = true
			}
		}
	}
}

// addFile records the token secrets in a cache file.
func (w *leakWatch) addFile(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	w.addCache(t, b)
}

// add records one credential (short values are ignored: they would match
// ordinary words).
func (w *leakWatch) add(v string) {
	if len(v) < 8 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.secrets[v] = true
}

// check fails when any text err can show holds a recorded credential:
// Error, every field of a Problem, the %v/%+v/%#v forms, and every error
// it wraps.
func (w *leakWatch) check(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var texts []string
	for e := err; e != nil; e = errors.Unwrap(e) {
		texts = append(texts, e.Error(), fmt.Sprintf("%v|%+v|%#v", e, e, e))
		if p, ok := e.(*diagnose.Problem); ok {
			texts = append(texts, p.Title, p.Explanation, p.Fix, p.Raw)
		}
	}
	w.checkText(t, texts...)
}

// checkText fails when any of texts holds a recorded credential.
func (w *leakWatch) checkText(t *testing.T, texts ...string) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for v := range w.secrets {
		for _, txt := range texts {
			if strings.Contains(txt, v) {
				t.Errorf("text leaks a credential (%d chars): %q", len(v), txt)
			}
		}
	}
}

// clock is a settable sandbox clock, so tests can let time pass for the
// sandbox (token issue times) without waiting.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}
