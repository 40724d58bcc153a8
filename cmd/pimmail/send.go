package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/queue"
	"github.com/pimmail/pimmail/secfile"
)

// Exit codes of pimmail send, as sendmail's (sysexits.h), so that PHP,
// cron and mail(1) tell a bad message from a temporary failure.
const (
	exSendUsage    = 64 // EX_USAGE: bad flags, bad recipient arguments
	exSendData     = 65 // EX_DATAERR: the message itself is refused
	exSendUnavail  = 69 // EX_UNAVAILABLE: --wait: the server refused the message for good
	exSendSoftware = 70 // EX_SOFTWARE: an internal error
	exSendCantCrea = 73 // EX_CANTCREAT: the spool cannot be written (not full: permissions)
	exSendTempFail = 75 // EX_TEMPFAIL: disk full; --wait interrupted with the message still queued
	exSendConfig   = 78 // EX_CONFIG: no configuration, no provider enabled, spool too open
)

// sendmailIgnored are sendmail options pimmail accepts and ignores, with
// whether they take a value: delivery and error modes (pimmail always
// queues and delivers in the background, and reports by exit status),
// verbosity, DSN and body-type hints, and options of sendmail's own
// configuration.
var sendmailIgnored = map[string]bool{
	"-odb": false, "-odi": false, "-odq": false, "-odd": false, "-odf": false,
	"-oem": false, "-oep": false, "-oeq": false, "-oew": false, "-oee": false,
	"-om": false, "-oo": false, "-v": false, "-bm": false, "-U": false, "-n": false, "-G": false,
	"-Am": false, "-Ac": false,
	"-B": true, "-N": true, "-R": true, "-V": true, "-X": true, "-L": true, "-C": true, "-O": true, "-h": true, "-r": true,
}

// sendOpts are pimmail send's parsed arguments.
type sendOpts struct {
	fromHeaders bool // -t
	ignoreDots  bool // -i, -oi
	envFrom     string
	fullName    string
	wait        bool
	keepSender  bool
	config      string
	sandbox     bool
	help        bool
	rcpts       []string
	ignored     []string
}

// parseSendArgs parses sendmail-style arguments: single-dash letters, -f and
// -F with their value attached or next, -o options, long --flags, "--".
func parseSendArgs(args []string) (sendOpts, error) {
	var o sendOpts
	value := func(i *int, flag string) (string, error) {
		if *i+1 >= len(args) {
			return "", fmt.Errorf("%s needs a value", flag)
		}
		*i++
		return args[*i], nil
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			o.rcpts = append(o.rcpts, args[i+1:]...)
			return o, nil
		case a == "-t":
			o.fromHeaders = true
		case a == "-i" || a == "-oi":
			o.ignoreDots = true
		case a == "-ti" || a == "-it":
			o.fromHeaders, o.ignoreDots = true, true
		case a == "-f" || a == "-F":
			v, err := value(&i, a)
			if err != nil {
				return o, err
			}
			if a == "-f" {
				o.envFrom = v
			} else {
				o.fullName = v
			}
		case strings.HasPrefix(a, "-f") && !strings.HasPrefix(a, "--"):
			o.envFrom = a[2:]
		case strings.HasPrefix(a, "-F"):
			o.fullName = a[2:]
		case a == "--wait" || a == "-wait":
			o.wait = true
		case a == "--sandbox":
			o.sandbox = true
		case a == "--keep-sender" || a == "-keep-sender":
			o.keepSender = true
		case a == "--help" || a == "-help":
			o.help = true
		case a == "--config" || a == "-config":
			v, err := value(&i, a)
			if err != nil {
				return o, err
			}
			o.config = v
		case strings.HasPrefix(a, "--config="):
			o.config = strings.TrimPrefix(a, "--config=")
		case a == "-q" || strings.HasPrefix(a, "-q") && !strings.HasPrefix(a, "--") || a == "-bq":
			return o, fmt.Errorf("%s (sendmail's \"process the queue\") is not needed: pimmail's delivery worker runs the queue by itself. "+
				"To run it now: pimmail queue run; to retry the waiting messages at once: pimmail queue retry --all; to list them: pimmail queue", a)
		case a == "-bs" || a == "-bd" || a == "-bt" || a == "-bv" || a == "-bp" || a == "-bi" || a == "-I":
			return o, fmt.Errorf("%s (a sendmail mode other than sending one message) is not supported; for the queue run pimmail queue, for SMTP use pimmail relay", a)
		case strings.HasPrefix(a, "-"):
			takes, known := sendmailIgnored[a]
			switch {
			case known:
				o.ignored = append(o.ignored, a)
				if takes {
					if _, err := value(&i, a); err != nil {
						return o, err
					}
				}
			case len(a) > 2 && sendmailIgnored[a[:2]]:
				// -B8BITMIME, -Ooption=value, -Nnever: value attached.
				o.ignored = append(o.ignored, a)
			case strings.HasPrefix(a, "-o") || strings.HasPrefix(a, "-od") || strings.HasPrefix(a, "-oe"):
				o.ignored = append(o.ignored, a) // other -oX sendmail options
			default:
				return o, fmt.Errorf("unknown option %s", a)
			}
		default:
			o.rcpts = append(o.rcpts, a)
		}
	}
	return o, nil
}

