package tui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/steps"
)

// logonPhase is where the device-code sign-in is.
type logonPhase int

const (
	logonIdle     logonPhase = iota // no code (cancelled, or not started)
	logonChecking                   // checking the saved sign-in in the token cache
	logonStarting                   // asking Entra ID for a code
	logonWaiting                    // code shown; waiting for the mailbox to sign in
	logonSignedIn                   // done (a fresh sign-in, or the saved one kept)
	logonFailed                     // the problem is shown
)

// signedState is a successful sign-in, kept aside while the admin tries
// another one (r), so esc can return to it.
type signedState struct {
	signed steps.SignedIn
	kept   bool
	who    string
}

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
// When the loaded configuration's mailbox still has a working sign-in in the
// token cache for the same tenant and app, the step offers to keep it.
type logonStep struct {
	info    steps.Info
	run     *steps.Run
	cfg     config.Config // the configuration so far; the sign-in is for its Entra app
	saved   config.Entra  // the loaded configuration's Entra settings
	who     string        // cloud, tenant and client the sign-in was for
	phase   logonPhase
	check   checker
	code    steps.Logon
	signed  steps.SignedIn
	kept    bool         // signed is the saved sign-in, kept
	prev    *signedState // the sign-in before r, for esc
	problem problemBox
	// savedFailed is the identity whose saved sign-in did not work, so it
	// is not tried again; savedNote says so above the fresh code.
	savedFailed string
	savedNote   string
	touched     bool
	pos         scrollPos
	now         time.Time // the countdown is drawn at this time: the code's arrival, then each tick's
	gen         int
	copied      string // the outcome of the last copy
	// restored says the fresh sign-in was cancelled and the one before kept.
	restored string
	sandbox  bool // the wizard runs against the built-in sandbox
	out      io.Writer
	tmux     bool
	width    int
	height   int
}

// newLogonStep returns the step before any code.
func newLogonStep() logonStep {
	return logonStep{check: newChecker(steps.StepLogon), width: 78, height: 19}
}

// identity is what a sign-in belongs to: a different app or tenant needs a
// new one.
func identity(e config.Entra) string { return steps.SignInIdentity(e) }

// Enter implements step: a sign-in for the same app is kept; else the saved
// one is checked when it is for this tenant and app; otherwise a code is
// asked for straight away (there is nothing to type first).
func (s logonStep) Enter(env stepEnv) (step, tea.Cmd) {
	s.info, s.run, s.out, s.tmux = env.info, env.run, env.out, env.tmux
	s.cfg, s.saved = env.cfg, env.start.Config.Entra
	s.sandbox, s.restored = env.hints != nil, ""
	if s.phase == logonSignedIn && s.who == identity(s.cfg.Entra) {
		return s, nil
	}
	if s.prev != nil && s.prev.who != identity(s.cfg.Entra) {
		s.prev = nil // a sign-in for another app cannot come back
	}
	if s.savedUsable() {
		return s.checkSaved()
	}
	return s.startCode()
}

// savedUsable reports whether the loaded configuration's sign-in may be
// offered: it names a mailbox, it is for the tenant and app as they are
// now (changed in this run, it does not count), and it has not failed.
func (s logonStep) savedUsable() bool {
	return s.run != nil && s.saved.Mailbox != "" && identity(s.saved) == identity(s.cfg.Entra) &&
		s.savedFailed != identity(s.cfg.Entra)
}

// checkSaved asks the token cache for a token for the saved mailbox.
func (s logonStep) checkSaved() (logonStep, tea.Cmd) {
	s.phase, s.problem, s.copied, s.code, s.kept, s.pos = logonChecking, problemBox{}, "", steps.Logon{}, false, scrollPos{}
	s.who = identity(s.cfg.Entra)
	c := s.cfg
	c.Entra.Mailbox = s.saved.Mailbox
	run := s.run
	var cmd tea.Cmd
	s.check, cmd = startCheck(s.check, "Checking the saved sign-in of "+s.saved.Mailbox+"…", func(ctx context.Context) (steps.TokenStatus, error) {
		return run.CheckToken(ctx, c)
	})
	return s, cmd
}

