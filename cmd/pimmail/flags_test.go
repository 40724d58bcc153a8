package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGNUStyleHelpAndFlagErrors: help lists flags as the usage writes them
// (--config PATH, not Go's "-config string"), and an unknown flag gets one
// line saying so, the synopsis and where the help is, not Go's message
// and the whole help.
func TestGNUStyleHelpAndFlagErrors(t *testing.T) {
	r := pimmail(t, "test", "--help")
	expect(t, r, 0, "\n  --config PATH ", "\n  --to ADDR ", "\n  --timeout DUR ", "(default 30s)", "\n  -h, --help ")
	for _, bad := range []string{"-config string", "  -config", "-timeout duration"} {
		if strings.Contains(r.stdout, bad) {
			t.Errorf("help shows Go's flag style %q:\n%s", bad, r.stdout)
		}
	}
	r = pimmail(t, "status", "--bogus")
	expect(t, r, 2, "pimmail status: unknown flag --bogus\nUsage: pimmail status [--sandbox]", "Run pimmail status --help")
	if strings.Contains(r.stderr, "flag provided but not defined") || strings.Contains(r.stderr, "Flags:") || r.stdout != "" {
		t.Errorf("an unknown flag prints Go's message or the whole help:\n%v", r)
	}
	expect(t, pimmail(t, "test", "--config"), 2, "a value is missing after --config")
	expect(t, pimmail(t, "--bogus"), 2, "pimmail setup: unknown flag --bogus")
}

// TestRefusedDebugLogIsSaid: a PIMMAIL_DEBUG_LOG that is a symbolic link is
// refused (never written through), and stderr says so.
func TestRefusedDebugLogIsSaid(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	link := filepath.Join(dir, "debug.log")
	if err := os.WriteFile(target, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	r := pimmailEnv(t, []string{"PIMMAIL_DEBUG_LOG=" + link}, "status", "--config", localConfig(t))
	expect(t, r, 0, "PIMMAIL_DEBUG_LOG is not used: "+link+" is a symbolic link")
	if b, _ := os.ReadFile(target); len(b) != 0 {
		t.Errorf("the log was written through the link")
	}
}
