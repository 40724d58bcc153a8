//go:build !windows

package main

import (
	"fmt"
	"io"
)

// cmdRelayService: on Linux and macOS the relay runs under systemd (or
// launchd), not as a Windows service; say how.
func cmdRelayService(action string, _ []string, _, stderr io.Writer) int {
	fmt.Fprint(stderr, notWindowsService(action))
	return exitUsage
}

// runningAsService is false: only Windows' service control manager starts
// pimmail in a way that needs a handshake.
func runningAsService() bool { return false }

// runRelayService is never called here (runningAsService is false).
func runRelayService([]string) int { return exitUsage }
