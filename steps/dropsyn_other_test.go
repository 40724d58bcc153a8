//go:build !linux

package steps_test

import "testing"

// dropsSYNs needs Linux's backlog behaviour to make a connect time out on
// loopback; elsewhere the row is skipped.
func dropsSYNs(t *testing.T) (string, int) {
	t.Skip("dropping SYNs on loopback is done with Linux's listen backlog")
	return "", 0
}
