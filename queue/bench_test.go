package queue_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pimmail/pimmail/queue"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/steps"
)

// benchMessage is a typical notification, about 2 KB.
var benchMessage = []byte("From: pim@contoso.example\r\nTo: ops@example.com\r\nSubject: Access request approved\r\n\r\n" +
	strings.Repeat("A privileged role was activated for a user; this line pads the body to a usual size.\r\n", 24))

// BenchmarkEnqueue measures accepting one message into the queue with
// everything durable (write, fsync, rename, directory fsync): ns/op is the
// accept latency, msgs/s the throughput. Run it on the disk the spool
// lives on (TMPDIR), not on a tmpfs:
//
//	go test -run x -bench Enqueue -benchtime 3s ./queue
func BenchmarkEnqueue(b *testing.B) {
	sp, err := queue.Open(filepath.Join(b.TempDir(), "spool"))
	if err != nil {
		b.Fatal(err)
	}
	env := queue.Envelope{To: []string{"ops@example.com"}, Source: "bench"}
	b.SetBytes(int64(len(benchMessage)))
	b.ResetTimer()
	for range b.N {
		if _, err := sp.Enqueue(env, bytes.NewReader(benchMessage)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkEnqueueParallel is Enqueue from several senders at once (the
// relay's sessions, several pimmail send): the fsyncs overlap.
func BenchmarkEnqueueParallel(b *testing.B) {
	sp, err := queue.Open(filepath.Join(b.TempDir(), "spool"))
	if err != nil {
		b.Fatal(err)
	}
	env := queue.Envelope{To: []string{"ops@example.com"}, Source: "bench"}
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := sp.Enqueue(env, bytes.NewReader(benchMessage)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// rssMB is this process's resident memory (Linux), in MB.
func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(f), " kB"))
			return float64(kb) / 1024
		}
	}
	return 0
}

// BenchmarkWorkerMemory10k queues 10,000 messages and runs the worker over
// them for a while with delivery held (the mailbox must sign in again, so
// all stay queued): MB-rss is the process's resident memory then, the
// whole test binary with the sandbox included.
//
//	go test -run x -bench WorkerMemory -benchtime 1x ./queue
func BenchmarkWorkerMemory10k(b *testing.B) {
	dir := b.TempDir()
	sp, err := queue.Open(filepath.Join(dir, "spool"))
	if err != nil {
		b.Fatal(err)
	}
	env := queue.Envelope{To: []string{"ops@example.com"}, Source: "bench"}
	for range 10000 {
		if _, err := sp.Enqueue(env, bytes.NewReader(benchMessage)); err != nil {
			b.Fatal(err)
		}
	}
	before := rssMB()
	for range b.N {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		w := queue.NewWorker(sp, queue.WorkerOptions{
			// No configuration: every session is held, nothing delivered.
			Target: steps.DeliveryTarget(steps.Env{ConfigPath: filepath.Join(dir, "config.json")}),
			Poll:   100 * time.Millisecond,
		})
		if err := w.Run(ctx); err != nil {
			b.Fatal(err)
		}
		cancel()
	}
	items, _ := sp.List()
	if len(items) != 10000 {
		b.Fatalf("%d queued", len(items))
	}
	b.ReportMetric(rssMB(), "MB-rss")
	b.ReportMetric(before, "MB-rss-before-worker")
}

var (
	pacingSpeed    = flag.Int("pacing.speed", 30, "BenchmarkDeliveryPacing: how many times faster than real time the sandbox's clock runs (1: real time)")
	pacingMessages = flag.Int("pacing.messages", 300, "BenchmarkDeliveryPacing: messages to deliver (300 = 10 minutes at 30 a minute)")
)

// BenchmarkDeliveryPacing delivers 300 messages (10 minutes' worth at 30
// a minute) into the sandbox, by default on a clock 30 times faster than
// the wall clock, so its 10 minutes pass in 20 seconds and the worker's
// minute is 2 s; it reports the rate in the sandbox's minutes, the most
// messages in any minute, and the rate-limit replies (421 4.4.2) received.
// In real time (10 minutes):
//
//	go test -run x -bench DeliveryPacing -benchtime 1x -timeout 20m ./queue -args -pacing.speed=1
func BenchmarkDeliveryPacing(b *testing.B) {
	speed, n := max(*pacingSpeed, 1), *pacingMessages
	for range b.N {
		o := sandbox.Options{}
		if speed > 1 {
			o = sandbox.Options{Now: fastClock(speed), AccessTokenLifetime: time.Duration(speed) * time.Hour}
		}
		path, sb, env := signedInB(b, o)
		sp, _ := queue.Open(queue.Dir(path))
		for i := range n {
			if _, err := sp.Enqueue(queue.Envelope{To: []string{"ops@example.com"}},
				strings.NewReader("From: "+sandbox.DefaultMailbox+"\r\nSubject: "+strconv.Itoa(i)+"\r\n\r\nx\r\n")); err != nil {
				b.Fatal(err)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(n)*2*time.Second*2/time.Duration(speed)+time.Minute)
		w := queue.NewWorker(sp, queue.WorkerOptions{Target: steps.DeliveryTarget(env), Limits: queue.Limits{Window: time.Minute / time.Duration(speed)},
			Poll: 50 * time.Millisecond, IdleExit: 500 * time.Millisecond})
		if err := w.Run(ctx); err != nil {
			b.Fatal(err)
		}
		cancel()
		msgs := sb.Messages()
		if len(msgs) != n {
			b.Fatalf("delivered %d of %d", len(msgs), n)
		}
		span := msgs[len(msgs)-1].Received.Sub(msgs[0].Received)
		maxMinute := 0
		for i := range msgs {
			n := 0
			for j := i; j < len(msgs) && msgs[j].Received.Sub(msgs[i].Received) < time.Minute; j++ {
				n++
			}
			maxMinute = max(maxMinute, n)
		}
		st, _ := sp.ReadWorkerStatus()
		rejects := 0
		if st.LastFailure != nil && strings.Contains(st.LastFailure.Raw, "4.4.2") {
			rejects = 1
		}
		b.ReportMetric(float64(len(msgs)-1)/span.Minutes(), "msgs/sandbox-min")
		b.ReportMetric(float64(maxMinute), "max-in-any-minute")
		b.ReportMetric(float64(rejects), "421-replies")
	}
}
