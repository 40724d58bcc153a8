package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/pimmail/pimmail/cloud"
	"github.com/pimmail/pimmail/sandbox"
)

// cloudNames lists the names --cloud takes, comma-separated.
func cloudNames() string {
	names := make([]string, len(cloud.All))
	for i, c := range cloud.All {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// printSandboxCloud says which cloud the sandbox plays and what to choose
// on the wizard's step 2: with one cloud, another choice meets
// AADSTS90002, as a real tenant of that cloud would.
func printSandboxCloud(w io.Writer, name string) {
	c, ok := cloud.ByName(name)
	if name == "" || !ok {
		fmt.Fprintln(w, "Cloud: every cloud (the stand-ins play the one chosen on the wizard's step 2).")
		return
	}
	fmt.Fprintf(w, "Cloud: %s only. Choose it on the wizard's step 2; its tenant is also %s.\n"+
		"Sign-in as %s, Exchange Online as %s; another cloud does not know the tenant (AADSTS90002).\n",
		c.Label, sandbox.TenantDomainIn(c), c.AuthorityHost, strings.TrimSuffix(c.SMTPScope, "/SMTP.Send"))
}
