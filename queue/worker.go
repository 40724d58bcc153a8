package queue

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pimmail/pimmail/auth"
	"github.com/pimmail/pimmail/diagnose"
	"github.com/pimmail/pimmail/mailer"
	"github.com/pimmail/pimmail/secfile"
)

// Exchange Online's limits per mailbox, the worker's defaults and ceilings.
const (
	MaxConnections = 3
	// DefaultConnections leaves one of the mailbox's 3 connections free
	// for pimmail test, the wizard's test and anything else sending as the
	// mailbox; 2 sessions carry 30 messages a minute with room to spare.
	DefaultConnections  = 2
	MaxPerMinute        = 30
	MaxRecipientsPerDay = 10000
)

// Limits bound the worker. Zero fields take the defaults; values above
// Exchange Online's limits are lowered to them.
type Limits struct {
	// Connections is the number of SMTP sessions at once (default 2, at most 3).
	Connections int
	// PerMinute is the number of messages per Window (default and at most 30).
	PerMinute int
	// RecipientsPerDay is the daily recipient budget (default and at most 10,000).
	RecipientsPerDay int
	// Window is the length of the "minute" PerMinute counts in; zero means
	// one minute. Only tests and benchmarks that run the sandbox on a fast
	// clock shorten it.
	Window time.Duration
	// FirstRetry and MaxRetry bound the backoff after a temporary failure
	// (defaults 1 minute and 1 hour); GiveUpAfter is how long a message may
	// stay queued before it moves to failed/ (default 5 days).
	FirstRetry, MaxRetry, GiveUpAfter time.Duration
	// IdleSession is how long an SMTP session stays open with nothing to
	// send (default 10 s).
	IdleSession time.Duration
}

func (l Limits) withDefaults() Limits {
	clamp := func(v, max int) int {
		if v <= 0 || v > max {
			return max
		}
		return v
	}
	if l.Connections <= 0 {
		l.Connections = DefaultConnections
	}
	l.Connections = min(l.Connections, MaxConnections)
	l.PerMinute = clamp(l.PerMinute, MaxPerMinute)
	l.RecipientsPerDay = clamp(l.RecipientsPerDay, MaxRecipientsPerDay)
	if l.Window <= 0 {
		l.Window = time.Minute
	}
	if l.FirstRetry <= 0 {
		l.FirstRetry = time.Minute
	}
	if l.MaxRetry <= 0 {
		l.MaxRetry = time.Hour
	}
	if l.GiveUpAfter <= 0 {
		l.GiveUpAfter = 5 * 24 * time.Hour
	}
	if l.IdleSession <= 0 {
		l.IdleSession = 10 * time.Second
	}
	return l
}

// Target is the provider a session delivers through.
type Target struct {
	Server mailer.Server
	// Auth is the credential; with AuthXOAUTH2 its Secret is filled from
	// Tokens for each session.
	Auth mailer.Auth
	// Tokens hands out the mailbox's access tokens (XOAUTH2); one for the
	// worker's life, so the MSAL client and its token are reused.
	Tokens *auth.TokenSource
	// DefaultFrom is MAIL FROM for an envelope without a sender.
	DefaultFrom string
	// SendAs, when set, is applied to every message whose envelope does
	// not ask to keep its sender (Exchange Online's SMTP AUTH).
	SendAs *SendAs
}

// WorkerOptions configure a Worker.
type WorkerOptions struct {
	// Target returns the provider to deliver through. It is called before
	// each SMTP session, so a configuration saved meanwhile applies to the
	// next session; it should return the same Tokens while the settings
	// are unchanged. An error holds the queue (nothing is bounced) and
	// is shown by pimmail status.
	Target func(ctx context.Context) (Target, error)
	Limits Limits
	// Logger gets structured logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// IdleExit, when set, makes Run return once the queue has been empty
	// that long (the worker `pimmail send` starts by itself).
	IdleExit time.Duration
	// Poll is how often the queue directory is looked at for messages
	// other processes queued; zero means 1 s.
	Poll time.Duration
}

