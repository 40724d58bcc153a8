package tui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/steps"
)

// logonPhase is where the device-code sign-in is.
type logonPhase int

const (
	logonIdle     logonPhase = iota // no code (cancelled, or not started)
	logonStarting                   // asking Entra ID for a code
	logonWaiting                    // code shown; waiting for the mailbox to sign in
	logonSignedIn                   // done
	logonFailed                     // the problem is shown
)

// tickMsg drives the countdown to the code's expiry. gen is the ticker's
// generation: each new code starts a new ticker, and older ones stop at
// their next tick because their gen no longer matches.
type tickMsg struct {
	step steps.ID
	gen  int
	t    time.Time
}

// logonStep is the Entra step where the mailbox signs in with a device
// code on any device with a browser (the admin is often on SSH without one).
type logonStep struct {
	info    steps.Info
	run     *steps.Run
	entra   config.Entra
	who     string // cloud, tenant and client the sign-in was for
	phase   logonPhase
	check   checker
	code    steps.Logon
	signed  steps.SignedIn
	problem problemBox
	now     time.Time // the clock at the last tick; the countdown is drawn from it
	clock   func() time.Time
	gen     int
	copied  string // the outcome of the last copy
	out     io.Writer
	tmux    bool
	width   int
	height  int
}

// newLogonStep returns the step before any code.
func newLogonStep() logonStep {
	return logonStep{check: newChecker(steps.StepLogon), width: 78, height: 19, clock: time.Now}
}

// identity is what a sign-in belongs to: a different app or tenant needs a
// new one.
func identity(e config.Entra) string { return e.Cloud + "|" + e.TenantID + "|" + e.ClientID }

// Enter implements step: a sign-in for the same app is kept; otherwise a
// code is asked for straight away (there is nothing to type first).
func (s logonStep) Enter(env stepEnv) (step, tea.Cmd) {
	s.info, s.run, s.out, s.tmux = env.info, env.run, env.out, env.tmux
	if env.now != nil {
		s.clock = env.now
	}
	s.entra = env.cfg.Entra
	if s.phase == logonSignedIn && s.who == identity(s.entra) {
		return s, nil
	}
	return s.startCode()
}

// startCode cancels whatever runs and asks Entra ID for a fresh code.
func (s logonStep) startCode() (logonStep, tea.Cmd) {
	s.phase, s.problem, s.copied, s.code = logonStarting, problemBox{}, "", steps.Logon{}
	s.who = identity(s.entra)
	e, run := s.entra, s.run
	var cmd tea.Cmd
	s.check, cmd = s.check.start("start", "Asking Entra ID for a sign-in code…", func(ctx context.Context) (any, error) {
		return run.StartLogon(ctx, e)
	})
	return s, cmd
}

// tick schedules the next countdown tick of generation gen.
func tick(gen int) tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg{step: steps.StepLogon, gen: gen, t: t} })
}

// Update implements step.
func (s logonStep) Update(msg tea.Msg) (step, tea.Cmd, outcome) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		return s.key(msg)
	case resultMsg:
		var ok bool
		if s.check, ok = s.check.accept(msg); !ok {
			return s, nil, stay
		}
		if msg.err != nil {
			s.phase = logonFailed
			s.problem = s.problem.set(problemOf(msg.err, s.entra.ClientSecret))
			return s, nil, stay
		}
		switch msg.op {
		case "start":
			s.code, _ = msg.val.(steps.Logon)
			s.phase, s.now = logonWaiting, s.clock()
			s.gen++
			code := s.code
			var wait tea.Cmd
			s.check, wait = s.check.start("wait", "Waiting for the mailbox to sign in…", func(ctx context.Context) (any, error) {
				return code.Wait(ctx)
			})
			return s, tea.Batch(wait, tick(s.gen)), stay
		case "wait":
			s.signed, _ = msg.val.(steps.SignedIn)
			s.phase = logonSignedIn
			if p := s.tokenProblem(); p != nil {
				s.phase = logonFailed
				s.problem = s.problem.set(p)
			}
		}
		return s, nil, stay
	case tickMsg:
		if msg.gen != s.gen || s.phase != logonWaiting {
			return s, nil, stay
		}
		s.now = msg.t
		return s, tick(s.gen), stay
	case copiedMsg:
		if msg.err != nil {
			s.copied = "Could not write to the terminal: " + msg.err.Error()
		} else {
			s.copied = "Code sent to your clipboard (OSC 52). If paste brings nothing, your terminal does not allow it: type the code."
		}
		return s, nil, stay
	}
	var cmd tea.Cmd
	s.check, cmd = s.check.update(msg)
	return s, cmd, stay
}

// key handles the step's keys.
func (s logonStep) key(km tea.KeyMsg) (step, tea.Cmd, outcome) {
	switch {
	case key.Matches(km, keys.Enter):
		switch s.phase {
		case logonSignedIn:
			return s, nil, next
		case logonFailed, logonIdle:
			st, cmd := s.startCode()
			return st, cmd, stay
		}
	case key.Matches(km, keys.Fresh):
		if s.phase != logonStarting {
			st, cmd := s.startCode()
			return st, cmd, stay
		}
	case key.Matches(km, keys.Copy):
		if s.phase == logonWaiting && s.code.UserCode != "" {
			return s, copyCmd(steps.StepLogon, s.out, s.code.UserCode, s.tmux), stay
		}
	case key.Matches(km, detailsKey(false)):
		s.problem = s.problem.toggle()
	}
	return s, nil, stay
}

