//go:build windows

package main

import (
	"os"
	"os/exec"
	"syscall"
)

// startDetached starts exe without a console and in its own process group,
// so it outlives the program that ran pimmail send.
func startDetached(exe string, args []string, log *os.File) error {
	const detachedProcess = 0x00000008
	const createNewProcessGroup = 0x00000200
	cmd := exec.Command(exe, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: detachedProcess | createNewProcessGroup, HideWindow: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	return cmd.Process.Release()
}

// processAlive reports whether a process with pid runs (Windows: a process
// that can be opened).
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	_ = p.Release()
	return true
}