// Worker delivers a spool's messages; exactly one runs per spool.
type Worker struct {
	s      *Spool
	o      WorkerOptions
	lim    Limits
	log    *slog.Logger
	now    func() time.Time
	notify chan struct{}

	pace    *limiter
	journal *journal

	// cache keeps what the dispatcher knows of each queued message: the
	// envelope (it never changes) and the state as of its file's mtime,
	// so a large queue waiting for retries is not read in full every poll.
	cache map[string]cacheEntry

	mu       sync.Mutex
	inflight map[string]bool
	status   WorkerStatus
	hold     time.Time // no new session before this (after a session-level failure)
	holdWait time.Duration
}

// WorkerStatus is what the worker writes to status.json for pimmail status.
type WorkerStatus struct {
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
	// Held is set while sessions cannot start (sign-in, network, server):
	// messages stay queued.
	Held      *Diagnosis `json:"held,omitempty"`
	HeldSince time.Time  `json:"held_since,omitzero"`
	// SignInAgain is set when the token cannot be refreshed.
	SignInAgain bool `json:"sign_in_again,omitempty"`
	// LastFailure is the last message that failed an attempt.
	LastFailure   *Diagnosis `json:"last_failure,omitempty"`
	LastFailureID string     `json:"last_failure_id,omitempty"`
	LastFailureAt time.Time  `json:"last_failure_at,omitzero"`
	Limits        Limits     `json:"limits"`
}

// NewWorker returns a worker for s.
func NewWorker(s *Spool, opts WorkerOptions) *Worker {
	w := &Worker{s: s, o: opts, lim: opts.Limits.withDefaults(), log: opts.Logger, now: opts.Now,
		notify: make(chan struct{}, 1), inflight: map[string]bool{}, cache: map[string]cacheEntry{}}
	if w.log == nil {
		w.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if w.now == nil {
		w.now = time.Now
	}
	if w.o.Poll <= 0 {
		w.o.Poll = time.Second
	}
	w.pace = &limiter{perWindow: w.lim.PerMinute, window: w.lim.Window, perDay: w.lim.RecipientsPerDay, day: 24 * time.Hour}
	return w
}

// Notify wakes the worker after an Enqueue in this process.
func (w *Worker) Notify() {
	select {
	case w.notify <- struct{}{}:
	default:
	}
}

type cacheEntry struct {
	env      Envelope
	state    State
	stateMod time.Time
}

// cached returns a queued message's envelope and state, reading the state
// file again only when it changed (the worker or pimmail queue retry wrote it).
func (w *Worker) cached(id string) (Item, error) {
	var mod time.Time
	if st, err := os.Stat(w.s.statePath(id)); err == nil {
		mod = st.ModTime()
	}
	if e, ok := w.cache[id]; ok && e.stateMod.Equal(mod) {
		return Item{ID: id, Envelope: e.env, State: e.state}, nil
	}
	it, err := w.s.item(id, false)
	if err != nil {
		delete(w.cache, id)
		return it, err
	}
	w.cache[id] = cacheEntry{env: it.Envelope, state: it.State, stateMod: mod}
	return it, nil
}

// prune forgets the cache entries of messages no longer queued.
func (w *Worker) prune(ids []string) {
	if len(w.cache) <= len(ids) {
		return
	}
	keep := make(map[string]bool, len(ids))
	for _, id := range ids {
		keep[id] = true
	}
	for id := range w.cache {
		if !keep[id] {
			delete(w.cache, id)
		}
	}
}

// job is one message handed to a session.
type job struct {
	id  string
	env Envelope
}

// Run takes the spool's worker lock (ErrLocked when another process holds
// it) and delivers until ctx is done (then it returns nil after the
// messages in flight) or, with IdleExit, until the queue stays empty.
func (w *Worker) Run(ctx context.Context) error {
	lock, err := w.s.TryLock()
	if err != nil {
		return err
	}
	defer func() { _ = lock.Release() }()
	if err := w.recover(); err != nil {
		return err
	}
	defer w.journal.close()
	w.status = WorkerStatus{PID: os.Getpid(), Started: w.now().UTC(), Limits: w.lim}
	w.saveStatus()
	w.log.Info("delivery worker started", "spool", w.s.dir, "connections", w.lim.Connections,
		"per_minute", w.lim.PerMinute, "recipients_per_day", w.lim.RecipientsPerDay)

	jobs := make(chan job)
	var wg sync.WaitGroup
	sessCtx, cancelSessions := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelSessions()
	for i := range w.lim.Connections {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.sessionLoop(sessCtx, i, jobs)
		}()
	}
	for {
		err = w.dispatch(ctx, jobs)
		if err != nil || ctx.Err() != nil || w.o.IdleExit <= 0 {
			break
		}
		// Idle: give the lock up first, then look once more. A message
		// queued meanwhile by a process that saw the lock still held is
		// then either seen here, or its process finds the lock free and
		// starts a worker itself; it is never left without one.
		_ = lock.Release()
		if ids, _ := w.s.queuedIDs(); len(ids) == 0 {
			break
		}
		if lock, err = w.s.TryLock(); err != nil {
			err = nil // another worker took over
			break
		}
	}
	close(jobs)
	// Messages in flight finish (each SMTP step has its own timeout).
	wg.Wait()
	w.log.Info("delivery worker stopped")
	return err
}