// startCode cancels whatever runs and asks Entra ID for a fresh code.
func (s logonStep) startCode() (logonStep, tea.Cmd) {
	s.restored = ""
	s.phase, s.problem, s.copied, s.code, s.kept, s.pos = logonStarting, problemBox{}, "", steps.Logon{}, false, scrollPos{}
	s.who = identity(s.cfg.Entra)
	e, run := s.cfg.Entra, s.run
	var cmd tea.Cmd
	s.check, cmd = startCheck(s.check, "Asking Entra ID for a sign-in code…", func(ctx context.Context) (steps.Logon, error) {
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
	case done[steps.TokenStatus]:
		var ok bool
		if s.check, ok = s.check.accept(msg); !ok {
			return s, nil, stay
		}
		return s.savedResult(msg)
	case done[steps.Logon]:
		var ok bool
		if s.check, ok = s.check.accept(msg); !ok {
			return s, nil, stay
		}
		if msg.err != nil {
			return s.failed(msg.err), nil, stay
		}
		s.code = msg.val
		s.phase, s.now = logonWaiting, s.code.Issued
		s.gen++
		code := s.code
		var wait tea.Cmd
		s.check, wait = startCheck(s.check, "Waiting for the mailbox to sign in…", func(ctx context.Context) (steps.SignedIn, error) {
			return code.Wait(ctx)
		})
		return s, tea.Batch(wait, tick(s.gen)), stay
	case done[steps.SignedIn]:
		var ok bool
		if s.check, ok = s.check.accept(msg); !ok {
			return s, nil, stay
		}
		if msg.err != nil {
			return s.failed(msg.err), nil, stay
		}
		// auth.DeviceLogon.Wait has checked the token's scope and
		// audience: one Exchange Online would refuse comes as msg.err
		// (and is dropped from the cache), so a sign-in here can send.
		s.signed = msg.val
		s.touched = true
		s.phase, s.kept, s.prev, s.savedNote = logonSignedIn, false, nil, ""
		return s, nil, stay
	case tickMsg:
		if msg.gen != s.gen || s.phase != logonWaiting {
			return s, nil, stay
		}
		s.now = msg.t
		return s, tick(s.gen), stay
	case copiedMsg:
		if msg.what != copiedCode {
			return s, nil, stay
		}
		s.copied = copiedCodeNote(msg)
		return s, nil, stay
	}
	var cmd tea.Cmd
	s.check, cmd = s.check.update(msg)
	return s, cmd, stay
}

// failed shows the sign-in's failure.
func (s logonStep) failed(err error) logonStep {
	s.phase, s.pos = logonFailed, scrollPos{}
	s.problem = s.problem.set(problemOf(err, s.cfg.Entra.ClientSecret))
	return s
}

// savedResult takes the saved sign-in's check: kept when a token came, else
// a fresh code, saying why.
func (s logonStep) savedResult(msg done[steps.TokenStatus]) (step, tea.Cmd, outcome) {
	if msg.err != nil {
		why := "it no longer works"
		if p := problemOf(msg.err, s.cfg.Entra.ClientSecret); p != nil {
			why = p.Title
		}
		s.savedFailed = identity(s.cfg.Entra)
		s.savedNote = "The saved sign-in as " + s.saved.Mailbox + " cannot be used (" + why + "): sign in again."
		st, cmd := s.startCode()
		return st, cmd, stay
	}
	ts := msg.val
	mbx := ts.Mailbox
	if mbx == "" {
		mbx = s.saved.Mailbox
	}
	s.signed = steps.SignedIn{Mailbox: mbx, ExpiresOn: ts.ExpiresOn}
	s.phase, s.kept, s.savedNote = logonSignedIn, true, ""
	return s, nil, stay
}

// key handles the step's keys.
func (s logonStep) key(km tea.KeyMsg) (step, tea.Cmd, outcome) {
	if pos, ok := s.layout().scroll(km, true); ok {
		s.pos = pos
		return s, nil, stay
	}
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
		if s.phase != logonStarting && s.phase != logonChecking {
			if s.phase == logonSignedIn {
				s.prev = &signedState{signed: s.signed, kept: s.kept, who: s.who}
			}
			s.touched, s.savedNote = true, ""
			st, cmd := s.startCode()
			return st, cmd, stay
		}
	case key.Matches(km, keys.Copy):
		if s.phase == logonWaiting && s.code.UserCode != "" {
			return s, copyCmd(copiedMsg{step: steps.StepLogon, what: copiedCode}, s.out, s.code.UserCode, s.tmux), stay
		}
	case key.Matches(km, detailsKey(false)):
		s.problem, s.pos = s.problem.toggleDetails()
	}
	return s, nil, stay
}

