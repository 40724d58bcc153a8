//go:build !windows

package main

import (
	"os"
	"os/exec"
	"syscall"
)

// startDetached starts exe in a session of its own, so it outlives the
// program that ran pimmail send (cron, PHP) and its terminal's hang-up;
// its output goes to log.
func startDetached(exe string, args []string, log *os.File) error {
	cmd := exec.Command(exe, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	return cmd.Process.Release()
}

// processAlive reports whether a process with pid runs.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