const sendUsage = `Usage: pimmail send [-t] [-i|-oi] [-f ADDR] [-F NAME] [--wait] [--keep-sender] [--config PATH] [--sandbox] [--] [RECIPIENT...]

Reads one email (header, blank line, body) on standard input, as sendmail and
msmtp do, puts it in pimmail's queue and returns as soon as it is safely on
disk; the delivery worker sends it through the enabled provider. Linked as
"sendmail" (ln -s "$(command -v pimmail)" /usr/sbin/sendmail) it behaves the same.

  -t          take the recipients from To, Cc and Bcc (Bcc is removed)
  -i, -oi     a line with a single "." does not end the message
  -f ADDR     envelope sender (and From when the message has none)
  -F NAME     the sender's name for a From that pimmail adds
  --wait      wait for the final delivery attempt and print the server's reply
  --keep-sender  Entra ID SMTP Client: send with this envelope sender and From
              unchanged (the mailbox needs Send As on them); by default the
              mail goes out as the mailbox: MAIL FROM is the mailbox, a From
              naming another address becomes the configured From (display
              name kept; the address moves to Reply-To and X-Original-From)
  --config    configuration file (default ` + "%s" + `)
  --sandbox   refuse unless the configuration is a sandbox one (deliveries go
              into the sandbox's mail folder)

Ignored sendmail options: -odb -odi -odq -oem -oep -oeq -oew -om -oo -v -bm -U
-n -G -Am -Ac, and with a value -B -N -R -V -X -L -C -O -h -r.

Exit status (sysexits.h): 0 queued (with --wait: delivered); 64 bad arguments;
65 the message is refused (too big, too many recipients, bad address, NUL);
69 (--wait) the server refused it for good; 73 the spool cannot be written;
75 temporary: disk full, or --wait interrupted while still queued;
78 configuration missing, no provider enabled, or spool not private.
`

