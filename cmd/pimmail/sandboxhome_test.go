package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/sandbox"
)

// copyConfig copies the configuration at from to to (0600 in a 0700
// directory), as an admin's earlier run would have left it.
func copyConfig(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestSandboxKeepsItsOwnConfiguration: the sandbox's configuration lives
// in the sandbox's state directory; the default path only ever holds the
// real one, and pimmail without --sandbox always means real.
func TestSandboxKeepsItsOwnConfiguration(t *testing.T) {
	xdg := t.TempDir()
	env := []string{"XDG_CONFIG_HOME=" + xdg}
	realPath := filepath.Join(xdg, "pimmail", "config.json")
	sbPath := filepath.Join(xdg, "pimmail", "sandbox", "config.json")
	copyConfig(t, sandboxConfig(t, config.ProviderRelay, nil), sbPath)

	// Without --sandbox nothing is set up: the sandbox's file is not the real one.
	expect(t, pimmailEnv(t, env, "status"), 2, "No configuration at "+realPath, "add --sandbox to use it")
	expect(t, pimmailEnv(t, env, "test"), 2, "No configuration at "+realPath)

	// With --sandbox, test and status use the sandbox's own file, and the
	// mail lands in its state directory.
	expect(t, pimmailEnv(t, env, "status", "--sandbox"), 0, sbPath, "Sandbox")
	expect(t, pimmailEnv(t, env, "test", "--sandbox", "--to", "admins@"+sandbox.RelayDomain), 0, "Test email sent",
		filepath.Join(xdg, "pimmail", "sandbox", "mail"))
	if _, err := os.Stat(realPath); !os.IsNotExist(err) {
		t.Errorf("a sandbox run wrote the real configuration %s (%v)", realPath, err)
	}

	// --sandbox never takes the default path, nor a real configuration.
	expect(t, pimmailEnv(t, env, "--sandbox", "--config", realPath), 2, "holds the real configuration", sbPath)
	expect(t, pimmailEnv(t, env, "status", "--sandbox", "--config", realPath), 2, "holds the real configuration")
	copyConfig(t, localConfig(t), realPath)
	expect(t, pimmailEnv(t, env, "--sandbox", "--config", realPath), 2, "holds the real configuration")
	other := localConfig(t)
	expect(t, pimmailEnv(t, env, "--sandbox", "--config", other), 2, "is a real configuration", "--sandbox never uses or replaces one")

	// The wizard without --sandbox on a sandbox configuration: real mode
	// would look the sandbox's IDs up at Microsoft, so it says how to go on.
	expect(t, pimmailEnv(t, env, "--config", sbPath), 2, "pimmail without --sandbox always means the real services",
		"pimmail --sandbox --config "+sbPath)

	// A sandbox configuration an older pimmail left at the default path is
	// not taken for the real one: each command says how to move it.
	copyConfig(t, sbPath, realPath)
	for _, args := range [][]string{{}, {"status"}, {"test"}} {
		expect(t, pimmailEnv(t, env, args...), 2, "holds a sandbox configuration", "mv -n "+realPath+" "+sbPath)
	}
}