// tokenProblem checks the signed-in token: it must carry SMTP.Send and be
// meant for Exchange Online in the chosen cloud, or SMTP AUTH will refuse it.
func (s logonStep) tokenProblem() *diagnose.Problem {
	f := diagnose.Facts{TenantID: s.entra.TenantID, ClientID: s.entra.ClientID, Mailbox: s.signed.Mailbox}
	if !hasSMTPSend(s.signed.Scopes) {
		return diagnose.New(diagnose.TokenWrongScope, f, "scp: "+strings.Join(s.signed.Scopes, " "), nil)
	}
	if !audienceOK(s.entra.Cloud, s.signed.Audience) {
		return diagnose.New(diagnose.TokenWrongAudience, f, "aud: "+s.signed.Audience, nil)
	}
	return nil
}

// hasSMTPSend reports whether scopes include SMTP.Send (bare or as a URL).
func hasSMTPSend(scopes []string) bool {
	for _, sc := range scopes {
		if sc == "SMTP.Send" || strings.HasSuffix(sc, "/SMTP.Send") {
			return true
		}
	}
	return false
}

// audienceOK reports whether aud is an audience Exchange Online accepts in the cloud.
func audienceOK(cloudName, aud string) bool {
	c, _ := cloud.ByName(cloudName)
	for _, a := range c.Audiences {
		if strings.EqualFold(strings.TrimSuffix(aud, "/"), a) {
			return true
		}
	}
	return false
}

// countdown is the time left on the code, from the last tick.
func (s logonStep) countdown() string {
	left := s.code.ExpiresOn.Sub(s.now).Round(time.Second)
	if left <= 0 {
		return "The code has expired: press r for a new one."
	}
	return fmt.Sprintf("The code expires in %d:%02d.", int(left.Minutes()), int(left.Seconds())%60)
}

// View implements step.
func (s logonStep) View() string {
	var rest string
	switch s.phase {
	case logonStarting:
		rest = s.check.view()
	case logonWaiting:
		box := theme.code.Render(
			theme.faint.Render("Open ") + "  " + theme.value.Render(printable(s.code.VerificationURL)) + "\n\n" +
				theme.faint.Render("Code ") + "  " + theme.value.Render(printable(s.code.UserCode)))
		lines := []string{wrap("On any device with a browser, open the address and enter the code. "+
			"Sign in as the mailbox that will send PIM mail, not as yourself.", s.width), box, s.countdown()}
		if s.copied != "" {
			lines = append(lines, theme.ok.Render(wrap(s.copied, s.width)))
		}
		// The code matters more than the intro: no intro while it shows.
		return joinBlocks(strings.Join(lines, "\n"), s.check.view())
	case logonSignedIn:
		c, _ := cloud.ByName(s.entra.Cloud)
		rest = joinBlocks(
			theme.ok.Render("✓ Signed in as ")+theme.value.Render(printable(s.signed.Mailbox))+"\n"+
				theme.ok.Render(wrap("✓ The token allows SMTP.Send for "+printable(s.signed.Audience)+", in the "+c.Label+" cloud.", s.width)),
			theme.faint.Render(wrap("Mail will go out as this mailbox. Press enter to continue, or r to sign in again (e.g. as another mailbox).", s.width)))
	case logonFailed:
		rest = joinBlocks(s.problem.view(s.width, detailsKey(false).Help().Key),
			theme.faint.Render("Press enter or r for a fresh code."))
	default:
		rest = "Sign-in cancelled. Press enter or r for a new code, or esc to go back."
	}
	return joinBlocks(introFit(s.info.Help, "?", s.width, s.height, rest), rest)
}

// Apply implements step.
func (s logonStep) Apply(c config.Config) config.Config {
	c.Entra.Mailbox = s.signed.Mailbox
	return c
}

// Running implements step.
func (s logonStep) Running() bool { return s.check.running() }

// Cancel implements step: the sign-in stops waiting; the code stays valid
// at Entra ID until it expires, but nothing polls for it any more.
func (s logonStep) Cancel() step {
	s.check = s.check.stop()
	s.phase, s.code, s.copied = logonIdle, steps.Logon{}, ""
	return s
}

// SetSize implements step.
func (s logonStep) SetSize(w, h int) step { s.width, s.height = w, h; return s }

// Input implements step.
func (s logonStep) Input() inputKind { return inputNone }

// AtFirst implements step.
func (s logonStep) AtFirst() bool { return true }

// ShortHelp implements help.KeyMap.
func (s logonStep) ShortHelp() []key.Binding {
	switch s.phase {
	case logonWaiting:
		return []key.Binding{keys.Copy, keys.Fresh}
	case logonSignedIn:
		return []key.Binding{withHelp(keys.Enter, "continue"), withHelp(keys.Fresh, "sign in again")}
	case logonFailed, logonIdle:
		ks := []key.Binding{withHelp(keys.Enter, "new code")}
		if s.problem.hasRaw() {
			ks = append(ks, detailsKey(false))
		}
		return ks
	}
	return nil
}

// FullHelp implements help.KeyMap.
func (s logonStep) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }
