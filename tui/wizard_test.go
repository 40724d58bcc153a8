package tui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/pimmail/pimmail/config"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/steps"
)

func TestProviderStep(t *testing.T) {
	relayOn := config.Default()
	relayOn.Enabled = config.ProviderRelay
	relayOn.Relay.Host = "relay.contoso.com"
	tests := []struct {
		name   string
		cfg    *config.Config
		hints  *steps.Hints
		keys   []string
		want   []string
		absent []string
	}{
		{name: "fresh config starts on Entra", want: []string{"Step 1 of 7 · ", "› Microsoft Entra ID SMTP Client", "No provider is enabled now."},
			absent: []string{"(enabled now)", "SANDBOX"}},
		{name: "the enabled provider is marked and under the cursor", cfg: &relayOn,
			want: []string{"Step 1 of 5 · ", "› SMTP Relay  (enabled now)"}, absent: []string{"No provider is enabled now."}},
		{name: "the header counts the highlighted provider's steps", keys: []string{"down"},
			want: []string{"Step 1 of 4 · ", "› Local SMTP"}},
		{name: "up wraps around", keys: []string{"up", "up"}, want: []string{"Step 1 of 4 · ", "› Local SMTP"}},
		{name: "sandbox mode says so", hints: &testHints, want: []string{"SANDBOX", "Sandbox: everything talks to the built-in stand-ins"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := openModel(t, tc.cfg, tc.hints)
			m, _ = press(t, m, tc.keys...)
			v := m.View()
			for _, w := range tc.want {
				if !strings.Contains(v, w) {
					t.Errorf("view lacks %q:\n%s", w, v)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(v, a) {
					t.Errorf("view shows %q:\n%s", a, v)
				}
			}
			checkScreen(t, v, 80, 24)
		})
	}
}

func TestProviderLoadErrorIsExplained(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pimmail", "config.json")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	run, start := steps.Open(steps.Env{ConfigPath: path})
	if start.LoadErr == nil || !start.NeedsConsent {
		t.Fatalf("steps.Open on a malformed file: LoadErr %v, NeedsConsent %v; want both set", start.LoadErr, start.NeedsConsent)
	}
	m, _ := newModel(run, start)
	v := m.View()
	for _, w := range []string{"could not be used", "Save will ask before overwriting"} {
		if !strings.Contains(strings.ReplaceAll(v, "\n", " "), w) {
			t.Errorf("view lacks %q:\n%s", w, v)
		}
	}
	checkScreen(t, v, 80, 24)
}

func TestProviderChoiceLeadsToItsSteps(t *testing.T) {
	tests := []struct {
		keys   []string
		want   steps.ID
		header string
	}{
		{[]string{"enter"}, steps.StepIDs, "Step 2 of 7 · "},
		{[]string{"up", "enter"}, steps.StepServer, "Step 2 of 5 · "},
		{[]string{"down", "enter"}, steps.StepServer, "Step 2 of 4 · "},
	}
	for _, tc := range tests {
		t.Run(string(tc.want)+tc.header, func(t *testing.T) {
			m, _ := openModel(t, nil, nil)
			m, _ = press(t, m, tc.keys...)
			if m.cur != tc.want {
				t.Fatalf("at %s, want %s", m.cur, tc.want)
			}
			if v := m.View(); !strings.Contains(v, tc.header) {
				t.Errorf("header lacks %q:\n%s", tc.header, v)
			}
		})
	}
}

func TestIDsValidation(t *testing.T) {
	tests := []struct {
		name       string
		msgs       []tea.Msg
		running    bool
		focus      int
		wantTenant string
		wantClient string
		wantInView []string
		notInView  []string
	}{
		{
			name:       "pasted IDs are cleaned and checked",
			msgs:       []tea.Msg{paste(" {7C1F3B2A-5D4E-4F60-9A8B-2C3D4E5F6A7B}\n"), k("tab"), paste("'3f2e1d0c-9b8a-4765-8432-10fedcba9876' "), k("enter")},
			running:    true,
			focus:      idsClient,
			wantTenant: tenantGUID, wantClient: clientGUID,
			wantInView: []string{"Looking up the tenant…"},
		},
		{
			name:       "empty tenant is refused inline",
			msgs:       []tea.Msg{k("enter")},
			focus:      idsTenant,
			wantInView: []string{"✗ Directory (tenant) ID is empty."},
		},
		{
			name:       "a wrong tenant is refused with where to copy it",
			msgs:       []tea.Msg{k("n"), k("o"), k("p"), k("e"), k("enter")},
			focus:      idsTenant,
			wantTenant: "nope",
			wantInView: []string{"✗ Directory (tenant) ID is not a GUID or a domain name", "Overview"},
		},
		{
			name:       "enter on a good tenant moves on to the empty client ID without an error",
			msgs:       []tea.Msg{paste(tenantGUID), k("enter")},
			focus:      idsClient,
			wantTenant: tenantGUID,
			notInView:  []string{"✗"},
		},
		{
			name:       "a domain in the client ID field is refused",
			msgs:       []tea.Msg{paste("contoso.onmicrosoft.com"), k("tab"), paste("contoso.onmicrosoft.com"), k("enter")},
			focus:      idsClient,
			wantTenant: "contoso.onmicrosoft.com", wantClient: "contoso.onmicrosoft.com",
			wantInView: []string{"✗ Application (client) ID"},
		},
		{
			name:       "the cloud is chosen with the arrow keys",
			msgs:       []tea.Msg{paste(tenantGUID), k("tab"), paste(clientGUID), k("tab"), k("right"), k("enter")},
			running:    true,
			focus:      idsCloud,
			wantTenant: tenantGUID, wantClient: clientGUID,
			wantInView: []string{"‹ US Government (GCC High) ›"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := openModel(t, nil, nil)
			m = entraTo(t, m, steps.StepIDs)
			m, cmd := send(t, m, tc.msgs...)
			if m.cur != steps.StepIDs {
				t.Fatalf("left the step: at %s", m.cur)
			}
			if got := m.ids().Running(); got != tc.running {
				t.Errorf("running = %v, want %v", got, tc.running)
			}
			if tc.running && cmd == nil {
				t.Error("a check runs but no command was returned")
			}
			if m.ids().form.focus != tc.focus {
				t.Errorf("focus on field %d, want %d", m.ids().form.focus, tc.focus)
			}
			if got := m.ids().form.value(idsTenant); got != tc.wantTenant {
				t.Errorf("tenant field = %q, want %q", got, tc.wantTenant)
			}
			if got := m.ids().form.value(idsClient); got != tc.wantClient {
				t.Errorf("client field = %q, want %q", got, tc.wantClient)
			}
			v := m.View()
			flat := strings.Join(strings.Fields(v), " ")
			for _, w := range tc.wantInView {
				if !strings.Contains(flat, w) {
					t.Errorf("view lacks %q:\n%s", w, v)
				}
			}
			for _, w := range tc.notInView {
				if strings.Contains(v, w) {
					t.Errorf("view shows %q:\n%s", w, v)
				}
			}
			checkScreen(t, v, 80, 24)
		})
	}
}

func TestBackKeepsWhatWasTyped(t *testing.T) {
	for _, back := range []string{"esc", "shift+tab"} {
		t.Run(back, func(t *testing.T) {
			m, _ := openModel(t, nil, nil)
			m = entraTo(t, m, steps.StepIDs)
			m, _ = send(t, m, paste("contoso.onmicrosoft.com"), k("tab"), paste("3f2e"))
			if back == "shift+tab" {
				m, _ = press(t, m, "shift+tab") // client -> tenant field first
				if m.cur != steps.StepIDs || m.ids().form.focus != idsTenant {
					t.Fatalf("shift+tab on the second field should go to the first: at %s, field %d", m.cur, m.ids().form.focus)
				}
			}
			m, _ = press(t, m, back)
			if m.cur != steps.StepProvider {
				t.Fatalf("%s did not go back: at %s", back, m.cur)
			}
			m, _ = press(t, m, "enter")
			if got := m.ids().form.value(idsTenant); got != "contoso.onmicrosoft.com" {
				t.Errorf("tenant after back and forth = %q", got)
			}
			if got := m.ids().form.value(idsClient); got != "3f2e" {
				t.Errorf("client after back and forth = %q", got)
			}
		})
	}
}

func TestBackFromLaterStepsKeepsValues(t *testing.T) {
	m, _ := openModel(t, nil, nil)
	m = entraTo(t, m, steps.StepTest)
	m, _ = send(t, m, k("tab"), paste("PIM Notifications"))
	m, _ = press(t, m, "esc")
	if m.cur != steps.StepSmartHost {
		t.Fatalf("esc from the test step went to %s", m.cur)
	}
	if got := m.smart().form.value(0); got != "smtp.office365.com:587" {
		t.Errorf("smart host after back = %q", got)
	}
	m, _ = press(t, m, "esc") // to the logon step: the sign-in is kept, no new code
	if m.cur != steps.StepLogon || m.logon().phase != logonSignedIn || m.logon().Running() {
		t.Fatalf("back at the logon step: at %s, phase %d, running %v", m.cur, m.logon().phase, m.logon().Running())
	}
	m, _ = press(t, m, "esc", "esc") // secret, IDs
	if got := m.ids().form.value(idsTenant); m.cur != steps.StepIDs || got != tenantGUID {
		t.Fatalf("at %s with tenant %q", m.cur, got)
	}
	m, _ = press(t, m, "enter") // checks again: values unchanged, the check still runs
	if !m.ids().Running() {
		t.Fatal("enter on unchanged IDs should check them again")
	}
	m, _ = send(t, m, result(m, tenantGUID, nil))
	m, _ = press(t, m, "enter") // secret field still holds the typed value
	m, _ = send(t, m, result(m, appAccepted{}, nil))
	m, _ = press(t, m, "enter", "enter") // logon kept, smart host passed
	if m.cur != steps.StepTest {
		t.Fatalf("at %s, want the test step", m.cur)
	}
	if got := m.test().form.value(testName); got != "PIM Notifications" {
		t.Errorf("display name after back and forth = %q", got)
	}
}

func TestStaleResultsAreDropped(t *testing.T) {
	start := func(t *testing.T) Model {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepIDs)
		m, _ = send(t, m, paste(tenantGUID), k("tab"), paste(clientGUID), k("enter"))
		if !m.ids().Running() {
			t.Fatal("no check running")
		}
		return m
	}
	t.Run("result of a cancelled check", func(t *testing.T) {
		m := start(t)
		old := result(m, tenantGUID, nil)
		m, _ = press(t, m, "esc")
		m, _ = send(t, m, old)
		if m.cur != steps.StepIDs {
			t.Fatalf("a cancelled check's result moved the wizard to %s", m.cur)
		}
	})
	t.Run("result of an earlier run of the check", func(t *testing.T) {
		m := start(t)
		old := result(m, "", diagnose.New(diagnose.EntraTenantNotFound, diagnose.Facts{}, "AADSTS90002", nil))
		m, _ = press(t, m, "esc", "enter") // cancel, start again
		m, _ = send(t, m, old)
		if !m.ids().Running() || m.ids().problem.p != nil {
			t.Fatalf("an old failure replaced the running check: running %v, problem %v", m.ids().Running(), m.ids().problem.p)
		}
		m, _ = send(t, m, result(m, tenantGUID, nil))
		if m.cur != steps.StepSecret {
			t.Fatalf("the current check's success did not move on: at %s", m.cur)
		}
	})
	t.Run("result for a step that was left", func(t *testing.T) {
		m := start(t)
		old := result(m, tenantGUID, nil)
		m, _ = press(t, m, "esc", "esc") // cancel, back to the provider step
		m, _ = send(t, m, old)
		if m.cur != steps.StepProvider {
			t.Fatalf("at %s", m.cur)
		}
	})
	t.Run("result tagged for another step", func(t *testing.T) {
		m := start(t)
		r := result(m, tenantGUID, nil)
		r.step = steps.StepSecret
		m, _ = send(t, m, r)
		if m.cur != steps.StepIDs || !m.ids().Running() {
			t.Fatalf("at %s, running %v", m.cur, m.ids().Running())
		}
	})
}

