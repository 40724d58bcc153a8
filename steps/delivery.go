package steps

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/pimmail/pimmail/auth"
	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/mailer"
	"github.com/pimmail/pimmail/queue"
)

// DeliveryTarget returns the queue worker's Target function for the
// configuration at env.ConfigPath: the enabled provider's server and
// credentials, exactly as `pimmail test` sends. The configuration and the
// token cache are read again when their files change (a configuration saved
// by the wizard, a new sign-in), otherwise the same TokenSource (one MSAL
// client, its token kept until shortly before expiry) serves every session.
// With a sandbox env, the endpoints are the running sandbox's.
func DeliveryTarget(env Env) func(ctx context.Context) (queue.Target, error) {
	env.PersistCache = true
	var mu sync.Mutex
	var cfgMod, cacheMod time.Time
	var cur queue.Target
	var built bool
	return func(ctx context.Context) (queue.Target, error) {
		mu.Lock()
		defer mu.Unlock()
		cm, kc := modTime(env.ConfigPath), modTime(config.CachePath(env.ConfigPath))
		if built && cm.Equal(cfgMod) && kc.Equal(cacheMod) {
			return cur, nil
		}
		if cur.Tokens != nil {
			cur.Tokens.Close()
		}
		built = false
		r, st := Open(env)
		if st.LoadErr != nil {
			return queue.Target{}, fmt.Errorf("the configuration cannot be used: %w", st.LoadErr)
		}
		if !st.Exists {
			return queue.Target{}, fmt.Errorf("no configuration at %s: run pimmail (the setup wizard)", env.ConfigPath)
		}
		c := st.Config
		p := c.Enabled
		if p == config.ProviderNone {
			return queue.Target{}, fmt.Errorf("no provider is enabled in %s: run pimmail (the setup wizard) to enable one", env.ConfigPath)
		}
		if m := Missing(p, c); len(m) > 0 {
			return queue.Target{}, fmt.Errorf("the %s settings in %s are incomplete (missing: %s): run pimmail (the setup wizard)",
				p.Label(), env.ConfigPath, strings.Join(m, ", "))
		}
		srv, err := r.server(p, c)
		if err != nil {
			return queue.Target{}, err
		}
		srv.RootCAs = env.RootCAs
		t := queue.Target{Server: srv, DefaultFrom: c.Email.From}
		switch p {
		case config.ProviderEntra:
			s, err := r.settings(c.Entra, true, false)
			if err != nil {
				return queue.Target{}, err
			}
			t.Auth = mailer.Auth{Kind: mailer.AuthXOAUTH2, Username: c.Entra.Mailbox}
			t.Tokens = auth.NewTokenSource(s, c.Entra.Mailbox)
			// Mail goes out as the mailbox: the envelope sender is the mailbox.
			t.DefaultFrom = c.Entra.Mailbox
			// Exchange refuses any other sender (550 5.7.60) unless the
			// mailbox has Send As on it: messages go out as the mailbox
			// (or the configured From) unless queued to keep theirs.
			from := c.Email.From
			if from == "" {
				from = c.Entra.Mailbox
			}
			t.SendAs = &queue.SendAs{Mailbox: c.Entra.Mailbox, From: from, Name: c.Email.DisplayName}
		case config.ProviderRelay:
			if c.Relay.Username != "" {
				t.Auth = mailer.Auth{Kind: mailer.AuthPassword, Username: c.Relay.Username, Secret: c.Relay.Password}
			}
		case config.ProviderLocal:
			if c.Local.Username != "" {
				t.Auth = mailer.Auth{Kind: mailer.AuthPassword, Username: c.Local.Username, Secret: c.Local.Password}
			}
		}
		cur, built, cfgMod, cacheMod = t, true, cm, kc
		return t, nil
	}
}

func modTime(path string) time.Time {
	st, err := os.Stat(path)
	if err != nil {
		return time.Time{}
	}
	return st.ModTime()
}
