package console

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/resyncbot/resyncbot/chat"
)

// PanelSource is what the side panel shows: per environment, its live data,
// what Restore can return to, the running job, the last jobs and the
// notices users were sent. The console asks for it again whenever a message
// changes and whenever PanelChanged is called.
type PanelSource interface {
	Panel(ctx context.Context) (Panel, error)
}

// PanelFunc adapts a function to PanelSource.
type PanelFunc func(ctx context.Context) (Panel, error)

// Panel calls f.
func (f PanelFunc) Panel(ctx context.Context) (Panel, error) { return f(ctx) }

// Panel is the side panel: one section per environment.
type Panel struct {
	Envs []EnvPanel
}

// EnvPanel is one environment's section of the side panel.
type EnvPanel struct {
	Name       string
	Label      string
	Colour     string
	Production bool
	// Channel is the env's ops channel: panel buttons act there, so their
	// answers appear there.
	Channel string
	// Preparing, when set, says the environment is not ready yet and why
	// ("loading the demo data").
	Preparing string
	Live      *Generation
	// Earlier lists the generations before the live one, newest first.
	Earlier []Generation
	Running *RunningJob
	// Jobs are the last jobs, newest first.
	Jobs []JobLine
	// Notices are the latest user-facing notices, newest first, as users
	// read them in the status channels.
	Notices []chat.Message
	// Error says why part of the section could not be read.
	Error string
}

// Generation is one state of an environment's data.
type Generation struct {
	ID string
	// Time is when it was made live.
	Time   time.Time
	Action string
	By     string
	Docs   int64
	Pruned bool
	// Restore is the button that makes it live again, if one does.
	Restore *chat.Button
	// Command is the command that makes it live again, when no button
	// does (the page sends it in Channel).
	Command string
}

// RunningJob is the job holding an environment.
type RunningJob struct {
	ID        string
	Requester string
	Stage     string
	Bars      []chat.Bar
	Abort     *chat.Button
}

// JobLine is one past job.
type JobLine struct {
	ID        string
	State     string
	Requester string
	Reason    string
	Created   time.Time
	Duration  time.Duration
	Written   int64
}

// The panel as the page receives it.
type (
	wirePanel struct {
		Envs  []wireEnv `json:"envs"`
		Error string    `json:"error,omitempty"`
	}
	wireEnv struct {
		Name       string        `json:"name"`
		Label      string        `json:"label"`
		Colour     string        `json:"colour,omitempty"`
		Production bool          `json:"production,omitempty"`
		Channel    string        `json:"channel,omitempty"`
		Preparing  string        `json:"preparing,omitempty"`
		Live       *wireGen      `json:"live,omitempty"`
		Earlier    []wireGen     `json:"earlier"`
		Running    *wireRunning  `json:"running,omitempty"`
		Jobs       []wireJob     `json:"jobs"`
		Notices    []wireMessage `json:"notices"`
		Error      string        `json:"error,omitempty"`
	}
	wireGen struct {
		ID      string      `json:"id"`
		Time    time.Time   `json:"time"`
		Action  string      `json:"action"`
		By      string      `json:"by,omitempty"`
		Docs    int64       `json:"docs"`
		Pruned  bool        `json:"pruned,omitempty"`
		Restore *wireButton `json:"restore,omitempty"`
	}
	wireRunning struct {
		ID        string      `json:"id"`
		Requester string      `json:"requester"`
		Stage     string      `json:"stage"`
		Bars      []wireBar   `json:"bars"`
		Abort     *wireButton `json:"abort,omitempty"`
	}
	wireJob struct {
		ID        string    `json:"id"`
		State     string    `json:"state"`
		Requester string    `json:"requester"`
		Reason    string    `json:"reason,omitempty"`
		Created   time.Time `json:"created"`
		Seconds   float64   `json:"seconds"`
		Written   int64     `json:"written"`
	}
)

func panelWire(p Panel) wirePanel {
	w := wirePanel{Envs: []wireEnv{}}
	for _, e := range p.Envs {
		we := wireEnv{
			Name: e.Name, Label: e.Label, Colour: e.Colour, Production: e.Production, Channel: e.Channel,
			Preparing: e.Preparing, Earlier: []wireGen{}, Jobs: []wireJob{}, Notices: []wireMessage{}, Error: e.Error,
		}
		if e.Live != nil {
			g := genWire(*e.Live)
			we.Live = &g
		}
		for _, g := range e.Earlier {
			we.Earlier = append(we.Earlier, genWire(g))
		}
		if r := e.Running; r != nil {
			wr := &wireRunning{ID: r.ID, Requester: r.Requester, Stage: r.Stage, Bars: []wireBar{}}
			for _, b := range r.Bars {
				wr.Bars = append(wr.Bars, barWire(b))
			}
			if r.Abort != nil {
				b := buttonWire(*r.Abort)
				wr.Abort = &b
			}
			we.Running = wr
		}
		for _, j := range e.Jobs {
			we.Jobs = append(we.Jobs, wireJob{ID: j.ID, State: j.State, Requester: j.Requester, Reason: j.Reason,
				Created: j.Created, Seconds: j.Duration.Seconds(), Written: j.Written})
		}
		for _, m := range e.Notices {
			we.Notices = append(we.Notices, messageWire(m))
		}
		w.Envs = append(w.Envs, we)
	}
	return w
}

func genWire(g Generation) wireGen {
	w := wireGen{ID: g.ID, Time: g.Time, Action: g.Action, By: g.By, Docs: g.Docs, Pruned: g.Pruned}
	switch {
	case g.Restore != nil:
		b := buttonWire(*g.Restore)
		w.Restore = &b
	case g.Command != "":
		w.Restore = &wireButton{Label: textRestoreLabel, Command: g.Command}
	}
	return w
}

// panelTimeout bounds one read of the panel source.
const panelTimeout = 5 * time.Second

// PanelChanged tells the console that what the panel shows may have
// changed; the pages get the new panel shortly, once for a burst of calls.
func (c *Console) PanelChanged() {
	if c.panel == nil {
		return
	}
	c.mu.Lock()
	if c.panelSet || c.closed {
		c.mu.Unlock()
		return
	}
	c.panelSet = true
	c.mu.Unlock()
	time.AfterFunc(c.panelDelay, func() {
		c.mu.Lock()
		c.panelSet = false
		c.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), panelTimeout)
		defer cancel()
		c.refreshPanel(ctx)
	})
}

// refreshPanel reads the panel and pushes it to every page if it changed.
func (c *Console) refreshPanel(ctx context.Context) {
	c.panelMu.Lock()
	defer c.panelMu.Unlock()
	p, err := c.panel.Panel(ctx)
	w := panelWire(p)
	if err != nil {
		c.log.Warn().Err(err).Msg("console panel unavailable")
		w.Error = textPanelUnavailable + ": " + err.Error()
	}
	data, err := json.Marshal(w)
	if err != nil {
		c.log.Warn().Err(err).Msg("console panel unencodable")
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if bytes.Equal(data, c.lastPan) {
		return
	}
	c.lastPan = data
	f := frame(eventPanel, json.RawMessage(data))
	for s := range c.subs {
		c.send(s, f)
	}
}

// panelSnapshot returns the panel last read, as JSON (nil if none yet).
func (c *Console) panelSnapshot() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastPan
}

// handlePanel is GET /console/panel: the side panel, read now, as JSON.
func (c *Console) handlePanel() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c.panel == nil {
			writeJSON(w, http.StatusOK, wirePanel{Envs: []wireEnv{}})
			return
		}
		c.refreshPanel(r.Context())
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(c.panelSnapshot())
	})
}