// recover completes what a killed worker left: messages whose 250 was
// recorded are removed, stale temporary files swept, the pacing restored.
func (w *Worker) recover() error {
	ds, err := readDeliveries(filepath.Join(w.s.dir, sentLog))
	if err != nil {
		return fmt.Errorf("read %s: %w", sentLog, err)
	}
	now := w.now()
	var keep []Delivery
	for _, d := range ds {
		if now.Sub(d.At) < 24*time.Hour {
			keep = append(keep, d)
		}
		// Recorded as delivered: the message file may still be there if the
		// worker died before removing it. Never send it again.
		if _, err := os.Stat(w.s.queuePath(d.ID)); err == nil {
			w.removeDelivered(d.ID)
		}
	}
	w.pace.sent = keep
	j, err := openJournal(filepath.Join(w.s.dir, sentLog), keep)
	if err != nil {
		return fmt.Errorf("open %s: %w", sentLog, err)
	}
	w.journal = j
	// tmp/ holds only messages whose Enqueue never returned: nobody was
	// told they were accepted. Those not written to for an hour belong to
	// dead writers (a live one, even a slow SMTP client's, writes sooner).
	if ents, err := os.ReadDir(filepath.Join(w.s.dir, tmpDir)); err == nil {
		for _, e := range ents {
			if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > time.Hour {
				_ = os.Remove(filepath.Join(w.s.dir, tmpDir, e.Name()))
			}
		}
	}
	return nil
}

// dispatch hands due messages to the sessions, paced.
func (w *Worker) dispatch(ctx context.Context, jobs chan<- job) error {
	idleSince := w.now()
	compacted := w.now()
	for {
		if w.now().Sub(compacted) >= time.Hour {
			// Lines older than a day are of no use any more: the messages
			// they record are gone, and they fall out of the daily budget.
			compacted = w.now()
			if err := w.journal.compact(compacted); err != nil {
				w.log.Warn("cannot compact sent.log", "err", err)
			}
		}
		ids, err := w.s.queuedIDs()
		if err != nil {
			return fmt.Errorf("read the queue: %w", err)
		}
		w.prune(ids)
		now := w.now()
		next := now.Add(w.o.Poll)
		handed := false
		queued := 0
		for _, id := range ids {
			if w.isInflight(id) {
				queued++
				continue
			}
			it, err := w.cached(id)
			if err != nil {
				continue
			}
			queued++
			if it.State.NextAttempt.After(now) {
				if it.State.NextAttempt.Before(next) {
					next = it.State.NextAttempt
				}
				continue
			}
			if h := w.holdUntil(); h.After(now) {
				if h.Before(next) {
					next = h
				}
				break
			}
			// Pacing: wait for a slot under the mailbox's limits.
			for {
				ok, wait := w.pace.reserve(w.now(), len(it.Envelope.To))
				if ok {
					break
				}
				if !sleepCtx(ctx, wait) {
					return nil
				}
			}
			w.setInflight(id, true)
			select {
			case jobs <- job{id: id, env: it.Envelope}:
				handed = true
			case <-ctx.Done():
				w.setInflight(id, false)
				w.pace.done(len(it.Envelope.To), nil)
				return nil
			}
		}
		if queued > 0 || handed || w.inflightCount() > 0 {
			idleSince = w.now()
		} else if w.o.IdleExit > 0 && w.now().Sub(idleSince) >= w.o.IdleExit {
			return nil
		}
		if handed {
			continue
		}
		wait := next.Sub(w.now())
		if wait > w.o.Poll {
			wait = w.o.Poll
		}
		if wait < 10*time.Millisecond {
			wait = 10 * time.Millisecond
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-w.notify:
		case <-t.C:
		}
		t.Stop()
	}
}

