package main

import (
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"
)

// TestVersionNamesTheBuild: --version names the commit the binary was
// built from, as Go stamped it, not only "dev", so support can tell which
// build a customer runs; a binary built without version control
// information (-buildvcs=false, a git worktree) says so.
func TestVersionNamesTheBuild(t *testing.T) {
	r := pimmail(t, "--version")
	expect(t, r, 0, "pimmail "+testVersion+"\n", "built with go")
	out, err := exec.Command("go", "version", "-m", binary).Output()
	if err != nil {
		t.Fatal(err)
	}
	rev := ""
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "build" && strings.HasPrefix(f[1], "vcs.revision=") {
			rev = strings.TrimPrefix(f[1], "vcs.revision=")
		}
	}
	want := "commit " + rev
	if rev == "" {
		want = "commit unknown (built without version control information)"
	}
	if !strings.Contains(r.stdout, want) {
		t.Errorf("--version lacks %q:\n%s", want, r.stdout)
	}
}

func TestVersionFrom(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.4.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.time", Value: "2026-12-05T21:00:00Z"},
			{Key: "vcs.modified", Value: "true"}, {Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "amd64"}}}
	got := versionFrom("dev", info, true)
	for _, w := range []string{"pimmail v1.4.0\n", "commit 0123abcd with uncommitted changes, committed 2026-12-05T21:00:00Z", "go1.26.0 for linux/amd64"} {
		if !strings.Contains(got, w) {
			t.Errorf("version text lacks %q:\n%s", w, got)
		}
	}
	if got := versionFrom("dev", nil, false); !strings.HasPrefix(got, "pimmail dev\n") {
		t.Errorf("without build info: %q", got)
	}
}
