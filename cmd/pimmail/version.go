package main

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// versionText is `pimmail --version`: the version on the first line, then
// the commit, its time and whether the tree had changes, and the Go
// release, from the build information Go stamps into every binary, so
// support can tell exactly which build a customer runs.
func versionText() string {
	info, ok := debug.ReadBuildInfo()
	return versionFrom(version, info, ok)
}

// versionFrom is versionText for given build information.
func versionFrom(ver string, info *debug.BuildInfo, ok bool) string {
	if !ok || info == nil {
		return "pimmail " + ver + "\n(no build information in this binary)\n"
	}
	if ver == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		// go install github.com/pimmail/pimmail/cmd/pimmail@v1.2.3
		ver = info.Main.Version
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	commit := "commit unknown (built without version control information)"
	if rev := settings["vcs.revision"]; rev != "" {
		commit = "commit " + rev
		if settings["vcs.modified"] == "true" {
			commit += " with uncommitted changes"
		}
		if t := settings["vcs.time"]; t != "" {
			commit += ", committed " + t
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "pimmail %s\n%s\nbuilt with %s for %s/%s\n", ver, commit, info.GoVersion, settings["GOOS"], settings["GOARCH"])
	return b.String()
}