// sessionLoop is one connection slot: it opens an SMTP session for the
// first job, sends the following ones on it, and closes it when idle.
func (w *Worker) sessionLoop(ctx context.Context, slot int, jobs <-chan job) {
	var sess *mailer.Session
	var tgt Target
	closeSess := func() {
		if sess != nil {
			sess.Close()
			sess = nil
		}
	}
	defer closeSess()
	idle := time.NewTimer(w.lim.IdleSession)
	defer idle.Stop()
	for {
		select {
		case j, ok := <-jobs:
			if !ok {
				return
			}
			if sess == nil {
				var err error
				sess, tgt, err = w.open(ctx)
				if err != nil {
					w.sessionFailed(j, err)
					sess = nil
					continue
				}
			}
			ok = w.deliver(ctx, sess, tgt, j)
			if !ok {
				// The transaction's state is unknown: start afresh.
				closeSess()
			}
			idle.Reset(w.lim.IdleSession)
		case <-idle.C:
			closeSess()
			idle.Reset(w.lim.IdleSession)
		}
	}
}

// open starts an SMTP session with the current target.
func (w *Worker) open(ctx context.Context) (*mailer.Session, Target, error) {
	if w.o.Target == nil {
		return nil, Target{}, errors.New("no provider configured for delivery")
	}
	tgt, err := w.o.Target(ctx)
	if err != nil {
		return nil, tgt, err
	}
	a := tgt.Auth
	if a.Kind == mailer.AuthXOAUTH2 {
		if tgt.Tokens == nil {
			return nil, tgt, errors.New("no token source for the mailbox")
		}
		tok, err := tgt.Tokens.Token(ctx)
		if err != nil {
			return nil, tgt, &tokenError{err}
		}
		a.Secret = tok.Value
	}
	sess, err := mailer.OpenSession(ctx, tgt.Server, a)
	if err != nil {
		if a.Kind == mailer.AuthXOAUTH2 && mailer.ReplyCode(err) == 535 {
			tgt.Tokens.Forget()
		}
		return nil, tgt, err
	}
	w.clearHold()
	return sess, tgt, nil
}

// tokenError marks a failure to get an access token: the mailbox's sign-in.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// deliver sends one message on sess and records the outcome. It reports
// whether the session is still usable.
func (w *Worker) deliver(ctx context.Context, sess *mailer.Session, tgt Target, j job) bool {
	rcpts := len(j.env.To)
	f, _, err := openMessage(w.s.queuePath(j.id))
	if err != nil {
		// Deleted meanwhile (pimmail queue delete): nothing to do.
		w.setInflight(j.id, false)
		w.pace.done(rcpts, nil)
		return true
	}
	defer f.Close()
	from := j.env.From
	if from == "" {
		from = tgt.DefaultFrom
	}
	var msg io.Reader = f
	if tgt.SendAs != nil && !j.env.KeepSender {
		if from, msg, err = tgt.SendAs.Apply(f); err != nil {
			w.pace.done(rcpts, nil)
			w.setInflight(j.id, false)
			w.log.Error("cannot read a queued message", "id", j.id, "err", err)
			return true
		}
	}
	began := w.now()
	reply, err := sess.Send(ctx, from, j.env.To, msg)
	if err != nil {
		w.pace.done(rcpts, nil)
		w.attemptFailed(j, err)
		w.setInflight(j.id, false)
		return false
	}
	d := Delivery{At: w.now().UTC(), ID: j.id, From: from, Recipients: rcpts, Reply: oneLine(reply)}
	// The 250 is recorded (fsynced) before the message is removed: from
	// here on it is never sent again.
	if err := w.journal.record(d); err != nil {
		w.log.Error("cannot record a delivery; the message may be sent again", "id", j.id, "err", err)
	} else {
		w.removeDelivered(j.id)
	}
	w.pace.done(rcpts, &d)
	w.setInflight(j.id, false)
	w.log.Info("delivered", "id", j.id, "from", from, "recipients", rcpts, "reply", d.Reply,
		"took", w.now().Sub(began).Round(time.Millisecond))
	return true
}

