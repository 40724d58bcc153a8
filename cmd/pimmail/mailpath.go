package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/pimmail/pimmail/queue"
)

// mailPathStatus is pimmail status's account of the mail path: the relay,
// the delivery worker, the queue, the last delivery and failure, and the
// sending rate against Exchange Online's limits.
func mailPathStatus(out *lines, configPath string) {
	out.blank()
	out.line("Mail path (pimmail send, pimmail relay)")
	if _, err := os.Stat(queue.Dir(configPath)); errors.Is(err, fs.ErrNotExist) {
		out.item("Queue", "no spool yet: nothing was sent through pimmail send or pimmail relay")
		return
	}
	sp, err := queue.Open(queue.Dir(configPath))
	if err != nil {
		out.item("Spool", "cannot be used: "+err.Error())
		return
	}
	if rs, ok := sp.ReadRelayState(); ok && rs.PID > 0 && processAlive(rs.PID) {
		out.item("Relay", fmt.Sprintf("listening on %s (process %d, since %s)", rs.Listen, rs.PID, when(rs.Started)))
	} else {
		out.item("Relay", "not running (programs that only speak SMTP need: pimmail relay)")
	}
	running, pid := sp.WorkerRunning()
	ws, wsErr := sp.ReadWorkerStatus()
	switch {
	case running && pid > 0:
		out.item("Worker", fmt.Sprintf("delivering (process %d)", pid))
	case running:
		out.item("Worker", "delivering")
	default:
		out.item("Worker", "not running (pimmail send starts one when mail is queued)")
	}
	items, _ := sp.List()
	q, failed := 0, 0
	var oldest time.Time
	for _, it := range items {
		if it.Failed {
			failed++
			continue
		}
		q++
		if oldest.IsZero() || it.Envelope.Received.Before(oldest) {
			oldest = it.Envelope.Received
		}
	}
	qText := fmt.Sprintf("%d queued", q)
	if q > 0 {
		qText += ", the oldest " + age(time.Since(oldest)) + " old"
	}
	qText += fmt.Sprintf("; %d failed (pimmail queue lists them)", failed)
	out.item("Queue", qText)
	if wsErr == nil && ws.Held != nil && (running || q > 0) {
		if ws.SignInAgain {
			out.item("Held", "sign in again: run pimmail ("+ws.Held.Title+"); the messages stay queued")
		} else {
			out.item("Held", ws.Held.Title+"; the messages stay queued and are retried")
		}
		if ws.Held.Fix != "" {
			out.item("Fix", ws.Held.Fix)
		}
	}
	ds, _ := sp.Deliveries()
	now := time.Now()
	minute, dayRcpts := 0, 0
	for _, d := range ds {
		if now.Sub(d.At) < time.Minute {
			minute++
		}
		if now.Sub(d.At) < 24*time.Hour {
			dayRcpts += d.Recipients
		}
	}
	if len(ds) > 0 {
		last := ds[len(ds)-1]
		out.item("Last delivery", fmt.Sprintf("%s, %s: %s", when(last.At), last.ID, last.Reply))
	} else {
		out.item("Last delivery", "none recorded")
	}
	if wsErr == nil && ws.LastFailure != nil {
		out.item("Last failure", fmt.Sprintf("%s, %s: %s", when(ws.LastFailureAt), ws.LastFailureID, ws.LastFailure.Title))
		if ws.LastFailure.Fix != "" {
			out.item("Fix", ws.LastFailure.Fix)
		}
	}
	perMin, perDay := queue.MaxPerMinute, queue.MaxRecipientsPerDay
	if wsErr == nil && ws.Limits.PerMinute > 0 {
		perMin, perDay = ws.Limits.PerMinute, ws.Limits.RecipientsPerDay
	}
	out.item("Sent", fmt.Sprintf("%d in the last minute (limit %d); %d recipients in the last 24 hours (limit %d)", minute, perMin, dayRcpts, perDay))
}
