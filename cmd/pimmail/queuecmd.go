package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/queue"
	"github.com/pimmail/pimmail/steps"
)

const queueUsage = `Usage:
  pimmail queue [--json] [--config PATH]        list queued and failed messages
  pimmail queue show ID [--config PATH]         envelope, headers and diagnosis of one message
  pimmail queue retry ID|--all [--config PATH]  try a message again now (a failed one goes back to the queue)
  pimmail queue delete ID [--config PATH]       remove a message for good
  pimmail queue run [--config PATH] [--per-minute N] [--connections N] [--give-up DUR] [--idle-exit DUR]
        run the delivery worker in the foreground (one per spool; pimmail send
        starts one by itself, pimmail relay runs one)

The spool is the "spool" directory beside the configuration file.
`

// cmdQueue is `pimmail queue`.
func cmdQueue(args []string, stdout, stderr io.Writer) int {
	sub := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "", "list":
		return queueList(args, stdout, stderr)
	case "show", "retry", "delete":
		return queueItem(sub, args, stdout, stderr)
	case "run":
		return queueRun(args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, queueUsage)
		return exitOK
	}
	fmt.Fprintf(stderr, "pimmail queue: unknown subcommand %q\n\n%s", sub, queueUsage)
	return exitUsage
}

// openSpool opens the spool of the configuration at flag (default path:
// the real configuration's, or with --sandbox the sandbox's own).
func openSpool(flag string, sandboxMode bool, stderr io.Writer) (string, *queue.Spool, bool) {
	p, err := configPath(flag, sandboxMode)
	if err != nil {
		fmt.Fprintln(stderr, "pimmail:", err)
		return "", nil, false
	}
	// Without a configuration there is no queue: say so, and create no
	// spool beside a configuration that does not exist.
	if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
		run := "pimmail"
		if sandboxMode {
			run = "pimmail --sandbox"
		}
		fmt.Fprintf(stderr, "There is no configuration at %s, so there is no queue.\nRun %s (the setup wizard) to set one up.\n", p, run)
		return "", nil, false
	}
	sp, err := queue.Open(queue.Dir(p))
	if err != nil {
		fmt.Fprintf(stderr, "The spool cannot be used:\n  %v\n", err)
		return "", nil, false
	}
	return p, sp, true
}

// queueRow is one message in `pimmail queue --json`.
type queueRow struct {
	ID         string    `json:"id"`
	Status     string    `json:"status"` // queued, failed
	Received   time.Time `json:"received"`
	AgeSeconds int64     `json:"age_seconds"`
	Sender     string    `json:"sender"`
	Recipients int       `json:"recipients"`
	Attempts   int       `json:"attempts"`
	NextTry    time.Time `json:"next_attempt,omitzero"`
	LastError  string    `json:"last_error,omitempty"`
	Size       int64     `json:"size"`
	Source     string    `json:"source,omitempty"`
}

func queueList(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("queue", "pimmail queue [--json] [--config PATH]", "Lists the queued and failed messages.", stdout, stderr)
	path := fs.String("config", "", "configuration file (default "+defaultPathText()+")")
	withSandbox := fs.Bool("sandbox", false, "the sandbox's own configuration (made with pimmail --sandbox)")
	asJSON := fs.Bool("json", false, "print JSON (one array)")
	if code, done := parseFlags(fs, args, stderr); done {
		return code
	}
	_, sp, ok := openSpool(*path, *withSandbox, stderr)
	if !ok {
		return exitUsage
	}
	items, err := sp.List()
	if err != nil {
		fmt.Fprintln(stderr, "pimmail queue:", err)
		return exitFailure
	}
	now := time.Now()
	rows := make([]queueRow, 0, len(items))
	for _, it := range items {
		st := "queued"
		if it.Failed {
			st = "failed"
		}
		sender := it.Envelope.From
		if sender == "" {
			sender = "(default)"
		}
		rows = append(rows, queueRow{ID: it.ID, Status: st, Received: it.Envelope.Received, AgeSeconds: int64(now.Sub(it.Envelope.Received).Seconds()),
			Sender: sender, Recipients: len(it.Envelope.To), Attempts: it.State.Attempts, NextTry: it.State.NextAttempt,
			LastError: it.State.LastError, Size: it.Envelope.Size, Source: it.Envelope.Source})
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rows)
		return exitOK
	}
	if len(rows) == 0 {
		fmt.Fprintln(stdout, "The queue is empty.")
		return exitOK
	}
	fmt.Fprintf(stdout, "%-25s %-6s %6s  %-30s %5s %4s  %s\n", "ID", "STATE", "AGE", "SENDER", "RCPTS", "TRY", "LAST ERROR")
	for _, r := range rows {
		fmt.Fprintf(stdout, "%-25s %-6s %6s  %-30s %5d %4d  %s\n", r.ID, r.Status, age(time.Duration(r.AgeSeconds)*time.Second),
			clipText(r.Sender, 30), r.Recipients, r.Attempts, clipText(r.LastError, 80))
	}
	return exitOK
}