func TestEscCancelsRunningCheck(t *testing.T) {
	m, _ := openModel(t, nil, nil)
	m = entraTo(t, m, steps.StepIDs)
	m, _ = send(t, m, paste(tenantGUID), k("tab"), paste(clientGUID), k("enter"))
	if !m.ids().Running() {
		t.Fatal("no check running")
	}
	if v := m.View(); !strings.Contains(v, "esc cancel") {
		t.Errorf("footer does not offer esc to cancel:\n%s", v)
	}
	m, _ = press(t, m, "esc")
	if m.ids().Running() || m.cur != steps.StepIDs {
		t.Fatalf("esc during a check: running %v, at %s; want cancelled, still at the IDs", m.ids().Running(), m.cur)
	}
	m, _ = press(t, m, "esc")
	if m.cur != steps.StepProvider {
		t.Fatalf("second esc went to %s, want back to the provider step", m.cur)
	}
}

func TestCheckerCancelsItsContext(t *testing.T) {
	c := newChecker(steps.StepIDs)
	started := make(chan struct{})
	c, cmd := startCheck(c, "Waiting", func(ctx context.Context) (steps.SignedIn, error) {
		close(started)
		<-ctx.Done()
		return steps.SignedIn{}, ctx.Err()
	})
	batch, ok := cmd().(tea.BatchMsg)
	if !ok || len(batch) == 0 {
		t.Fatalf("start returned %T, want a batch with the check", cmd())
	}
	finished := make(chan tea.Msg, 1)
	go func() { finished <- batch[0]() }()
	<-started
	stopped := c.stop()
	msg := (<-finished).(done[steps.SignedIn])
	if msg.err != context.Canceled {
		t.Errorf("the check's context ended with %v, want context.Canceled", msg.err)
	}
	if _, ok := stopped.accept(msg); ok {
		t.Error("the result of a cancelled check was accepted")
	}
	if stopped.running() {
		t.Error("still running after stop")
	}
}

