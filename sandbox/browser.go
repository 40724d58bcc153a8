package sandbox

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// BrowserSignIn plays the person at the browser for an authorization-code
// sign-in: it opens authorizeURL with hc (which must trust the sandbox CA),
// picks the first mailbox, presses Accept (or Cancel) on the page, and
// returns the address the browser is sent to, as it would appear in the
// address bar. It does not follow that redirect: on another device it
// fails to load. An Entra error page comes back as an error holding its
// text. For tests, the e2e run and demos.
func BrowserSignIn(ctx context.Context, hc *http.Client, authorizeURL string, approve bool) (string, error) {
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authorizeURL, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "" {
		return loc, nil
	}
	page := string(body)
	if m := pageErrorRE.FindStringSubmatch(page); m != nil {
		return "", errors.New(html.UnescapeString(m[1]))
	}
	id, csrf, action := hiddenField(page, "req"), hiddenField(page, "csrf"), formAction.FindStringSubmatch(page)
	if id == "" || csrf == "" || action == nil {
		return "", fmt.Errorf("the sign-in page (HTTP %d) has no sign-in form", resp.StatusCode)
	}
	u, err := url.Parse(authorizeURL)
	if err != nil {
		return "", err
	}
	form := url.Values{"req": {id}, "csrf": {csrf}, "action": {"decline"}}
	if approve {
		form.Set("action", "approve")
	}
	post, err := http.NewRequestWithContext(ctx, http.MethodPost, u.Scheme+"://"+u.Host+html.UnescapeString(action[1]), strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.Header.Set("Origin", u.Scheme+"://"+u.Host)
	resp, err = c.Do(post)
	if err != nil {
		return "", err
	}
	body, _ = io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if loc == "" {
		return "", fmt.Errorf("the sign-in page answered HTTP %d without a redirect: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return loc, nil
}

var (
	pageErrorRE = regexp.MustCompile(`<p class="error" role="alert">([^<]*)</p>`)
	formAction  = regexp.MustCompile(`<form method="post" action="([^"]*)">`)
)

// hiddenField is the value of the page's hidden input name.
func hiddenField(page, name string) string {
	re := regexp.MustCompile(`<input type="hidden" name="` + regexp.QuoteMeta(name) + `" value="([^"]*)">`)
	if m := re.FindStringSubmatch(page); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// SignInBrowser is BrowserSignIn with a client trusting this sandbox.
func (s *Sandbox) SignInBrowser(ctx context.Context, authorizeURL string, approve bool) (string, error) {
	return BrowserSignIn(ctx, s.HTTPClient(), authorizeURL, approve)
}
