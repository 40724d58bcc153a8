package mailer

import "strings"

// hasCap reports whether an EHLO capability list holds name.
func hasCap(caps []string, name string) bool {
	for _, c := range caps {
		k, _, _ := strings.Cut(c, " ")
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// authMechs returns the mechanisms of the AUTH capability (also the old
// "AUTH=LOGIN" spelling).
func authMechs(caps []string) []string {
	var mechs []string
	for _, c := range caps {
		u := strings.ToUpper(c)
		if strings.HasPrefix(u, "AUTH ") || strings.HasPrefix(u, "AUTH=") {
			for _, m := range strings.Fields(c[5:]) {
				if !containsFold(mechs, m) {
					mechs = append(mechs, m)
				}
			}
		}
	}
	return mechs
}

func containsFold(list []string, s string) bool {
	for _, l := range list {
		if strings.EqualFold(l, s) {
			return true
		}
	}
	return false
}