func TestQuitNeverSaves(t *testing.T) {
	for _, id := range []steps.ID{steps.StepProvider, steps.StepIDs, steps.StepSecret, steps.StepLogon, steps.StepSmartHost, steps.StepTest, steps.StepEnable} {
		t.Run(string(id), func(t *testing.T) {
			m, _ := openModel(t, nil, nil)
			m = entraTo(t, m, id)
			m, cmd := press(t, m, "ctrl+c")
			if cmd == nil || cmd() != tea.Quit() {
				t.Fatal("ctrl+c did not quit")
			}
			if _, saved := m.Saved(); saved {
				t.Error("Saved() is true after ctrl+c")
			}
			if m.current().Running() {
				t.Error("a check still runs after ctrl+c")
			}
			if _, err := os.Stat(m.run.Env().ConfigPath); !os.IsNotExist(err) {
				t.Errorf("the config was written: %v", err)
			}
			if v := m.View(); v != "" {
				t.Errorf("the last frame is not empty: %q", v)
			}
		})
	}
}

func TestEscOnFirstStepQuits(t *testing.T) {
	m, _ := openModel(t, nil, nil)
	if v := m.View(); !strings.Contains(v, "esc quit") {
		t.Errorf("footer does not say esc quits:\n%s", v)
	}
	m, cmd := press(t, m, "esc")
	if cmd == nil || cmd() != tea.Quit() {
		t.Fatal("esc on the first step did not quit")
	}
	if _, saved := m.Saved(); saved {
		t.Error("Saved() after esc")
	}
}

