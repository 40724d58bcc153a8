package hostport

import (
	"net"
	"testing"
)

func TestJoin(t *testing.T) {
	for _, tt := range []struct {
		host string
		port int
		want string
	}{
		{"smtp.office365.com", 587, "smtp.office365.com:587"},
		{"192.0.2.1", 25, "192.0.2.1:25"},
		{"::1", 25, "[::1]:25"},
		{"[::1]", 25, "[::1]:25"},
		{"2001:db8::1", 465, "[2001:db8::1]:465"},
		{"fe80::1%eth0", 25, "[fe80::1%eth0]:25"},
	} {
		got := Join(tt.host, tt.port)
		if got != tt.want {
			t.Errorf("Join(%q, %d) = %q, want %q", tt.host, tt.port, got, tt.want)
		}
		// What a dialer reads back is the host without brackets.
		if h, _, err := net.SplitHostPort(got); err != nil || h != trim(tt.host) {
			t.Errorf("SplitHostPort(%q) = %q, %v", got, h, err)
		}
	}
}

func trim(h string) string {
	if len(h) > 1 && h[0] == '[' {
		return h[1 : len(h)-1]
	}
	return h
}
