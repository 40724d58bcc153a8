package steps_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/steps"
)

// TestRefusedDirectoryGetsNothing: with --config in a directory others may
// write to, Save refuses before writing anything there: no token cache
// with the refresh token, no config, no backup, no temporary file.
func TestRefusedDirectoryGetsNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "config.json")
	sb := startSandbox(t, t.TempDir(), "")
	run, start := steps.Open(sandboxEnv(sb, path))
	c := signIn(t, run, start.Config, hints(sb))
	if _, err := run.SendTest(ctx(t), config.ProviderEntra, c, ""); err != nil {
		t.Fatal(err)
	}
	_, err := run.Save(c, config.ProviderEntra, true)
	p := problemCode(t, err, steps.CodeSaveFailed)
	if !strings.Contains(p.Explanation, dir) || !strings.Contains(p.Fix, "chmod go-w "+dir) {
		t.Errorf("the problem does not name the directory and its fix: %+v", p)
	}
	if _, err := run.SaveSettings(c, true); err == nil {
		t.Errorf("SaveSettings wrote into the refused directory")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("%s was written into the refused directory", e.Name())
	}
}
