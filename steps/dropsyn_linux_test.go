//go:build linux

package steps_test

import (
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// dropsSYNs returns a loopback address whose connection attempts time out,
// as they do behind a firewall that drops packets: a socket listening with
// a backlog of 0 whose one queue slot is taken by a connection nobody
// accepts, so Linux drops every further SYN.
func dropsSYNs(t *testing.T) (string, int) {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	port := sa.(*syscall.SockaddrInet4).Port
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	filler, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("filling the accept queue: %v", err)
	}
	t.Cleanup(func() { _ = filler.Close() })
	// Make sure the queue is full now: a second attempt must time out.
	if c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond); err == nil {
		_ = c.Close()
		t.Skip("this kernel accepts connections beyond a full backlog; cannot drop SYNs here")
	}
	return "127.0.0.1", port
}
