package tui

import (
	"errors"

	"github.com/pimmail/pimmail/steps"
)

// secretInField is what an ID field shows after the client secret Value
// pasted into it was cleared: the validator's message (it never holds the
// value) and that the value is gone. err is the validator's error for the
// value, which says where the secret belongs; field is the field's label.
func secretInField(field string, err error) error {
	var fe *steps.FieldError
	if errors.As(err, &fe) && steps.IsSecretInIDField(err) {
		return &steps.FieldError{Field: fe.Field, Message: fe.Message + " (pimmail cleared the field without showing it)", Hint: fe.Hint}
	}
	return &steps.FieldError{Field: field,
		Message: "looks like a client secret Value (pimmail cleared the field without showing it)",
		Hint:    "The secret goes in the Client secret step. Copy the " + field + " from App registrations > your app > Overview."}
}