// removeDelivered removes a delivered message and its state.
func (w *Worker) removeDelivered(id string) {
	_ = os.Remove(w.s.queuePath(id))
	_ = os.Remove(w.s.statePath(id))
	_ = syncDir(filepath.Join(w.s.dir, queueDir))
}

// attemptFailed records a failed transaction: 5xx moves the message to
// failed/, anything else is retried later (or given up after GiveUpAfter).
func (w *Worker) attemptFailed(j job, err error) {
	now := w.now()
	it, gerr := w.s.item(j.id, false)
	if gerr != nil {
		return
	}
	st := it.State
	st.Attempts++
	st.LastAttempt = now.UTC()
	st.Problem = diagnosisOf(err)
	st.LastError = lastErrorLine(st.Problem, err)
	code := mailer.ReplyCode(err)
	w.setLastFailure(j.id, st.Problem)
	switch {
	case code >= 500:
		w.log.Warn("refused; moved to failed/", "id", j.id, "code", code, "err", st.LastError)
		if err := w.s.fail(j.id, st); err != nil {
			w.log.Error("cannot move a refused message to failed/", "id", j.id, "err", err)
		}
		return
	case now.Sub(it.Envelope.Received) >= w.lim.GiveUpAfter:
		w.giveUp(j.id, st)
		return
	}
	st.NextAttempt = now.Add(w.backoff(st.Attempts)).UTC()
	w.log.Warn("temporary failure; will retry", "id", j.id, "code", code, "attempts", st.Attempts,
		"next", st.NextAttempt, "err", st.LastError)
	if err := w.s.writeState(j.id, st); err != nil {
		w.log.Error("cannot record an attempt", "id", j.id, "err", err)
	}
}

// sessionFailed handles a session that could not start (token, connect,
// TLS, AUTH): the message is not charged with it; the queue is held with
// backoff and the cause shown by pimmail status. Nothing is bounced.
func (w *Worker) sessionFailed(j job, err error) {
	w.pace.done(len(j.env.To), nil)
	w.setInflight(j.id, false)
	var te *tokenError
	signIn := errors.As(err, &te) && !isNetworkProblem(err)
	w.mu.Lock()
	if w.holdWait == 0 {
		w.holdWait = w.lim.FirstRetry
	} else {
		w.holdWait = min(w.holdWait*2, w.lim.MaxRetry)
	}
	w.hold = w.now().Add(jitter(w.holdWait))
	if w.status.Held == nil {
		w.status.HeldSince = w.now().UTC()
	}
	w.status.Held = diagnosisOf(err)
	w.status.SignInAgain = signIn
	w.mu.Unlock()
	w.log.Warn("cannot start an SMTP session; messages stay queued", "err", oneLine(err.Error()), "sign_in_again", signIn)
	w.saveStatus()
	if signIn {
		// Our own sign-in problem: nothing is charged, nothing given up.
		return
	}
	// The server or the network: the message that could not go is charged
	// with the attempt, and every message queued longer than GiveUpAfter
	// is given up (their age is in their IDs).
	now := w.now()
	if it, ierr := w.s.item(j.id, false); ierr == nil {
		st := it.State
		st.Attempts++
		st.LastAttempt = now.UTC()
		st.Problem = diagnosisOf(err)
		st.LastError = lastErrorLine(st.Problem, err)
		if werr := w.s.writeState(j.id, st); werr != nil {
			w.log.Error("cannot record an attempt", "id", j.id, "err", werr)
		}
	}
	ids, _ := w.s.queuedIDs()
	for _, id := range ids {
		if at, ok := idTime(id); !ok || now.Sub(at) < w.lim.GiveUpAfter || w.isInflight(id) {
			continue
		}
		it, ierr := w.s.item(id, false)
		if ierr != nil || now.Sub(it.Envelope.Received) < w.lim.GiveUpAfter {
			continue
		}
		st := it.State
		st.Problem = diagnosisOf(err)
		st.LastError = lastErrorLine(st.Problem, err)
		w.giveUp(id, st)
	}
}

