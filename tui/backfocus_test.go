package tui

import (
	"testing"

	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/steps"
)

// Esc back from a problem about one of the IDs lands on that field, even
// when the admin had left the focus elsewhere (on Cloud, after checking).
func TestBackFocusesTheFieldAProblemIsAbout(t *testing.T) {
	for _, tc := range []struct {
		code diagnose.Code
		want int
	}{
		{diagnose.EntraAppNotFound, idsClient},
		{diagnose.EntraTenantNotFound, idsTenant},
		{diagnose.EntraSecretInvalid, idsCloud}, // not about the IDs: the focus stays
	} {
		t.Run(string(tc.code), func(t *testing.T) {
			m, _ := openModel(t, nil, nil)
			m = entraTo(t, m, steps.StepIDs)
			m, _ = send(t, m, k("ctrl+u"), paste(tenantGUID), k("tab"), k("ctrl+u"), paste(clientGUID), k("tab"), k("enter"))
			if m.ids().form.focus != idsCloud {
				t.Fatalf("focus on field %d, want the cloud", m.ids().form.focus)
			}
			m, _ = send(t, m, result(m, tenantGUID, nil))
			m, _ = send(t, m, paste(secretVal), k("enter"))
			p := diagnose.New(tc.code, diagnose.Facts{ClientID: clientGUID, TenantID: tenantGUID}, "AADSTS", nil)
			m, _ = send(t, m, result(m, appAccepted{}, p))
			m, _ = press(t, m, "esc")
			if m.cur != steps.StepIDs {
				t.Fatalf("esc went to %s", m.cur)
			}
			if m.ids().form.focus != tc.want {
				t.Errorf("focus on field %d, want %d:\n%s", m.ids().form.focus, tc.want, m.View())
			}
		})
	}
}