// restore returns to the sign-in before r.
func (s logonStep) restore() logonStep {
	p := *s.prev
	s.signed, s.kept, s.who, s.prev = p.signed, p.kept, p.who, nil
	s.restored = "The new sign-in was cancelled; the previous sign-in as " + printable(p.signed.Mailbox) + " is kept."
	s.phase, s.problem, s.code, s.copied, s.pos = logonSignedIn, problemBox{}, steps.Logon{}, "", scrollPos{}
	return s
}

// Undo implements undoer: esc after a failed or cancelled fresh sign-in
// returns to the sign-in there was before.
func (s logonStep) Undo() (step, bool) {
	if s.prev == nil || (s.phase != logonFailed && s.phase != logonIdle) || s.check.running() {
		return s, false
	}
	return s.restore(), true
}

// countdown is the time left on the code, from the last tick.
func (s logonStep) countdown() string {
	left := s.code.ExpiresOn.Sub(s.now).Round(time.Second)
	if left <= 0 {
		return "The code has expired: press r for a new one."
	}
	return fmt.Sprintf("The code expires in %d:%02d.", int(left.Minutes()), int(left.Seconds())%60)
}

// layout is the step's body. While a code is shown the step's intro is
// left out: the code matters more.
func (s logonStep) layout() arranged {
	help := s.info.Help
	if s.phase == logonWaiting {
		help = ""
	}
	return arrange(help, "?", s.width, s.height, s.pos, func(d detail) (string, string) { return "", s.rest(d.compact) })
}

// rest is the body below the intro.
func (s logonStep) rest(compact bool) string {
	note := ""
	if s.savedNote != "" {
		note = theme.warn.Render(wrap("⚠ "+s.savedNote, s.width))
	}
	back := ""
	if s.prev != nil {
		back = theme.faint.Render(wrap("esc returns to the sign-in as "+printable(s.prev.signed.Mailbox)+".", s.width))
	}
	switch s.phase {
	case logonChecking:
		return s.check.view(s.width)
	case logonStarting:
		return joinBlocks(note, s.check.view(s.width), back)
	case logonWaiting:
		box := codeBox(printable(s.code.VerificationURL), groupCode(printable(s.code.UserCode)), s.width)
		intro := "On any device with a browser, open the address and enter the code (without the spaces; " +
			"c copies it exactly). Sign in as the mailbox that will send PIM mail, not as yourself."
		if s.sandbox {
			// The sandbox's address is 127.0.0.1 of the machine pimmail
			// runs on: on the admin's laptop it would mean the laptop.
			intro = "Sandbox: no browser is needed; the sandbox approves this code by itself in a few seconds. " +
				"(The address is on the machine pimmail runs on, for approving by hand.)"
		}
		lines := []string{wrap(intro, s.width), box, wrap(s.countdown(), s.width)}
		if s.copied != "" {
			lines = append(lines, theme.ok.Render(wrap(s.copied, s.width)))
		}
		return joinBlocks(note, strings.Join(lines, "\n"), s.check.view(s.width), back)
	case logonSignedIn:
		signed := theme.ok.Render(wrap("✓ Signed in as "+printable(s.signed.Mailbox), s.width))
		if s.restored != "" {
			signed = theme.warn.Render(wrap(s.restored, s.width)) + "\n" + signed
		}
		if s.kept {
			return joinBlocks(signed+"\n"+theme.ok.Render(wrap("✓ The saved sign-in still works: a token for SMTP.Send was issued just now.", s.width)),
				wrap("Keep the saved sign-in as "+printable(s.signed.Mailbox)+" (enter) · r sign in again", s.width))
		}
		c, _ := cloud.ByName(s.cfg.Entra.Cloud)
		return joinBlocks(
			signed+"\n"+theme.ok.Render(wrap("✓ The token allows SMTP.Send for "+printable(s.signed.Audience)+", in the "+c.Label+" cloud.", s.width)),
			theme.faint.Render(wrap("Mail will go out as this mailbox. Press enter to continue, or r to sign in again (e.g. as another mailbox).", s.width)))
	case logonFailed:
		return joinBlocks(note, s.problem.view(s.width),
			theme.faint.Render(wrap("Press enter or r for a fresh code.", s.width)), back)
	}
	return joinBlocks(wrap("Sign-in cancelled. Press enter or r for a new code, or esc to go back.", s.width), back)
}

