package auth_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/pimmail/pimmail/auth"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/sandbox/sandboxtest"
)

// One TokenSource serves a worker all day: a token with life left is
// handed out again from memory, not fetched per message.
func TestTokenSourceReusesToken(t *testing.T) {
	sb := sandboxtest.Start(t, sandbox.Options{})
	c, err := auth.LoadCache(filepath.Join(t.TempDir(), "tokens.json"), true)
	if err != nil {
		t.Fatal(err)
	}
	s := settingsFor(sb, c)
	signIn(t, s)
	ts := auth.NewTokenSource(s, sandbox.DefaultMailbox)
	defer ts.Close()
	first, err := ts.Token(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	// The sandbox is gone: a second token can only come from memory.
	_ = sb.Close()
	for range 3 {
		again, err := ts.Token(testCtx(t))
		if err != nil {
			t.Fatalf("a token with an hour left was fetched again: %v", err)
		}
		if again.Value.Reveal() != first.Value.Reveal() || again.Refreshed {
			t.Fatal("a new token although the first has an hour left")
		}
	}
}

// A token within RefreshMargin of its expiry is not handed out: the source
// renews it silently from the refresh token first.
func TestTokenSourceRefreshesBeforeExpiry(t *testing.T) {
	clk := &clock{}
	// 4 minutes: always within the 5-minute margin.
	sb := sandboxtest.Start(t, sandbox.Options{AccessTokenLifetime: 4 * time.Minute, Now: clk.Now})
	c, err := auth.LoadCache(filepath.Join(t.TempDir(), "tokens.json"), true)
	if err != nil {
		t.Fatal(err)
	}
	s := settingsFor(sb, c)
	signIn(t, s)
	ts := auth.NewTokenSource(s, sandbox.DefaultMailbox)
	defer ts.Close()
	prev := ""
	for i := range 3 {
		clk.Advance(time.Minute)
		tok, err := ts.Token(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		if tok.Value.Reveal() == prev || !tok.Refreshed {
			t.Fatalf("token %d: a token about to expire was handed out again", i)
		}
		prev = tok.Value.Reveal()
	}
}
