//go:build windows

package sandbox

import "os"

// processAlive reports whether process pid exists: on Windows FindProcess
// opens the process, which fails for one that has ended.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	_ = p.Release()
	return true
}
