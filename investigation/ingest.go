package investigation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/freezeframe/freezeframe/casefile"
	"github.com/freezeframe/freezeframe/ingest"
)

// ingestLogs ingests opts.Logs in order, each of which must ingest.
func ingestLogs(ctx context.Context, c *casefile.Case, opts Options, log *slog.Logger) ([]*ingest.LogResult, error) {
	logOpts := ingest.LogOptions{Format: opts.LogFormat, ToolVersion: opts.ToolVersion, Logger: log, Progress: opts.LogProgress}
	var results []*ingest.LogResult
	for _, path := range opts.Logs {
		res, err := ingest.Logs(ctx, c, path, logOpts)
		if err != nil {
			return nil, err
		}
		log.Info("log ingested", "path", path, "format", res.Format, "lines", res.LinesRead, "rejected", res.Rejected, "sha256", res.SHA256)
		results = append(results, res)
	}
	return results, nil
}

// ingestSnapshot ingests opts.Snapshot with snapOpts, to which it adds
// what opts say, drawing its progress with stepProgress if set.
func ingestSnapshot(ctx context.Context, c *casefile.Case, opts Options, log *slog.Logger, snapOpts ingest.SnapshotOptions,
	stepProgress func(job string) (func(step string, done, total int), func())) (*ingest.SnapshotResult, error) {
	snapOpts.Schema, snapOpts.Evidence, snapOpts.ToolVersion, snapOpts.Logger = opts.Schema, opts.Evidence, opts.ToolVersion, log
	snapDone := func() {}
	if stepProgress != nil {
		snapOpts.Progress, snapDone = stepProgress("snapshot")
	}
	snap, err := ingest.Snapshot(ctx, c, opts.Snapshot, snapOpts)
	snapDone() // before analyze draws its own bar
	if err != nil {
		return nil, err
	}
	for _, t := range snap.Missing {
		log.Warn("the snapshot has no such table; steps that need it will say they were skipped", "table", t)
	}
	log.Info("snapshot ingested", "path", snap.Path, "tables", len(snap.Tables))
	return snap, nil
}

// ingestBoth ingests the logs and the snapshot at once, on two connections
// of the case: they are independent until analyze. What it writes and
// says is what ingesting the logs, then the snapshot, would: the snapshot
// numbers its files after the logs' (ingest.SnapshotOptions.SourceIDFrom)
// and commits after them, and its log records and progress are held until
// the logs are in. If either fails, the other is stopped and only the
// failing one's records are shown, with its error.
func ingestBoth(ctx context.Context, c *casefile.Case, opts Options, log *slog.Logger) ([]*ingest.LogResult, *ingest.SnapshotResult, error) {
	second, err := c.DB.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("case %s: %w", c.Path, err)
	}
	defer func() { _ = second.Close() }() // its transaction ended; nothing is left to write
	snapCase := &casefile.Case{Path: c.Path, DB: c.DB, Conn: second}

	ctx, stop := context.WithCancel(ctx)
	defer stop()
	logsRecords, snapRecords := newHeldLog(log.Handler()), newHeldLog(log.Handler())
	snapProgress := &heldProgress{}
	logsDone := make(chan error, 1) // nil once every log is in
	var snap *ingest.SnapshotResult
	var snapErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		snapOpts := ingest.SnapshotOptions{
			// Each log file takes one id; the snapshot's files come after.
			SourceIDFrom: int32(len(opts.Logs)) + 1,
			BeforeCommit: func(ctx context.Context) error {
				select {
				case err := <-logsDone:
					if err != nil {
						return errLogsFailed
					}
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			},
		}
		var stepProgress func(string) (func(string, int, int), func())
		if opts.StepProgress != nil {
			stepProgress = snapProgress.hold(opts.StepProgress)
		}
		snap, snapErr = ingestSnapshot(ctx, snapCase, opts, slog.New(snapRecords), snapOpts, stepProgress)
		if snapErr != nil && !errors.Is(snapErr, ingest.ErrSourceIDsTaken) {
			stop() // the logs' ingest need not go on
		}
	})
	logs, logsErr := ingestLogs(ctx, c, opts, slog.New(logsRecords))
	if logsErr != nil {
		stop()
	}
	logsDone <- logsErr
	wg.Wait()

	logsFailedFirst := logsErr != nil && (snapErr == nil || errors.Is(snapErr, errLogsFailed) || errors.Is(snapErr, context.Canceled))
	switch {
	case logsFailedFirst:
		logsRecords.release()
		return nil, nil, logsErr
	case snapErr != nil && !errors.Is(snapErr, ingest.ErrSourceIDsTaken):
		snapRecords.release()
		return nil, nil, snapErr
	}
	logsRecords.release()
	if snapErr != nil {
		// The logs took other ids than one a file (a file given twice is
		// ingested once): the snapshot is read again after them, as it
		// would have been.
		snapRecords.drop()
		snap, err := ingestSnapshot(ctx, c, opts, log, ingest.SnapshotOptions{}, opts.StepProgress)
		return logs, snap, err
	}
	snapProgress.release()
	snapRecords.release()
	return logs, snap, nil
}

