package mailer

import (
	"context"
	"testing"
	"time"

	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/sandbox/sandboxtest"
)

// BenchmarkProbeAndSend is one probe of the Exchange stand-in followed by
// one XOAUTH2 send through it, over loopback (STARTTLS, TLS 1.3, real
// go-mail), as `pimmail test` does. It reports the two halves separately.
// The sandbox clock moves 9 s per message so that Exchange's limits (30 a
// minute, 10,000 recipients a day) never refuse a long run.
func BenchmarkProbeAndSend(b *testing.B) {
	var clk clock
	sb := sandboxtest.Start(b, sandbox.Options{Now: clk.now, AccessTokenLifetime: 1000 * time.Hour})
	token := mintToken(b, sb)
	srv := exchangeServer(sb)
	auth := xoauth2(token)
	msg := testMessage("benchmark")
	ctx := context.Background()
	var probe, send time.Duration
	b.ResetTimer()
	for b.Loop() {
		clk.advance(9 * time.Second)
		start := time.Now()
		if _, err := Probe(ctx, srv, true); err != nil {
			b.Fatalf("Probe: %v", err)
		}
		mid := time.Now()
		if _, err := Send(ctx, srv, auth, msg); err != nil {
			b.Fatalf("Send: %v", err)
		}
		probe += mid.Sub(start)
		send += time.Since(mid)
	}
	b.ReportMetric(float64(probe.Nanoseconds())/float64(b.N), "probe-ns/op")
	b.ReportMetric(float64(send.Nanoseconds())/float64(b.N), "send-ns/op")
}
