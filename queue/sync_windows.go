//go:build windows

package queue

// syncDirOS is a no-op on Windows: NTFS journals the rename itself, and a
// directory cannot be opened for FlushFileBuffers without extra privileges.
func syncDirOS(string) error { return nil }

func isQuota(error) bool { return false }