// age is a short duration: 45s, 12m, 3h, 2d.
func age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func clipText(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

func queueItem(sub string, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("queue "+sub, "pimmail queue "+sub+" ID [--config PATH]", "", stdout, stderr)
	path := fs.String("config", "", "configuration file (default "+defaultPathText()+")")
	withSandbox := fs.Bool("sandbox", false, "the sandbox's own configuration (made with pimmail --sandbox)")
	all := false
	if sub == "retry" {
		fs.BoolVar(&all, "all", false, "retry every queued and failed message now")
	}
	// The ID may come before or after the flags.
	var id string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if id == "" && fs.NArg() > 0 {
		id = fs.Arg(0)
	}
	if id == "" && !all {
		fmt.Fprintf(stderr, "pimmail queue %s: which message? Give its ID (pimmail queue lists them).\n", sub)
		return exitUsage
	}
	p, sp, ok := openSpool(*path, *withSandbox, stderr)
	if !ok {
		return exitUsage
	}
	switch sub {
	case "show":
		return queueShow(sp, id, stdout, stderr)
	case "delete":
		if err := sp.Delete(id); err != nil {
			fmt.Fprintln(stderr, "pimmail queue delete:", err)
			return exitFailure
		}
		fmt.Fprintf(stdout, "Deleted %s.\n", id)
		return exitOK
	}
	ids := []string{id}
	if all {
		items, err := sp.List()
		if err != nil {
			fmt.Fprintln(stderr, "pimmail queue retry:", err)
			return exitFailure
		}
		ids = ids[:0]
		for _, it := range items {
			ids = append(ids, it.ID)
		}
	}
	for _, id := range ids {
		if err := sp.Retry(id); err != nil {
			fmt.Fprintln(stderr, "pimmail queue retry:", err)
			return exitFailure
		}
	}
	fmt.Fprintf(stdout, "%d message(s) will be tried again now.\n", len(ids))
	if err := ensureWorker(sp, p); err != nil {
		fmt.Fprintf(stderr, "No delivery worker could be started (%v); run: pimmail queue run --config %s\n", err, p)
	}
	return exitOK
}

func queueShow(sp *queue.Spool, id string, stdout, stderr io.Writer) int {
	it, err := sp.Get(id)
	if err != nil {
		fmt.Fprintln(stderr, "pimmail queue show:", err)
		return exitFailure
	}
	msg, err := sp.Message(id)
	if err != nil {
		fmt.Fprintln(stderr, "pimmail queue show:", err)
		return exitFailure
	}
	state := "queued"
	if it.Failed {
		state = "failed (will not be retried unless you run pimmail queue retry " + id + ")"
	}
	fmt.Fprintf(stdout, "ID:          %s\nState:       %s\nReceived:    %s (%s ago)\nFrom:        %s\nRecipients:  %s\nSize:        %d octets\nSource:      %s\nAttempts:    %d\n",
		id, state, it.Envelope.Received.Local().Format(time.RFC1123), age(time.Since(it.Envelope.Received)),
		orDefault(it.Envelope.From), strings.Join(it.Envelope.To, ", "), it.Envelope.Size, it.Envelope.Source, it.State.Attempts)
	if !it.State.NextAttempt.IsZero() && !it.Failed {
		fmt.Fprintf(stdout, "Next try:    %s\n", it.State.NextAttempt.Local().Format(time.RFC1123))
	}
	head, _, _ := strings.Cut(strings.ReplaceAll(string(msg), "\r\n", "\n"), "\n\n")
	fmt.Fprintf(stdout, "\nHeaders:\n%s\n", indent(head))
	if it.State.Problem != nil || it.State.LastError != "" {
		fmt.Fprintln(stdout, "\nLast failure:")
		printDiagnosis(stdout, it.State.Problem, it.State.LastError)
	}
	return exitOK
}

func orDefault(s string) string {
	if s == "" {
		return "(the provider's default sender)"
	}
	return s
}

// queueRun is `pimmail queue run`: the delivery worker in the foreground.
func queueRun(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("queue run", "pimmail queue run [--config PATH] [--per-minute N] [--connections N] [--give-up DUR] [--idle-exit DUR]",
		"Runs the delivery worker for the configuration's spool until stopped (SIGTERM or\n"+
			"Ctrl+C finish the messages in flight). Logs go to stderr.", stdout, stderr)
	path := fs.String("config", "", "configuration file (default "+defaultPathText()+")")
	withSandbox := fs.Bool("sandbox", false, "the sandbox's own configuration (made with pimmail --sandbox)")
	perMinute := fs.Int("per-minute", queue.MaxPerMinute, "messages a minute, at most 30 (Exchange Online's limit)")
	conns := fs.Int("connections", queue.DefaultConnections, "SMTP connections to the provider at once, 1 to 3 (Exchange Online allows 3 a mailbox; the default leaves one for pimmail test and other senders)")
	perDay := fs.Int("recipients-per-day", queue.MaxRecipientsPerDay, "recipients a day, at most 10,000")
	giveUp := fs.Duration("give-up", 5*24*time.Hour, "move a message to failed/ after it has been queued this long")
	idleExit := fs.Duration("idle-exit", 0, "end once the queue has been empty this long (0: run until stopped)")
	quiet := fs.Bool("quiet-if-running", false, "exit 0 silently when another worker holds the spool")
	window := fs.Duration("rate-window", 0, "length of the per-minute window (tests and benchmarks with a fast sandbox clock only)")
	if code, done := parseFlags(fs, args, stderr); done {
		return code
	}
	if *conns < 1 || *conns > queue.MaxConnections {
		fmt.Fprintf(stderr, "pimmail queue run: --connections %d: give 1 to %d (Exchange Online allows %d SMTP connections a mailbox).\n", *conns, queue.MaxConnections, queue.MaxConnections)
		return exitUsage
	}
	p, sp, ok := openSpool(*path, *withSandbox, stderr)
	if !ok {
		return exitUsage
	}
	cfg, err := config.Load(p)
	if err != nil {
		fmt.Fprintf(stderr, "The configuration cannot be used:\n  %v\n", err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	target := steps.DeliveryTarget(steps.Env{ConfigPath: p})
	if cfg.Sandbox {
		_, sb, err := commandSandbox(p, "", io.Discard)
		if err != nil {
			fmt.Fprintln(stderr, "pimmail: cannot start the sandbox this configuration was made with:", err)
			return exitUsage
		}
		sd := newSandboxDelivery(p, "", sb, logger)
		defer sd.Close()
		target = sd.Target
	}
	w := queue.NewWorker(sp, queue.WorkerOptions{
		Target: target,
		Limits: queue.Limits{Connections: *conns, PerMinute: *perMinute, RecipientsPerDay: *perDay,
			GiveUpAfter: *giveUp, Window: *window},
		Logger:   logger,
		IdleExit: *idleExit,
	})
	err = w.Run(ctx)
	for try := 0; errors.Is(err, queue.ErrLocked) && *quiet && try < 10 && ctx.Err() == nil; try++ {
		// Started by pimmail send: the lock may only be held for an
		// instant by a process looking whether a worker runs. Look again
		// before leaving the queue to the holder.
		time.Sleep(100 * time.Millisecond)
		if running, _ := sp.WorkerRunning(); running {
			continue
		}
		err = w.Run(ctx)
	}
	switch {
	case errors.Is(err, queue.ErrLocked):
		if *quiet {
			return exitOK
		}
		running, pid := sp.WorkerRunning()
		if running && pid > 0 {
			fmt.Fprintf(stderr, "pimmail queue run: a delivery worker (process %d) is already running for %s.\n", pid, sp.Path())
		} else {
			fmt.Fprintf(stderr, "pimmail queue run: a delivery worker is already running for %s.\n", sp.Path())
		}
		return exitFailure
	case err != nil:
		fmt.Fprintln(stderr, "pimmail queue run:", err)
		return exitFailure
	}
	return exitOK
}
