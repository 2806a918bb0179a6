package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resyncbot/resyncbot/internal/discordfake"
	"github.com/resyncbot/resyncbot/internal/esemu"
	"github.com/resyncbot/resyncbot/internal/redistest"
	"github.com/resyncbot/resyncbot/internal/slackfake"
	"github.com/resyncbot/resyncbot/internal/teamsfake"
)

// Slack identities of the story's people and channels.
const (
	uAlice, uBob, uCarol, uDave, uErin = "UALICE001", "UBOB00001", "UCAROL001", "UDAVE0001", "UERIN0001"
	cProd, cStaging, cRandom, cStatus  = "CPRODOPS1", "CSTAGOPS1", "CRANDOM01", "CSTATUS01"
	signingSecret                      = "story-signing-secret-0123456789"
)

// stack is Elasticsearch (emulated), Redis, Slack (fake) and a config file:
// everything a resyncbot replica needs.
type stack struct {
	t      *testing.T
	es     *esemu.Emulator
	esURL  string
	redis  *redistest.Redis
	slack  *slackfake.Server
	teams  *teamsfake.Server
	driver *slackfake.Driver
	dc     *discordfake.Server
	dcd    *discordfake.Driver
	config string
}

type stackOpts struct {
	prodDocs    int
	approvalTTL string
	// noDiscordOps leaves prod without an ops channel on Discord.
	noDiscordOps bool
	// restoreApprovals is prod's approvals.restore (default 0).
	restoreApprovals int
}

// Discord identities: Alice and Bob are the same people as on Slack.
const (
	dAlice, dBob, dCarol = "1500000000000000101", "1500000000000000102", "1500000000000000103"
	dProd                = "1600000000000000001"
)

const storyYAML = `
redis: {url: "%[1]s", prefix: "%[2]s"}
server: {handler_timeout: 20s, recover_interval: 200ms, lock_ttl: 1s, expire_interval: 100ms}
notify: {progress_interval: 200ms}
people:
  alice: {name: Alice, slack: %[3]s, discord: "%[20]s"}
  bob:   {name: Bob, slack: %[4]s, discord: "%[21]s"}
  carol: {name: Carol, slack: %[5]s, discord: "%[22]s"}
  dave:  {name: Dave, slack: %[6]s}
  erin:  {name: Erin, slack: %[7]s}
roles:
  engineers: {people: [alice, carol]}
  approvers: {people: [bob, erin, alice]}
platforms:
  slack: {bot_token: "%[8]s", signing_secret: "%[9]s", api_url: "%[10]s"}
  teams: {webhooks: {users: "%[17]s"}}
  discord: {application_id: "%[23]s", public_key: "%[24]s", bot_token: "%[25]s", api_url: "%[26]s"}
environments:
  prod:
    label: Production
    production: true
    colour: "#d40000"
    require_reason: true
    approvals: {resync: 1, restore: %[27]d}
    approval_ttl: %[14]s
    ops_channel: {slack: %[11]s, discord: "%[19]s"}
    status_channels: {slack: [%[18]s], teams: [users]}
    elasticsearch: {urls: ["%[12]s"]}
    batch_size: 200
    indexes:
      - alias: masterdoctorindex
        mapping: %[13]s/masterdoctorindex.json
        source: {type: generate, count: %[15]d, kind: doctor}
        transform: {id_field: gmcReferenceNumber}
        required_fields: [gmcReferenceNumber]
  staging:
    ops_channel: {slack: %[16]s}
    elasticsearch: {urls: ["%[12]s"]}
    indexes:
      - alias: stagingdoctors
        mapping: %[13]s/masterdoctorindex.json
        source: {type: generate, count: 500, kind: doctor}
        transform: {id_field: gmcReferenceNumber}
`

func newStack(t *testing.T, o stackOpts) *stack {
	t.Helper()
	if o.prodDocs == 0 {
		o.prodDocs = 2000
	}
	if o.approvalTTL == "" {
		o.approvalTTL = "30m"
	}
	s := &stack{t: t, es: esemu.New(), redis: redistest.New(t)}
	srv := httptest.NewServer(s.es)
	t.Cleanup(srv.Close)
	s.esURL = srv.URL
	s.slack = slackfake.New(t)
	s.teams = teamsfake.New(t, "users")
	s.dc = discordfake.New(t)
	s.dc.AddChannel(dProd, "ops-prod")
	s.dcd = discordfake.NewDriver(s.dc)
	for _, c := range []string{cProd, cStaging, cRandom, cStatus} {
		s.slack.AddChannel(c, strings.ToLower(c))
	}
	s.driver = slackfake.NewDriver(signingSecret, slackfake.WithServer(s.slack))
	mappings, _ := filepath.Abs("../../examples/mappings")
	s.config = filepath.Join(t.TempDir(), "story.yaml")
	writeFile(t, s.config, fmt.Sprintf(storyYAML, s.redis.URL, s.redis.Prefix, uAlice, uBob, uCarol, uDave, uErin,
		s.slack.Token(), signingSecret, s.slack.URL(), cProd, s.esURL, mappings, o.approvalTTL, o.prodDocs, cStaging, s.teams.URL("users"), cStatus,
		discordOps(o), dAlice, dBob, dCarol, s.dc.AppID(), s.dcd.PublicKey(), s.dc.Token(), s.dc.URL(), o.restoreApprovals))
	return s
}

