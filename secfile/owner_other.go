//go:build !unix

package secfile

import "io/fs"

// noFollow is not available here; ReadFile looks at the path with Lstat first.
const noFollow = 0

// ownerOf cannot be told here (Windows has ACLs, not a user ID).
func ownerOf(fs.FileInfo) (int, bool) { return 0, false }
