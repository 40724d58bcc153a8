package steps_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/secret"
	"github.com/pimmail/pimmail/steps"
)

// BenchmarkSandboxSignIn is one device-code sign-in against a sandbox with
// its default options (as pimmail --sandbox runs it): the sandbox approves
// just before MSAL Go's poll at about 2 s, so a sign-in takes about 2 s
// instead of the 6 s of the next poll. Run with -benchtime=3x.
func BenchmarkSandboxSignIn(b *testing.B) {
	sb, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	run, start := steps.Open(steps.Env{ConfigPath: filepath.Join(b.TempDir(), "config.json"),
		Authority: sb.Endpoints().Authority, RootCAs: sb.RootCAs(), Timeout: time.Minute})
	e := start.Config.Entra
	e.TenantID, e.ClientID, e.ClientSecret = sandbox.DefaultTenantID, sandbox.DefaultClientID, secret.New(sandbox.DefaultClientSecret)
	b.ResetTimer()
	for range b.N {
		lg, err := run.StartLogon(context.Background(), e)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := lg.Wait(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