func TestHelpScreen(t *testing.T) {
	m, _ := openModel(t, nil, nil)
	m = entraTo(t, m, steps.StepIDs)
	if v := m.View(); strings.Contains(v, "quit without saving") || !strings.Contains(v, "? help") {
		t.Fatalf("short help wrong:\n%s", v)
	}
	m, _ = press(t, m, "?")
	v := m.View()
	checkScreen(t, v, 80, 24)
	v, m = pages(t, m) // the help scrolls: every page counts
	for _, w := range []string{"Help: Tenant and application IDs", "Allow public client flows", "quit without saving", "close help",
		"Directory (tenant) ID: Overview > Directory (tenant) ID."} {
		if !strings.Contains(flat(v), w) {
			t.Errorf("help screen lacks %q:\n%s", w, v)
		}
	}
	if m.ids().form.value(idsTenant) != "" {
		t.Error("? was typed into the tenant field")
	}
	m, _ = press(t, m, "x", "enter") // the help screen is modal
	if m.ids().form.value(idsTenant) != "" || m.ids().Running() {
		t.Error("keys reached the hidden fields")
	}
	m, _ = press(t, m, "esc")
	if v := m.View(); m.cur != steps.StepIDs || strings.Contains(v, "close help") {
		t.Fatalf("esc did not close the help screen (at %s):\n%s", m.cur, v)
	}
	m, _ = press(t, m, "f1", "f1")
	if strings.Contains(m.View(), "close help") {
		t.Fatal("f1 did not close the help screen")
	}
}