// cmdSend is `pimmail send` and the sendmail interface.
func cmdSend(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, err := parseSendArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "pimmail send: %v; nothing was queued.\nRun pimmail send --help for the options.\n", err)
		return exSendUsage
	}
	if o.help {
		fmt.Fprintf(stdout, sendUsage, defaultPathText())
		return exitOK
	}
	p, err := configPath(o.config, o.sandbox)
	if err != nil {
		fmt.Fprintln(stderr, "pimmail send:", err)
		return exSendConfig
	}
	cfg, err := config.Load(p)
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(stderr, "pimmail send: no configuration at %s; nothing was queued.\nRun pimmail (the setup wizard) to set one up, or pass --config PATH.\n", p)
		return exSendConfig
	default:
		fmt.Fprintf(stderr, "pimmail send: the configuration cannot be used; nothing was queued:\n  %v\n", err)
		return exSendConfig
	}
	if o.sandbox && !cfg.Sandbox {
		fmt.Fprintf(stderr, "pimmail send: --sandbox: %s is a real configuration, not a sandbox one; nothing was queued.\n", p)
		return exSendConfig
	}
	if cfg.Enabled == config.ProviderNone {
		fmt.Fprintf(stderr, "pimmail send: no provider is enabled in %s; nothing was queued.\nRun pimmail (the setup wizard) to test and enable one.\n", p)
		return exSendConfig
	}
	raw, err := readMessage(stdin, o.ignoreDots)
	if errors.Is(err, queue.ErrTooBig) {
		fmt.Fprintf(stderr, "pimmail send: the message is larger than 35 MB, Exchange Online's limit (552 5.3.4); nothing was queued. Send large files as a link.\n")
		return exSendData
	}
	if err != nil {
		fmt.Fprintln(stderr, "pimmail send: cannot read the message:", err)
		return exSendData
	}
	from := o.envFrom
	if from == "" {
		from = cfg.Email.From
		if from == "" && cfg.Enabled == config.ProviderEntra {
			from = cfg.Entra.Mailbox
		}
	}
	name := cfg.Email.DisplayName
	if o.fullName != "" {
		name = o.fullName
	}
	prep, err := queue.Prepare(queue.Submission{Raw: raw, Recipients: o.rcpts, FromHeaders: o.fromHeaders,
		DefaultFrom: from, DefaultName: name, Now: time.Now()})
	var me *queue.MessageError
	if errors.As(err, &me) {
		fmt.Fprintf(stderr, "pimmail send: %s; nothing was queued.\n", me.Msg)
		if me.Usage {
			return exSendUsage
		}
		return exSendData
	}
	if err != nil {
		fmt.Fprintln(stderr, "pimmail send:", err)
		return exSendSoftware
	}
	for _, n := range prep.Notes {
		fmt.Fprintln(stderr, "pimmail send: note:", n)
	}
	if o.envFrom != "" {
		if err := queue.CheckAddress(o.envFrom); err != nil {
			fmt.Fprintf(stderr, "pimmail send: -f %q is not an email address (%v); nothing was queued.\n", o.envFrom, err)
			return exSendUsage
		}
	}
	sp, err := queue.Open(queue.Dir(p))
	if err != nil {
		fmt.Fprintf(stderr, "pimmail send: the spool cannot be used; nothing was queued:\n  %v\n", err)
		var mode *secfile.ModeError
		if errors.As(err, &mode) {
			return exSendConfig
		}
		return exSendCantCrea
	}
	id, err := sp.Enqueue(queue.Envelope{From: o.envFrom, To: prep.Recipients, Source: sourceText(), KeepSender: o.keepSender}, bytes.NewReader(prep.Message))
	switch {
	case errors.Is(err, queue.ErrNoSpace):
		fmt.Fprintf(stderr, "pimmail send: the disk holding %s is full; nothing was queued. Free space and send again.\n", sp.Path())
		return exSendTempFail
	case errors.Is(err, queue.ErrTooBig):
		fmt.Fprintln(stderr, "pimmail send: the message is larger than 35 MB, Exchange Online's limit; nothing was queued.")
		return exSendData
	case err != nil:
		fmt.Fprintf(stderr, "pimmail send: the message could not be queued:\n  %v\n", err)
		return exSendCantCrea
	}
	if werr := ensureWorker(sp, p); werr != nil {
		fmt.Fprintf(stderr, "pimmail send: queued as %s, but no delivery worker could be started: %v\nRun: pimmail queue run --config %s\n", id, werr, p)
	}
	if !o.wait {
		return exitOK
	}
	return waitDelivery(sp, id, stdout, stderr)
}

