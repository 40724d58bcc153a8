//go:build !windows

package queue

import (
	"errors"
	"os"
	"syscall"
)

// syncDirOS fsyncs directory d so that renames in it survive a power loss.
func syncDirOS(d string) error {
	f, err := os.Open(d)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

func isQuota(err error) bool { return errors.Is(err, syscall.EDQUOT) }
