//go:build windows

package queue

// syncDirOS is a no-op on Windows: a directory cannot be opened for
// FlushFileBuffers without extra privileges, and the spool's renames go
// through secfile.Rename (MoveFileEx with MOVEFILE_WRITE_THROUGH), which
// returns only once the move is on disk. The spool's files get their
// owner-only ACL from secfile.Create and from the directories secfile.Mkdir
// made, whose entries they inherit.
func syncDirOS(string) error { return nil }

func isQuota(error) bool { return false }
