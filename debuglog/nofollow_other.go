//go:build !unix

package debuglog

import "io/fs"

// noFollow is not available here; links are followed.
const noFollow = 0

// ownedByUs cannot be told here; the file's mode is all that is checked.
func ownedByUs(fs.FileInfo) bool { return true }