// View implements step.
func (s logonStep) View() string { return s.layout().text }

// Apply implements step.
func (s logonStep) Apply(c config.Config) config.Config {
	c.Entra.Mailbox = s.signed.Mailbox
	return c
}

// Running implements step.
func (s logonStep) Running() bool { return s.check.running() }

// Cancel implements step: the sign-in stops waiting; the code stays valid
// at Entra ID until it expires, but nothing polls for it any more. A
// sign-in there was before r comes back.
func (s logonStep) Cancel() step {
	s.check = s.check.stop()
	if s.prev != nil {
		return s.restore()
	}
	s.phase, s.code, s.copied = logonIdle, steps.Logon{}, ""
	return s
}

// SetSize implements step.
func (s logonStep) SetSize(w, h int) step { s.width, s.height = w, h; return s }

// Input implements step.
func (s logonStep) Input() inputKind { return inputNone }

// AtFirst implements step.
func (s logonStep) AtFirst() bool { return true }

// Touched implements step.
func (s logonStep) Touched() bool { return s.touched }

// Commands implements step.
func (s logonStep) Commands() []string {
	if s.phase != logonFailed {
		return nil
	}
	return s.problem.commands()
}

// ShortHelp implements help.KeyMap.
func (s logonStep) ShortHelp() []key.Binding {
	switch s.phase {
	case logonWaiting:
		return []key.Binding{keys.Copy, keys.Fresh}
	case logonSignedIn:
		if s.kept {
			return []key.Binding{withHelp(keys.Enter, "keep sign-in"), withHelp(keys.Fresh, "sign in again")}
		}
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

// groupCode shows a device code in groups of three for reading aloud on a
// support call ("GCT L5C QVK"); the copy (c) stays the exact code.
func groupCode(c string) string {
	r := []rune(c)
	if len(r) < 6 || strings.ContainsRune(c, ' ') {
		return c
	}
	var b strings.Builder
	for i, ch := range r {
		if i > 0 && i%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(ch)
	}
	return b.String()
}

// codeBox draws the address and the code in a bordered box that fits
// width: on a narrow terminal the padding shrinks and a long address
// wraps inside the box (the border stays whole, nothing is cut).
func codeBox(url, code string, width int) string {
	style := theme.code
	label := func(s string) string { return theme.faint.Render(s) + "  " }
	body := func(inner int) string {
		// The address under its label when the line is too narrow.
		u := url
		if inner > 0 && lipgloss.Width("Open   "+url) > inner {
			u = lipgloss.NewStyle().Width(max(10, inner)).Render(url)
			return label("Open") + "\n" + theme.value.Render(u) + "\n\n" + label("Code ") + theme.value.Render(code)
		}
		return label("Open ") + theme.value.Render(u) + "\n\n" + label("Code ") + theme.value.Render(code)
	}
	box := style.Render(body(0))
	if lipgloss.Width(box) <= width {
		return box
	}
	style = style.Padding(0, 1)
	inner := width - 4 // border and padding
	return style.Render(body(inner))
}
