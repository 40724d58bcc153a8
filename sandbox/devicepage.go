package sandbox

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// The device-login page: the verification_uri of the Entra stand-in. A
// person types the user code, picks the mailbox that signs in, and clicks
// Approve or Decline, as on https://microsoft.com/devicelogin, so a demo or
// a training session can be done by hand in a browser.

// devicePage is what the page template shows.
type devicePage struct {
	Code      string   // the code as typed, to keep it in the field
	Mailboxes []string // who can sign in
	Error     string   // why the last attempt failed
	Done      string   // the outcome, once approved or declined
}

var devicePageTmpl = template.Must(template.New("devicelogin").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Enter code - pimmail sandbox sign-in</title>
<style>
body{font-family:"Segoe UI",system-ui,sans-serif;background:#f2f2f2;margin:0}
main{background:#fff;max-width:440px;margin:8vh auto;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:24px;font-weight:600;margin:0 0 12px}
label{display:block;margin:16px 0 4px}
input,select{width:100%;box-sizing:border-box;font-size:16px;padding:6px 0;border:0;border-bottom:1px solid #666}
.buttons{margin-top:28px;display:flex;flex-direction:row-reverse;justify-content:flex-start}
button{font-size:15px;padding:6px 20px;margin-left:8px;border:1px solid #0067b8;cursor:pointer}
.approve{background:#0067b8;color:#fff}.decline{background:#fff;color:#0067b8}
.error{color:#e81123}.note{color:#666;font-size:13px;margin-top:24px}
</style>
</head>
<body>
<main>
<p class="note">Microsoft Entra ID (pimmail sandbox)</p>
{{if .Done}}
<h1>{{.Done}}</h1>
<p>You may now close this window.</p>
{{else}}
<h1>Enter code</h1>
<p>Enter the code displayed on your app or device.</p>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/devicelogin">
<label for="otc">Code</label>
<input id="otc" name="otc" value="{{.Code}}" maxlength="20" autocomplete="off" autocapitalize="characters" spellcheck="false" autofocus required>
<label for="upn">Sign in as</label>
<select id="upn" name="upn">{{range .Mailboxes}}<option>{{.}}</option>{{end}}</select>
<div class="buttons"><!-- Approve first: Enter in the code field presses it -->
<button class="approve" type="submit" name="action" value="approve">Approve</button>
<button class="decline" type="submit" name="action" value="decline">Decline</button>
</div>
</form>
<p class="note">This is the sandbox: no password is asked for, and nothing here reaches Microsoft.</p>
{{end}}
</main>
</body>
</html>
`))

// handleDeviceLogin serves GET (the form; ?otc= prefills the code) and
// POST (approve or decline) on /devicelogin.
func (s *Sandbox) handleDeviceLogin(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.renderDevicePage(w, http.StatusOK, devicePage{Code: r.URL.Query().Get("otc")})
	case http.MethodPost:
		s.postDeviceLogin(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// postDeviceLogin applies the person's decision, as Approve does.
func (s *Sandbox) postDeviceLogin(w http.ResponseWriter, r *http.Request) {
	// A page on another site must not approve codes through the person's
	// browser: a cross-origin form post carries its own Origin.
	if o := r.Header.Get("Origin"); o != "" && !s.sameOrigin(o) {
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	typed := r.PostForm.Get("otc")
	page := devicePage{Code: typed}
	action := r.PostForm.Get("action")
	if action != "approve" && action != "decline" {
		page.Error = "Choose Approve or Decline."
		s.renderDevicePage(w, http.StatusBadRequest, page)
		return
	}
	if normalizeUserCode(typed) == "" {
		page.Error = "That code wasn't recognised. Check the code and try again: it has 9 letters and digits."
		s.renderDevicePage(w, http.StatusBadRequest, page)
		return
	}
	upn := r.PostForm.Get("upn")
	app, err := s.decide(typed, upn, action == "approve")
	if err != nil {
		page.Error = pageError(err)
		s.renderDevicePage(w, http.StatusBadRequest, page)
		return
	}
	if action == "approve" {
		page.Done = "You have signed in to the " + app.Name + " application on your device."
	} else {
		page.Done = "You declined to sign in to " + app.Name + " on your device."
	}
	s.renderDevicePage(w, http.StatusOK, page)
}

// pageError words Approve's errors for the person at the browser.
func pageError(err error) string {
	switch {
	case errors.Is(err, ErrUnknownUserCode):
		return "That code wasn't recognised. Check the code and try again."
	case errors.Is(err, ErrUserCodeExpired):
		return "That code has expired. Start the sign-in again on your device to get a new code."
	case errors.Is(err, ErrUserCodeUsed):
		return "That code has already been used. Start the sign-in again on your device to get a new code."
	case errors.Is(err, ErrUnknownMailbox):
		return "That account is not in the tenant the device signs in to. Pick another account."
	}
	return "Something went wrong: " + err.Error()
}

// sameOrigin reports whether an Origin header names this stand-in.
func (s *Sandbox) sameOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Scheme != "https" {
		return false
	}
	a, err := url.Parse(s.endpoints.Authority)
	if err != nil {
		return false
	}
	return u.Port() == a.Port() && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost")
}

// renderDevicePage writes the page with headers that keep it out of frames
// and caches.
func (s *Sandbox) renderDevicePage(w http.ResponseWriter, status int, p devicePage) {
	s.mu.Lock()
	for _, m := range s.dir.Mailboxes {
		p.Mailboxes = append(p.Mailboxes, m.UPN)
	}
	s.mu.Unlock()
	var sb strings.Builder
	if err := devicePageTmpl.Execute(&sb, p); err != nil {
		http.Error(w, "page error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(sb.String()))
}
