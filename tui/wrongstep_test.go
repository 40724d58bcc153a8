package tui

import (
	"strings"
	"testing"

	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/steps"
)

// TestIDProblemOnSecretStepPointsBack: Entra finds the client ID (or the
// tenant) unknown only when the secret step checks the app; the fix then
// starts with the way back to step 2, where the ID can be corrected.
func TestIDProblemOnSecretStepPointsBack(t *testing.T) {
	for _, tt := range []struct {
		code  diagnose.Code
		raw   string
		field string
	}{
		{diagnose.EntraAppNotFound, "AADSTS700016: Application with identifier '" + clientGUID + "' was not found in the directory", steps.FieldClientID},
		{diagnose.EntraTenantNotFound, "AADSTS90002: Tenant '" + tenantGUID + "' not found.", steps.FieldTenant},
	} {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepSecret)
		m, _ = send(t, m, paste(secretVal), k("enter"))
		p := diagnose.New(tt.code, diagnose.Facts{TenantID: tenantGUID, ClientID: clientGUID}, tt.raw, nil)
		m, _ = send(t, m, result(m, appAccepted{}, p))
		if v := flat(m.View()); !strings.Contains(v, "Press esc to correct the "+tt.field+" on step 2.") {
			t.Errorf("%s: the fix does not point back to step 2:\n%s", tt.code, m.View())
		}
		m, _ = press(t, m, "esc")
		if m.cur != steps.StepIDs {
			t.Errorf("%s: esc went to %s, not step 2", tt.code, m.cur)
		}
	}
}

// TestHourLongFixesSayHowToKeepTheWork: a refusal whose fix takes up to an
// hour to reach Exchange says how to keep the settings meanwhile, and the
// way it names works: skip, then enter saves the settings only.
func TestHourLongFixesSayHowToKeepTheWork(t *testing.T) {
	for _, code := range []diagnose.Code{diagnose.SMTPAuthDisabledMailbox, diagnose.SMTPAuthDisabledTenant, diagnose.SMTPSendAsDenied} {
		m, _ := openModel(t, nil, nil)
		m = entraTo(t, m, steps.StepTest)
		m, _ = press(t, m, "enter")
		p := diagnose.New(code, diagnose.Facts{Mailbox: "pim@contoso.com", From: "alerts@contoso.com"}, "535 5.7.139 Authentication unsuccessful", nil)
		m, _ = send(t, m, result(m, steps.TestResult{}, p))
		m, _ = press(t, m, "pgdown", "pgdown", "pgdown")
		all := flat(m.test().problem.view(200))
		if !strings.Contains(all, "ctrl+n skips the test, and enter on the last step saves these settings without enabling them") {
			t.Errorf("%s: no way to keep the work:\n%s", code, all)
		}
		m, _ = press(t, m, "ctrl+n", "enter")
		if m.cur != steps.StepEnable || m.enable().check.label != "Saving the settings…" {
			t.Errorf("%s: skip then enter does not save the settings: at %s, %q", code, m.cur, m.enable().check.label)
		}
	}
}