// giveUp moves a message that failed temporarily for GiveUpAfter to failed/.
func (w *Worker) giveUp(id string, st State) {
	last := st.Problem
	st.Problem = &Diagnosis{
		Title:       "The message could not be delivered for " + w.lim.GiveUpAfter.String() + " and was given up",
		Explanation: "Every attempt failed temporarily. The last one: " + st.LastError,
		Fix:         "Fix the cause shown by pimmail status, then run: pimmail queue retry " + id,
		Raw:         st.LastError,
	}
	if last != nil && last.Fix != "" {
		st.Problem.Fix = last.Fix + "\nThen run: pimmail queue retry " + id
	}
	w.log.Warn("given up", "id", id, "err", st.LastError)
	if err := w.s.fail(id, st); err != nil {
		w.log.Error("cannot move a message to failed/", "id", id, "err", err)
	}
}

// idTime is when a message was queued, from its ID.
func idTime(id string) (time.Time, bool) {
	if !ValidID(id) {
		return time.Time{}, false
	}
	ns, err := strconv.ParseInt(id[:16], 16, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(0, ns), true
}

func (w *Worker) clearHold() {
	w.mu.Lock()
	changed := w.status.Held != nil
	w.holdWait, w.hold = 0, time.Time{}
	w.status.Held, w.status.SignInAgain, w.status.HeldSince = nil, false, time.Time{}
	w.mu.Unlock()
	if changed {
		w.saveStatus()
	}
}

func (w *Worker) holdUntil() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.hold
}

func (w *Worker) setLastFailure(id string, d *Diagnosis) {
	w.mu.Lock()
	w.status.LastFailure, w.status.LastFailureID, w.status.LastFailureAt = d, id, w.now().UTC()
	w.mu.Unlock()
	w.saveStatus()
}

// saveStatus writes status.json for pimmail status (best effort).
func (w *Worker) saveStatus() {
	w.mu.Lock()
	st := w.status
	w.mu.Unlock()
	if err := writeJSON(filepath.Join(w.s.dir, statusName), st); err != nil {
		w.log.Warn("cannot write the worker status", "err", err)
	}
}

// backoff is the wait after the n-th failed attempt: FirstRetry doubling
// up to MaxRetry, with ±20% jitter so that many messages failed together
// do not come back together.
func (w *Worker) backoff(n int) time.Duration {
	d := w.lim.FirstRetry
	for i := 1; i < n && d < w.lim.MaxRetry; i++ {
		d *= 2
	}
	return jitter(min(d, w.lim.MaxRetry))
}

func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

func (w *Worker) isInflight(id string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.inflight[id]
}

func (w *Worker) inflightCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.inflight)
}

func (w *Worker) setInflight(id string, on bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if on {
		w.inflight[id] = true
	} else {
		delete(w.inflight, id)
	}
}

// diagnosisOf keeps a problem's words (or an error's text) for the spool.
func diagnosisOf(err error) *Diagnosis {
	if p, ok := diagnose.As(err); ok {
		return &Diagnosis{Title: p.Title, Explanation: p.Explanation, Fix: p.Fix, Raw: p.Raw}
	}
	return &Diagnosis{Title: "Delivery failed", Raw: diagnose.Redact(err.Error())}
}

// lastErrorLine is a failure in one line for pimmail queue: the server's
// reply when there was one (what the admin searches for), else the title.
func lastErrorLine(d *Diagnosis, err error) string {
	if d != nil && len(d.Raw) > 4 && d.Raw[0] >= '2' && d.Raw[0] <= '5' {
		first, _, _ := strings.Cut(d.Raw, "\n")
		return oneLine(first)
	}
	if d != nil && d.Title != "" {
		return oneLine(d.Title + ": " + d.Raw)
	}
	return oneLine(err.Error())
}

// isNetworkProblem reports a failure to reach Entra ID (not a refusal).
func isNetworkProblem(err error) bool {
	p, ok := diagnose.As(err)
	return ok && (strings.HasPrefix(string(p.Code), "net.") || strings.HasPrefix(string(p.Code), "tls."))
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\r", " ")), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

const statusName = "status.json"

func writeJSON(path string, v any) error {
	b, err := jsonMarshal(v)
	if err != nil {
		return err
	}
	return secfile.WriteFile(path, b)
}

// ReadWorkerStatus reads status.json (the last worker's state).
func (s *Spool) ReadWorkerStatus() (WorkerStatus, error) {
	var st WorkerStatus
	err := readJSON(filepath.Join(s.dir, statusName), &st)
	return st, err
}