// replica is one `resyncbot serve` running in this process.
type replica struct {
	url    string
	cancel context.CancelFunc
	done   chan error
}

// startReplica runs `resyncbot serve` on a free port and waits for /healthz.
func (s *stack) startReplica() *replica {
	s.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	r := &replica{cancel: cancel, done: make(chan error, 1)}
	var stderr syncBuffer
	go func() {
		err := run(ctx, []string{"--log-level", "warn", "serve", "--config", s.config, "--addr", "127.0.0.1:0"}, func(string) string { return "" }, pw, &stderr)
		pw.Close()
		r.done <- err
	}()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if i := strings.Index(sc.Text(), "http://"); i >= 0 {
			r.url = sc.Text()[i:]
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if r.url == "" {
		cancel()
		s.t.Fatalf("replica did not start: %v\n%s", <-r.done, stderr.String())
	}
	s.t.Cleanup(r.stop)
	s.eventually(5*time.Second, "replica healthy", func() bool {
		res, err := http.Get(r.url + "/healthz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
	return r
}

func (r *replica) stop() {
	r.cancel()
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
	}
}

// slash sends a signed slash command to replica r and expects a quick 200.
func (s *stack) slash(r *replica, user, channel, command, text string) {
	s.t.Helper()
	res, body, err := s.driver.SlashCommand(context.Background(), r.url+"/slack/commands", slackfake.Slash{
		Command: command, Text: text, UserID: user, UserName: strings.ToLower(user), ChannelID: channel, ChannelName: strings.ToLower(channel),
	})
	if err != nil {
		s.t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		s.t.Fatalf("%s %s: HTTP %d %s", command, text, res.StatusCode, body)
	}
}

// click clicks the button actionID of message m as user, through replica r.
func (s *stack) click(r *replica, user string, m slackfake.Message, actionID string) {
	s.t.Helper()
	b, ok := m.Button(actionID)
	if !ok {
		s.t.Fatalf("message %s has no %q button: %v", m.TS, actionID, m.ActionIDs())
	}
	res, body, err := s.driver.Click(context.Background(), r.url+"/slack/interactions", slackfake.Click{
		ActionID: b.ActionID, Value: b.Value, UserID: user, ChannelID: m.Channel, MessageTS: m.TS,
	})
	if err != nil {
		s.t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		s.t.Fatalf("click %s: HTTP %d %s", actionID, res.StatusCode, body)
	}
}

// clickStale clicks a button as a client still showing message m would,
// even after the message changed (Slack clients can lag behind an edit).
func (s *stack) clickStale(r *replica, user string, m slackfake.Message, actionID string) {
	s.t.Helper()
	b, ok := m.Button(actionID)
	if !ok {
		s.t.Fatalf("message %s has no %q button", m.TS, actionID)
	}
	res, body, err := slackfake.NewDriver(signingSecret).Click(context.Background(), r.url+"/slack/interactions", slackfake.Click{
		ActionID: b.ActionID, Value: b.Value, UserID: user, ChannelID: m.Channel, MessageTS: m.TS,
	})
	if err != nil {
		s.t.Error(err)
		return
	}
	if res.StatusCode != http.StatusOK {
		s.t.Errorf("click %s: HTTP %d %s", actionID, res.StatusCode, body)
	}
}

// waitMessage waits for a message in channel that contains every string.
func (s *stack) waitMessage(channel string, contains ...string) slackfake.Message {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	m, err := s.slack.WaitForMessage(ctx, channel, func(m slackfake.Message) bool {
		if m.Ephemeral || m.ThreadTS != "" && m.ThreadTS != m.TS {
			return false
		}
		for _, c := range contains {
			if !m.Contains(c) {
				return false
			}
		}
		return true
	})
	if err != nil {
		s.t.Fatalf("no message in %s containing %q: %v\nmessages: %s", channel, contains, err, s.dump(channel))
	}
	return m
}

// waitEphemeral waits for an ephemeral message to user containing text.
func (s *stack) waitEphemeral(user, text string) slackfake.Message {
	s.t.Helper()
	var found slackfake.Message
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := s.slack.WaitFor(ctx, func() bool {
		for _, m := range s.slack.Ephemerals(user) {
			if m.Contains(text) {
				found = m
				return true
			}
		}
		return false
	})
	if err != nil {
		var got []string
		for _, m := range s.slack.Ephemerals(user) {
			got = append(got, m.AllText())
		}
		s.t.Fatalf("no ephemeral to %s containing %q; got %q", user, text, got)
	}
	return found
}

func (s *stack) dump(channel string) string {
	var out []string
	for _, m := range s.slack.Messages(channel) {
		out = append(out, fmt.Sprintf("[%s] %s", m.TS, m.AllText()))
	}
	return strings.Join(out, "\n")
}

// eventually polls cond until it holds, failing after limit.
func (s *stack) eventually(limit time.Duration, what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// aliasTarget returns what alias points at in Elasticsearch.
func (s *stack) aliasTarget(alias string) string {
	s.t.Helper()
	res, err := http.Get(s.esURL + "/_alias/" + alias)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusNotFound {
		return ""
	}
	body, _ := io.ReadAll(res.Body)
	text := string(body)
	i := strings.Index(text, `"`)
	j := strings.Index(text[i+1:], `"`)
	return text[i+1 : i+1+j]
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// discordOps is prod's Discord ops channel in the story's config.
func discordOps(o stackOpts) string {
	if o.noDiscordOps {
		return ""
	}
	return dProd
}
