package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/sandbox"
	"github.com/pimmail/pimmail/secfile"
)

// caFileName is the sandbox CA's PEM file in the state directory.
const caFileName = "ca.pem"

// cmdSandbox is `pimmail sandbox`: the stand-in in the foreground until Ctrl+C.
func cmdSandbox(args []string, stdout, stderr io.Writer) int {
	defaultState := ""
	if p, err := config.DefaultPath(); err == nil {
		defaultState = config.SandboxDir(p)
	}
	fs := newFlags("sandbox", "pimmail sandbox [--scenario NAME] [--list-scenarios] [--state-dir DIR] [--approve-after DUR]",
		"Runs the built-in stand-in for Microsoft Entra ID and Exchange Online (plus an\n"+
			"Exchange Online Protection style relay and a local SMTP sink) on 127.0.0.1 until\n"+
			"Ctrl+C, and prints what to paste into the wizard and where its CA certificate is,\n"+
			"so other tools (swaks, msmtp) can use it too. Nothing reaches Microsoft.\n"+
			"A scenario switches one failure on, to rehearse what a customer meets.", stdout, stderr)
	scenario := fs.String("scenario", "", "switch one failure on (see --list-scenarios)")
	list := fs.Bool("list-scenarios", false, "list the scenarios and exit")
	stateDir := fs.String("state-dir", defaultState, "where the CA, signing keys and received mail are kept")
	approveAfter := fs.Duration("approve-after", 3*time.Second,
		"how long the mailbox takes to approve a device code by itself; negative: never (approve on the device login page)")
	if code, done := parseFlags(fs, args, stderr); done {
		return code
	}
	if *list {
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		for _, sc := range sandbox.Scenarios {
			fmt.Fprintf(tw, "%s\t%s\n", sc.Name, sc.Summary)
		}
		_ = tw.Flush()
		return exitOK
	}
	if *stateDir == "" {
		fmt.Fprintln(stderr, "pimmail sandbox: cannot find your config directory; pass --state-dir DIR")
		return exitUsage
	}
	if *approveAfter == 0 {
		// The sandbox reads 0 as its default; "0s" here means at once.
		*approveAfter = time.Nanosecond
	}
	if rf, ok := liveRunning(*stateDir); ok {
		fmt.Fprintln(stderr, "pimmail sandbox:", &errAlreadyRunning{stateDir: *stateDir, rf: rf,
			why: "stop it first, or pass another --state-dir"})
		return exitUsage
	}
	run, err := startSandbox(*stateDir, sandbox.Options{Scenario: *scenario, ApproveAfter: *approveAfter})
	if err != nil {
		fmt.Fprintln(stderr, "pimmail sandbox:", err)
		return exitUsage
	}
	defer run.Close()
	sb := run.Own
	caPath := filepath.Join(*stateDir, caFileName)
	if err := secfile.WriteFile(caPath, sb.CAPEM()); err != nil {
		fmt.Fprintln(stderr, "pimmail sandbox: cannot write the CA certificate:", err)
		return exitFailure
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	printSandbox(stdout, sb, *stateDir, caPath, *scenario, *approveAfter)
	<-ctx.Done()
	fmt.Fprintln(stdout, "\nSandbox stopped.")
	return exitOK
}

// printSandbox prints what to paste into the wizard and how to reach the stand-ins.
func printSandbox(w io.Writer, sb *sandbox.Sandbox, stateDir, caPath, scenario string, approveAfter time.Duration) {
	ep := sb.Endpoints()
	h := hintsFor(sb)
	fmt.Fprintln(w, "pimmail sandbox is running on 127.0.0.1: a stand-in for Microsoft Entra ID and Exchange Online.")
	fmt.Fprintln(w, "Nothing here reaches Microsoft; the secret below opens nothing outside this sandbox.")
	if scenario == "" {
		fmt.Fprintln(w, "Scenario:  none (everything works)")
	} else {
		for _, sc := range sandbox.Scenarios {
			if sc.Name == scenario {
				fmt.Fprintf(w, "Scenario:  %s: %s\n", sc.Name, sc.Summary)
			}
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nWhat to paste into the wizard:")
	fmt.Fprintf(tw, "  Directory (tenant) ID\t%s\n", h.TenantID)
	fmt.Fprintf(tw, "    or the tenant domain\t%s\n", h.TenantDomain)
	fmt.Fprintf(tw, "  Application (client) ID\t%s\n", h.ClientID)
	fmt.Fprintf(tw, "  Client secret Value\t%s\n", h.ClientSecret)
	fmt.Fprintf(tw, "  Secret ID (the usual mistake)\t%s\n", h.SecretID)
	fmt.Fprintf(tw, "  Mailbox (signs in)\t%s\n", h.Mailbox)
	fmt.Fprintf(tw, "  Smart host\t%s:%d (STARTTLS, AUTH XOAUTH2)\n", ep.SMTPHost, ep.SMTPPort)
	fmt.Fprintf(tw, "  SMTP relay\t%s:%d (STARTTLS, no AUTH; accepted domain %s)\n", ep.RelayHost, ep.RelayPort, h.RelayDomain)
	fmt.Fprintf(tw, "  Local SMTP\t%s:%d (like a default Postfix: STARTTLS offered, no AUTH)\n", ep.LocalHost, ep.LocalPort)
	fmt.Fprintln(tw, "\nAround it:")
	fmt.Fprintf(tw, "  Entra ID authority\t%s/%s\n", ep.Authority, h.TenantID)
	approve := fmt.Sprintf("sign-ins are approved by themselves after %v", approveAfter)
	if approveAfter < 0 {
		approve = "approve each sign-in there by hand"
	}
	fmt.Fprintf(tw, "  Device login page\t%s/devicelogin (%s)\n", ep.Authority, approve)
	fmt.Fprintf(tw, "  CA certificate (PEM)\t%s\n", caPath)
	fmt.Fprintf(tw, "  Received mail (.eml)\t%s\n", filepath.Join(stateDir, "mail"))
	_ = tw.Flush()
	fmt.Fprintf(w, "\nTry another tool against it, e.g.:\n  swaks --server %s --port %d --tls --tls-ca-path %s --to someone@%s --from pim@%s\n",
		ep.RelayHost, ep.RelayPort, caPath, h.RelayDomain, h.RelayDomain)
	fmt.Fprintf(w, "\nWhile this runs, pimmail --sandbox, pimmail test and pimmail status use it instead of starting\n"+
		"a sandbox of their own, for the configuration in %s.\n", filepath.Dir(stateDir))
	fmt.Fprintln(w, "Press Ctrl+C to stop.")
}