// errLogsFailed stops the snapshot, which waits for the logs before it
// commits, when they failed.
var errLogsFailed = errors.New("the logs failed to ingest")

// heldLog is a slog.Handler that keeps the records it is given until
// release, which hands them, and every later one, to the handler it wraps.
type heldLog struct {
	next  slog.Handler
	queue *recordQueue
}

type recordQueue struct {
	mu       sync.Mutex
	held     []heldRecord
	released bool
}

type heldRecord struct {
	h slog.Handler
	r slog.Record
}

func newHeldLog(next slog.Handler) heldLog {
	return heldLog{next: next, queue: &recordQueue{}}
}

func (h heldLog) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h heldLog) Handle(ctx context.Context, r slog.Record) error {
	q := h.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.released {
		return h.next.Handle(ctx, r)
	}
	q.held = append(q.held, heldRecord{h: h.next, r: r.Clone()})
	return nil
}

func (h heldLog) WithAttrs(attrs []slog.Attr) slog.Handler {
	return heldLog{next: h.next.WithAttrs(attrs), queue: h.queue}
}

func (h heldLog) WithGroup(name string) slog.Handler {
	return heldLog{next: h.next.WithGroup(name), queue: h.queue}
}

// release writes the records held, in order, and lets later ones through.
func (h heldLog) release() {
	q := h.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, hr := range q.held {
		_ = hr.h.Handle(context.Background(), hr.r) // as slog.Logger does, a failed write is not the caller's
	}
	q.held, q.released = nil, true
}

// drop forgets the records held.
func (h heldLog) drop() {
	q := h.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	q.held = nil
}

// heldProgress keeps a job's progress undrawn until release, so that one
// bar is drawn at a time: the snapshot's after the logs'.
type heldProgress struct {
	mu       sync.Mutex
	newBar   func(job string) (func(step string, done, total int), func())
	job      string
	last     func(draw func(string, int, int))
	draw     func(step string, done, total int)
	finish   func()
	finished bool
	released bool
}

// hold wraps a StepProgress function.
func (p *heldProgress) hold(stepProgress func(job string) (func(step string, done, total int), func())) func(job string) (func(step string, done, total int), func()) {
	return func(job string) (func(step string, done, total int), func()) {
		p.mu.Lock()
		p.newBar, p.job = stepProgress, job
		p.mu.Unlock()
		return func(step string, done, total int) {
				p.mu.Lock()
				defer p.mu.Unlock()
				if p.released {
					p.draw(step, done, total)
					return
				}
				p.last = func(draw func(string, int, int)) { draw(step, done, total) }
			}, func() {
				p.mu.Lock()
				defer p.mu.Unlock()
				if p.released && p.finish != nil {
					p.finish()
				}
				p.finished = true
			}
	}
}

// release draws the bar at the step it reached, if the job is still going.
func (p *heldProgress) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.released = true
	if p.newBar == nil || p.finished {
		return
	}
	p.draw, p.finish = p.newBar(p.job)
	if p.last != nil {
		p.last(p.draw)
	}
}