func TestLayoutFits(t *testing.T) {
	states := map[steps.ID]func(t *testing.T, m Model) Model{
		steps.StepProvider: func(t *testing.T, m Model) Model { return m },
		steps.StepIDs: func(t *testing.T, m Model) Model {
			m = entraTo(t, m, steps.StepIDs)
			m, _ = send(t, m, k("x"), k("enter"))
			return m
		},
		steps.StepSecret: func(t *testing.T, m Model) Model {
			m = entraTo(t, m, steps.StepSecret)
			m, _ = send(t, m, paste(secretVal), k("enter"))
			m, _ = send(t, m, result(m, appAccepted{}, diagnose.New(diagnose.EntraSecretInvalid, diagnose.Facts{ClientID: clientGUID},
				"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '"+clientGUID+"'.", nil)))
			m, _ = press(t, m, "d")
			return m
		},
		steps.StepLogon: func(t *testing.T, m Model) Model {
			m = entraTo(t, m, steps.StepLogon)
			m, _ = send(t, m, result(m, testLogon, nil))
			return m
		},
		steps.StepSmartHost: func(t *testing.T, m Model) Model {
			m = entraTo(t, m, steps.StepSmartHost)
			m, _ = press(t, m, "enter")
			m, _ = send(t, m, result(m, testProbe, nil))
			return m
		},
		steps.StepTest: func(t *testing.T, m Model) Model {
			m = entraTo(t, m, steps.StepTest)
			m, _ = press(t, m, "enter")
			m, _ = send(t, m, result(m, testSent, nil))
			m, _ = press(t, m, "ctrl+t")
			return m
		},
		steps.StepEnable: func(t *testing.T, m Model) Model { return entraTo(t, m, steps.StepEnable) },
	}
	for _, size := range [][2]int{{80, 24}, {120, 30}, {100, 24}} {
		for id, drive := range states {
			for _, full := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%dx%d/fullhelp=%v", id, size[0], size[1], full), func(t *testing.T) {
					m, _ := openModel(t, nil, &testHints)
					m, _ = send(t, m, tea.WindowSizeMsg{Width: size[0], Height: size[1]})
					m = drive(t, m)
					if full {
						m, _ = press(t, m, "f1")
					}
					checkScreen(t, m.View(), size[0], size[1])
				})
			}
		}
	}
}
