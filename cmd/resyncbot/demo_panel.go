package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/resyncbot/resyncbot/bot/console"
	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/config"
	"github.com/resyncbot/resyncbot/notify"
	"github.com/resyncbot/resyncbot/syncengine"
)

// How much of each environment's history the console's side panel shows.
const (
	panelEarlier = 5
	panelJobs    = 5
	panelNotices = 3
)

// demoPanel is the console's side panel, read from the engine and the
// notice outbox. It is also an engine subscriber: it keeps each running
// job's latest progress (the engine's Redis record is only as fresh as the
// last checkpoint) and tells the console when to show the panel again.
type demoPanel struct {
	cfg     *config.Config
	engine  *syncengine.Engine
	outbox  *notify.Outbox
	names   func(string) string
	changed func()

	mu        sync.Mutex
	latest    map[string]syncengine.Event // job id → its latest event, while it runs
	preparing map[string]string           // env → what is being done before it is ready
}

// newDemoPanel returns the panel of cfg's environments; demoConsole gives
// it the engine and the outbox as the replica is assembled.
func newDemoPanel(cfg *config.Config) *demoPanel {
	return &demoPanel{
		cfg:       cfg,
		names:     func(id string) string { return id },
		changed:   func() {},
		latest:    map[string]syncengine.Event{},
		preparing: map[string]string{},
	}
}

var (
	_ console.PanelSource   = (*demoPanel)(nil)
	_ syncengine.Subscriber = (*demoPanel)(nil)
)

// Publish keeps ev as its job's latest news and asks for the panel again.
func (p *demoPanel) Publish(ev syncengine.Event) {
	p.mu.Lock()
	if ev.Kind == syncengine.EventFinished {
		delete(p.latest, ev.JobID)
	} else {
		p.latest[ev.JobID] = ev
	}
	p.mu.Unlock()
	p.changed()
}

// setPreparing says what env is waiting for ("" when it is ready).
func (p *demoPanel) setPreparing(env, text string) {
	p.mu.Lock()
	if text == "" {
		delete(p.preparing, env)
	} else {
		p.preparing[env] = text
	}
	p.mu.Unlock()
	p.changed()
}

// Panel reads every environment's section.
func (p *demoPanel) Panel(ctx context.Context) (console.Panel, error) {
	var out console.Panel
	var errs []error
	for _, name := range p.cfg.EnvironmentOrder {
		ep, err := p.env(ctx, p.cfg.Environments[name])
		if err != nil {
			ep.Error = err.Error()
			errs = append(errs, err)
		}
		out.Envs = append(out.Envs, ep)
	}
	if ctx.Err() != nil {
		return out, errors.Join(errs...)
	}
	return out, nil
}

func (p *demoPanel) env(ctx context.Context, env *config.Environment) (console.EnvPanel, error) {
	style := notify.Style(env)
	ep := console.EnvPanel{
		Name: env.Name, Label: style.Label, Colour: env.Colour, Production: env.Production,
		Channel: env.OpsChannel.Console,
	}
	p.mu.Lock()
	ep.Preparing = p.preparing[env.Name]
	p.mu.Unlock()

	gens, err := p.engine.Generations(ctx, env.Name)
	if err != nil {
		return ep, err
	}
	if len(gens) > 0 {
		live := gens[0]
		g := p.generation(live)
		ep.Live = &g
		for _, old := range gens[1:min(len(gens), panelEarlier+1)] {
			g := p.generation(old)
			switch {
			case old.Pruned:
			case old.ID == live.Replaced:
				// The same button as on the job's summary: it undoes the live generation.
				b := notify.RestoreButton(env, live.ID)
				g.Restore = &b
			default:
				g.Command = fmt.Sprintf("/restore %s %s", env.Name, old.ID)
			}
			ep.Earlier = append(ep.Earlier, g)
		}
	}

	job, err := p.engine.Running(ctx, env.Name)
	if err != nil {
		return ep, err
	}
	if job != nil {
		ep.Running = p.running(env, job)
	}

	jobs, err := p.engine.History(ctx, env.Name, panelJobs)
	if err != nil {
		return ep, err
	}
	for _, j := range jobs {
		ep.Jobs = append(ep.Jobs, console.JobLine{
			ID: j.ID, State: string(j.State), Requester: p.names(j.Requester), Reason: j.Reason,
			Created: j.Created, Duration: j.Duration(time.Now()), Written: j.Written,
		})
	}

	notices, err := p.outbox.Recent(ctx, env.Name, panelNotices)
	if err != nil {
		return ep, err
	}
	for _, n := range notices {
		ep.Notices = append(ep.Notices, notify.NoticeMessage(env, n))
	}
	return ep, nil
}

func (p *demoPanel) generation(g *syncengine.Generation) console.Generation {
	var docs int64
	for _, n := range g.Counts {
		docs += n
	}
	by := g.By
	if by != "" {
		by = p.names(by)
	}
	return console.Generation{ID: g.ID, Time: g.Time, Action: g.Action, By: by, Docs: docs, Pruned: g.Pruned}
}

// running describes the job holding env: its bars and Abort button are the
// ones its chat message shows, rendered by notify from its latest event.
func (p *demoPanel) running(env *config.Environment, j *syncengine.Job) *console.RunningJob {
	p.mu.Lock()
	ev, ok := p.latest[j.ID]
	p.mu.Unlock()
	if !ok {
		ev = syncengine.Event{Kind: syncengine.EventStage, JobID: j.ID, Env: env.Name, State: j.State, Stage: j.Stage, Job: *j}
	}
	m := notify.JobMessage(env, ev, p.names)
	r := &console.RunningJob{ID: j.ID, Requester: p.names(j.Requester), Stage: stageText(ev.Stage), Bars: m.Bars}
	if len(r.Bars) == 0 && j.Total > 0 {
		r.Bars = []chat.Bar{{Label: textAllIndexes, Done: j.Written, Total: j.Total}}
	}
	for _, b := range m.Buttons {
		if b.ActionID == notify.ActionAbort {
			r.Abort = &b
		}
	}
	return r
}
