package diagnose

import (
	"errors"
	"testing"
)

// BenchmarkEntra measures classifying a typical MSAL CallErr text.
func BenchmarkEntra(b *testing.B) {
	c := entraCases[3]
	err := errors.New(msalCallErr(b, c.status, entraBody(c.err, c.codes, c.desc)).Error())
	for b.Loop() {
		Entra(err, Facts{})
	}
}

// BenchmarkReply measures classifying one Exchange reply.
func BenchmarkReply(b *testing.B) {
	for b.Loop() {
		Reply(554, "5.2.252 SendAsDenied; pim@contoso.com not allowed to send as hr@contoso.com; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message due to a permanent exception with message [BeginDiagnosticData]Cannot submit message.", Facts{})
	}
}
