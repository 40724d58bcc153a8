package relay

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// Accept latency and messages per second through the relay into the queue
// (each message fsynced and renamed into place before its 250), a 2 KB
// message as a PIM notification is. Run with
//
//	go test -run XXX -bench Relay -benchtime 3s ./relay/
//
// The figures go in the README's development notes; no test asserts them.

var benchMsg = "From: pim@contoso.example\r\nTo: ops@contoso.example\r\nSubject: Approval needed\r\n" +
	"Date: Sat, 05 Dec 2026 21:00:00 +0000\r\nMessage-ID: <bench@contoso.example>\r\n\r\n" +
	fmt.Sprintf("%2000s\r\n", "A request is waiting for your approval.")

// BenchmarkRelaySession: one client, one session, one message after the
// other: ns/op is the accept latency (MAIL to the 250 after DATA).
func BenchmarkRelaySession(b *testing.B) {
	tr := startRelay(b, nil)
	c := dial(b, tr.addr, "")
	c.reply()
	c.cmd("EHLO bench.example")
	to := []string{"ops@contoso.example"}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if r := c.send("pim@contoso.example", to, benchMsg); r[:3] != "250" {
			b.Fatal(r)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkRelayParallel: 8 clients at once, each its own session:
// throughput into the queue.
func BenchmarkRelayParallel(b *testing.B) {
	tr := startRelay(b, nil)
	var n atomic.Int64
	b.SetParallelism(4) // 4 x GOMAXPROCS clients
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		c := dial(b, tr.addr, "")
		c.reply()
		c.cmd("EHLO bench.example")
		to := []string{"ops@contoso.example"}
		for pb.Next() {
			if r := c.send("pim@contoso.example", to, benchMsg); r[:3] != "250" {
				b.Error(r)
				return
			}
			n.Add(1)
		}
	})
	b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkRelayConnect: a new connection per message, as most
// applications send (connect, EHLO, MAIL, RCPT, DATA, QUIT).
func BenchmarkRelayConnect(b *testing.B) {
	tr := startRelay(b, nil)
	to := []string{"ops@contoso.example"}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		c := dial(b, tr.addr, "")
		c.reply()
		c.cmd("EHLO bench.example")
		if r := c.send("pim@contoso.example", to, benchMsg); r[:3] != "250" {
			b.Fatal(r)
		}
		c.cmd("QUIT")
		c.conn.Close()
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}
