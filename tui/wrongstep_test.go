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