// readMessage reads stdin up to 35 MB; without -i a line holding a single
// "." ends the message, as with sendmail.
func readMessage(r io.Reader, ignoreDots bool) ([]byte, error) {
	lr := &io.LimitedReader{R: r, N: queue.MaxMessageBytes + 1}
	if ignoreDots {
		b, err := io.ReadAll(lr)
		if err != nil {
			return nil, err
		}
		if len(b) > queue.MaxMessageBytes {
			return nil, queue.ErrTooBig
		}
		return b, nil
	}
	br := bufio.NewReaderSize(lr, 64<<10)
	var buf bytes.Buffer
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			buf.Write(line)
			continue
		}
		trimmed := bytes.TrimRight(line, "\r\n")
		if len(trimmed) == 1 && trimmed[0] == '.' && (buf.Len() == 0 || bytes.HasSuffix(buf.Bytes(), []byte("\n"))) && len(line) > 1 {
			break
		}
		buf.Write(line)
		if buf.Len() > queue.MaxMessageBytes {
			return nil, queue.ErrTooBig
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// sourceText says who queued the message, for pimmail queue.
func sourceText() string {
	return fmt.Sprintf("send (uid %d, pid %d)", os.Getuid(), os.Getpid())
}

// ensureWorker starts a detached `pimmail queue run` for the spool unless a
// worker already holds its lock. The worker ends by itself once the queue
// has been empty for a while; a service (pimmail relay) keeps one running.
func ensureWorker(sp *queue.Spool, configPath string) error {
	if running, _ := sp.WorkerRunning(); running {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(sp.Path(), "worker.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, secfile.FileMode)
	if err != nil {
		return err
	}
	defer logf.Close()
	return startDetached(exe, []string{"queue", "run", "--config", configPath, "--idle-exit", "1m", "--quiet-if-running"}, logf)
}

// waitDelivery waits for the message's final delivery attempt: delivered
// (the server's reply, exit 0) or moved to failed/ (the diagnosis, 69).
// Temporary failures are reported as they happen and waited through.
func waitDelivery(sp *queue.Spool, id string, stdout, stderr io.Writer) int {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	lastAttempts := 0
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		it, err := sp.Get(id)
		if err != nil {
			ds, _ := sp.Deliveries()
			for i := len(ds) - 1; i >= 0; i-- {
				if ds[i].ID == id {
					fmt.Fprintf(stdout, "Delivered %s to %d recipient(s).\nServer reply: %s\n", id, ds[i].Recipients, ds[i].Reply)
					return exitOK
				}
			}
			fmt.Fprintf(stderr, "pimmail send: message %s left the queue without a recorded delivery (deleted with pimmail queue delete?).\n", id)
			return exSendSoftware
		}
		if it.Failed {
			fmt.Fprintf(stderr, "The message %s was not delivered and is in failed/.\n\n", id)
			printDiagnosis(stderr, it.State.Problem, it.State.LastError)
			return exSendUnavail
		}
		if it.State.Attempts > lastAttempts {
			lastAttempts = it.State.Attempts
			fmt.Fprintf(stderr, "Attempt %d failed: %s\nNext attempt at %s (still queued as %s).\n", it.State.Attempts,
				it.State.LastError, it.State.NextAttempt.Local().Format("15:04:05"), id)
		}
		select {
		case <-sig:
			fmt.Fprintf(stderr, "pimmail send: stopped waiting; the message stays queued as %s and will be delivered.\n", id)
			return exSendTempFail
		case <-tick.C:
		}
	}
}

// printDiagnosis prints a stored diagnosis: title, explanation, fix, details.
func printDiagnosis(w io.Writer, d *queue.Diagnosis, lastErr string) {
	if d == nil {
		fmt.Fprintln(w, lastErr)
		return
	}
	fmt.Fprintln(w, d.Title)
	if d.Explanation != "" {
		fmt.Fprintln(w, indent(d.Explanation))
	}
	if d.Fix != "" {
		fmt.Fprintln(w, "Fix:")
		fmt.Fprintln(w, indent(d.Fix))
	}
	if d.Raw != "" {
		fmt.Fprintln(w, "Details:")
		fmt.Fprintln(w, indent(d.Raw))
	}
}
