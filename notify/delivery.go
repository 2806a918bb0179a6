package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	slackapi "github.com/slack-go/slack"

	"github.com/resyncbot/resyncbot/chat"
	"github.com/resyncbot/resyncbot/config"
)

// Destination is one place notices go: a chat channel or a Teams webhook.
type Destination interface {
	// Key names the destination stably and without secrets, e.g.
	// "slack:C123" or "teams:users"; delivery is recorded under it.
	Key() string
	// Send delivers n once. A *RetryAfterError says when to try again, and
	// ErrPermanent that trying again is pointless.
	Send(ctx context.Context, n Notice) error
}

// ChatChannel is a status channel on a chat platform.
type ChatChannel struct {
	platform string
	channel  string
	chat     chat.Chat
	cfg      *config.Config
}

// NewChatChannel returns the destination for channel on platform (chat.Slack, …).
func NewChatChannel(platform, channel string, c chat.Chat, cfg *config.Config) *ChatChannel {
	return &ChatChannel{platform: platform, channel: channel, chat: c, cfg: cfg}
}

// Key is "{platform}:{channel}".
func (c *ChatChannel) Key() string { return c.platform + ":" + c.channel }

// Send posts n as NoticeMessage. A Slack rate limit that the chat client
// gave up waiting out becomes a *RetryAfterError.
func (c *ChatChannel) Send(ctx context.Context, n Notice) error {
	_, err := c.chat.Post(ctx, c.channel, NoticeMessage(c.cfg.Environments[n.Env], n))
	if err == nil {
		return nil
	}
	if after, ok := retryAfterOf(err); ok {
		return &RetryAfterError{Dest: c.Key(), After: after, Err: err}
	}
	return fmt.Errorf("%s: %w", c.Key(), err)
}

// retryAfterOf finds a "retry after" in err: ours, or slack-go's.
func retryAfterOf(err error) (time.Duration, bool) {
	var ra *RetryAfterError
	if errors.As(err, &ra) {
		return ra.After, true
	}
	var rl *slackapi.RateLimitedError
	if errors.As(err, &rl) {
		return rl.RetryAfter, true
	}
	return 0, false
}

// Delivery defaults.
const (
	// DefaultVisibility is how long a notice's worker may stay silent before
	// another takes the notice over.
	DefaultVisibility  = 30 * time.Second
	defaultPoll        = 2 * time.Second
	defaultSendTimeout = 30 * time.Second
	defaultBatch       = 16
	// maxBackoff caps the wait between two attempts at one destination.
	maxBackoff = 2 * time.Minute
	// maxRetryAfter caps how long a Retry-After may hold a destination.
	maxRetryAfter = 10 * time.Minute
	// maxErrorText bounds the last error kept per destination.
	maxErrorText = 500
)

// DeliveryOption tunes a Delivery.
type DeliveryOption func(*Delivery)

// WithClock sets the clock delivery times are recorded with.
func WithClock(now func() time.Time) DeliveryOption { return func(d *Delivery) { d.now = now } }

// WithSleep replaces the wait between attempts (tests record the waits
// instead of sleeping). It returns early with an error when ctx ends.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) DeliveryOption {
	return func(d *Delivery) { d.sleep = sleep }
}

// WithBackoff sets the wait after the given failed attempt (1-based), when
// the destination did not say how long to wait.
func WithBackoff(backoff func(attempt int) time.Duration) DeliveryOption {
	return func(d *Delivery) { d.backoff = backoff }
}

// WithVisibility sets how long a worker may hold a notice without renewing
// its lease before another worker takes it over (default DefaultVisibility).
func WithVisibility(v time.Duration) DeliveryOption { return func(d *Delivery) { d.visibility = v } }

// WithPoll sets how long one read of the outbox waits for new notices.
func WithPoll(p time.Duration) DeliveryOption { return func(d *Delivery) { d.poll = p } }

// WithConsumer names the worker in the outbox's consumer group. A restarted
// worker with the same name resumes its own notices at once; others are
// taken over once idle. Default: hostname-pid.
func WithConsumer(name string) DeliveryOption { return func(d *Delivery) { d.consumer = name } }

// WithSendTimeout bounds one attempt at one destination.
func WithSendTimeout(t time.Duration) DeliveryOption { return func(d *Delivery) { d.sendTimeout = t } }

// Delivery sends the outbox's notices to their environment's status
// channels. Any number of replicas may run it: the outbox is a Redis stream
// read through one consumer group, and each notice is worked on under a
// lease, so each is handled by one worker at a time and a silent worker's
// notices are taken over.
//
// Each destination has its own queue, served in order, so a slow or failing
// destination delays only its own later notices; notices reach each
// destination in the order they were queued.
type Delivery struct {
	cfg         *config.Config
	outbox      *Outbox
	chats       map[string]chat.Chat
	log         zerolog.Logger
	now         func() time.Time
	sleep       func(context.Context, time.Duration) error
	backoff     func(int) time.Duration
	visibility  time.Duration
	poll        time.Duration
	sendTimeout time.Duration
	consumer    string
	maxAttempts int

	// dests maps each environment to its destinations.
	dests   map[string][]Destination
	running atomic.Bool
}

// NewDelivery returns the delivery worker for cfg's status channels: chat
// channels through chats (by platform name) and Teams webhooks through
// httpClient (nil: a default one). Status channels on a platform without a
// chat are skipped, with a warning.
func NewDelivery(cfg *config.Config, outbox *Outbox, chats map[string]chat.Chat, httpClient *http.Client, log zerolog.Logger, opts ...DeliveryOption) *Delivery {
	d := &Delivery{
		cfg: cfg, outbox: outbox, chats: chats, log: log,
		now: time.Now, sleep: sleepCtx, backoff: Backoff,
		visibility: DefaultVisibility, poll: defaultPoll, sendTimeout: defaultSendTimeout,
		maxAttempts: cfg.Notify.MaxAttempts,
	}
	if d.maxAttempts <= 0 {
		d.maxAttempts = config.DefaultMaxAttempts
	}
	if host, err := os.Hostname(); err == nil {
		d.consumer = host + "-" + strconv.Itoa(os.Getpid())
	} else {
		d.consumer = "resyncbot-" + strconv.Itoa(os.Getpid())
	}
	for _, o := range opts {
		o(d)
	}
	d.dests = destinations(cfg, chats, httpClient, log)
	return d
}

// destinations builds every environment's destinations, sharing one per key.
func destinations(cfg *config.Config, chats map[string]chat.Chat, httpClient *http.Client, log zerolog.Logger) map[string][]Destination {
	byKey := map[string]Destination{}
	add := func(list []Destination, dst Destination) []Destination {
		if known, ok := byKey[dst.Key()]; ok {
			dst = known
		} else {
			byKey[dst.Key()] = dst
		}
		if slices.ContainsFunc(list, func(x Destination) bool { return x.Key() == dst.Key() }) {
			return list
		}
		return append(list, dst)
	}
	out := map[string][]Destination{}
	for _, name := range envOrder(cfg) {
		env := cfg.Environments[name]
		var list []Destination
		for _, pc := range []struct {
			platform string
			channels []string
		}{{chat.Slack, env.StatusChannels.Slack}, {chat.Discord, env.StatusChannels.Discord}, {chat.Console, env.StatusChannels.Console}} {
			if len(pc.channels) == 0 {
				continue
			}
			c := chats[pc.platform]
			if c == nil {
				log.Warn().Str("env", name).Str("platform", pc.platform).Msg("status channels on a platform that is not running; notices will not go there")
				continue
			}
			for _, ch := range pc.channels {
				list = add(list, NewChatChannel(pc.platform, ch, c, cfg))
			}
		}
		for _, hook := range env.StatusChannels.Teams {
			if cfg.Platforms.Teams == nil || cfg.Platforms.Teams.Webhooks[hook] == "" {
				log.Warn().Str("env", name).Str("webhook", hook).Msg("teams webhook has no URL; notices will not go there")
				continue
			}
			list = add(list, NewTeamsWebhook(hook, cfg.Platforms.Teams.Webhooks[hook], cfg, httpClient))
		}
		out[name] = list
	}
	return out
}

// Destinations returns the keys of env's destinations, in delivery order.
func (d *Delivery) Destinations(env string) []string {
	var keys []string
	for _, dst := range d.dests[env] {
		keys = append(keys, dst.Key())
	}
	return keys
}

// Backoff is the default wait after a failed attempt: 1 s, doubling, capped
// at two minutes, with ±20 % jitter so replicas do not retry in step.
func Backoff(attempt int) time.Duration {
	base := float64(time.Second) * math.Pow(2, float64(max(attempt, 1)-1))
	base = min(base, float64(maxBackoff))
	return time.Duration(base * (0.8 + 0.4*mrand.Float64()))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Run delivers notices until ctx ends: first those this consumer left
// pending (a restart), then, as they come, new ones and those of workers
// that went silent. On return, notices still in flight are left pending
// and their leases released, for the next worker. Run returns nil when ctx
// ends; it may run once at a time per Delivery.
func (d *Delivery) Run(ctx context.Context) error {
	if !d.running.CompareAndSwap(false, true) {
		return errors.New("notice delivery is already running")
	}
	defer d.running.Store(false)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	w := &worker{d: d, token: newToken(), lanes: map[string]*lane{}, inflight: map[string]*flight{}}
	fails := 0
	for {
		err := d.outbox.ensureGroup(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		fails++
		d.log.Warn().Err(err).Msg("notice outbox not ready; will retry")
		if d.sleep(ctx, Backoff(fails)) != nil {
			return nil
		}
	}
	w.wg.Add(1)
	go w.heartbeat(ctx)

	r := reader{own: "0", claim: "0-0"}
	fails = 0
	for ctx.Err() == nil {
		if err := w.read(ctx, &r); err != nil && ctx.Err() == nil {
			fails++
			d.log.Warn().Err(err).Msg("reading the notice outbox failed; will retry")
			_ = sleepCtx(ctx, Backoff(min(fails, 6)))
			continue
		}
		fails = 0
	}
	w.wg.Wait()
	w.releaseAll(ctx)
	return nil
}

// reader is where the worker is in the outbox.
type reader struct {
	// own is the next id of this consumer's own pending entries to read
	// again after a restart; "" once they are all read.
	own string
	// claim is XAUTOCLAIM's cursor over idle entries of any consumer.
	claim string
}

// worker is one Run: the notices in flight and a queue per destination.
type worker struct {
	d     *Delivery
	token string
	wg    sync.WaitGroup

	mu       sync.Mutex
	lanes    map[string]*lane
	inflight map[string]*flight
}

// flight is a notice this worker holds the lease of.
type flight struct {
	entry  string
	notice Notice
	env    *config.Environment

	mu          sync.Mutex
	remaining   int
	interrupted bool
	gaveUp      []string
	reported    bool
}

type outcome int

const (
	delivered outcome = iota
	gaveUp
	interrupted
)

type task struct {
	f    *flight
	dest Destination
}

// lane is one destination's queue; its goroutine sends in order.
type lane struct {
	mu   sync.Mutex
	q    []task
	wake chan struct{}
}

func (l *lane) push(t task) {
	l.mu.Lock()
	l.q = append(l.q, t)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// pop waits for the next task; false once ctx has ended.
func (l *lane) pop(ctx context.Context) (task, bool) {
	for {
		if ctx.Err() != nil {
			return task{}, false
		}
		l.mu.Lock()
		if len(l.q) > 0 {
			t := l.q[0]
			l.q = l.q[1:]
			l.mu.Unlock()
			return t, true
		}
		l.mu.Unlock()
		select {
		case <-ctx.Done():
		case <-l.wake:
		}
	}
}

func (l *lane) drain() []task {
	l.mu.Lock()
	defer l.mu.Unlock()
	q := l.q
	l.q = nil
	return q
}

// read takes over idle notices, then reads this consumer's own pending
// ones (once, after a start) or waits for new ones.
func (w *worker) read(ctx context.Context, r *reader) error {
	d := w.d
	rdb, stream := d.outbox.rdb, d.outbox.streamKey()
	msgs, next, err := rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: stream, Group: deliveryGroup, Consumer: d.consumer,
		MinIdle: d.visibility, Start: r.claim, Count: defaultBatch,
	}).Result()
	if err != nil {
		return fmt.Errorf("claim idle notices: %w", err)
	}
	r.claim = next
	for _, m := range msgs {
		w.take(ctx, m)
	}

	id, block := ">", d.poll
	if r.own != "" {
		id, block = r.own, -1
	}
	res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: deliveryGroup, Consumer: d.consumer, Streams: []string{stream, id},
		Count: defaultBatch, Block: block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		r.own = ""
		return nil
	}
	if err != nil {
		return fmt.Errorf("read notice outbox: %w", err)
	}
	var got []redis.XMessage
	for _, s := range res {
		got = append(got, s.Messages...)
	}
	if r.own != "" {
		if len(got) == 0 {
			r.own = ""
		} else {
			r.own = got[len(got)-1].ID
		}
	}
	for _, m := range got {
		w.take(ctx, m)
	}
	return nil
}

// take starts work on the notice of outbox entry m, unless another worker
// (or this one) is already on it.
func (w *worker) take(ctx context.Context, m redis.XMessage) {
	d := w.d
	id, _ := m.Values["id"].(string)
	if id == "" {
		// An entry deleted while pending, or not ours to read.
		if err := d.outbox.drop(ctx, m.ID); err != nil && ctx.Err() == nil {
			d.log.Warn().Err(err).Msg("could not drop an empty outbox entry")
		}
		return
	}
	w.mu.Lock()
	_, busy := w.inflight[id]
	w.mu.Unlock()
	if busy {
		return
	}
	ok, err := d.outbox.takeLease(ctx, id, w.token, d.visibility)
	if err != nil || !ok {
		if err != nil && ctx.Err() == nil {
			d.log.Warn().Err(err).Str("notice", id).Msg("could not lease notice; will retry")
		}
		return
	}
	st, err := d.outbox.Status(ctx, id)
	switch {
	case errors.Is(err, ErrNoticeNotFound):
		d.log.Warn().Str("notice", id).Msg("queued notice has expired; dropping it")
		_ = d.outbox.drop(ctx, m.ID)
		w.release(ctx, id)
		return
	case err != nil:
		d.log.Warn().Err(err).Str("notice", id).Msg("could not load notice; will retry")
		w.release(ctx, id)
		return
	}
	f := &flight{entry: m.ID, notice: st.Notice, env: d.cfg.Environments[st.Notice.Env], reported: !st.Reported.IsZero()}
	for dest := range st.GaveUp {
		f.gaveUp = append(f.gaveUp, dest)
	}
	var pending []Destination
	if st.Done.IsZero() {
		if f.env == nil {
			d.log.Warn().Str("notice", id).Str("env", st.Notice.Env).Msg("notice for an environment no longer configured; dropping it")
		}
		for _, dst := range d.dests[st.Notice.Env] {
			if !st.Settled(dst.Key()) {
				pending = append(pending, dst)
			}
		}
	}
	f.remaining = len(pending)
	w.mu.Lock()
	w.inflight[id] = f
	w.mu.Unlock()
	if len(pending) == 0 {
		w.finish(ctx, f)
		return
	}
	for _, dst := range pending {
		w.lane(ctx, dst).push(task{f: f, dest: dst})
	}
}

// lane returns dst's queue, starting its goroutine the first time.
func (w *worker) lane(ctx context.Context, dst Destination) *lane {
	w.mu.Lock()
	defer w.mu.Unlock()
	l, ok := w.lanes[dst.Key()]
	if !ok {
		l = &lane{wake: make(chan struct{}, 1)}
		w.lanes[dst.Key()] = l
		w.wg.Add(1)
		go w.serve(ctx, l)
	}
	return l
}

// serve sends one destination's notices in order until ctx ends.
func (w *worker) serve(ctx context.Context, l *lane) {
	defer w.wg.Done()
	for {
		t, ok := l.pop(ctx)
		if !ok {
			for _, t := range l.drain() {
				w.done(ctx, t, interrupted)
			}
			return
		}
		w.done(ctx, t, w.deliver(ctx, t))
	}
}

// deliver tries t's destination until it succeeds, fails for good, runs out
// of attempts or ctx ends. The attempt count lives in Redis, so it
// survives restarts.
func (w *worker) deliver(ctx context.Context, t task) outcome {
	d, n, key := w.d, t.f.notice, t.dest.Key()
	log := d.log.With().Str("notice", n.ID).Str("env", n.Env).Str("dest", key).Logger()
	redisFails := 0
	for {
		attempt, err := d.outbox.attempt(ctx, n.ID, key)
		if err != nil {
			if ctx.Err() != nil {
				return interrupted
			}
			redisFails++
			log.Warn().Err(err).Msg("cannot record a delivery attempt; will retry")
			if sleepCtx(ctx, Backoff(min(redisFails, 6))) != nil {
				return interrupted
			}
			continue
		}
		if attempt > d.maxAttempts {
			// Attempts used up by workers that died mid-send: a crash loop
			// must not post for ever.
			w.record(ctx, n.ID, fieldGaveUp+key, fmtTime(d.now()))
			log.Error().Int("attempt", attempt).Msg("giving up on delivering notice: attempts used up")
			return gaveUp
		}
		sendCtx, cancel := context.WithTimeout(ctx, d.sendTimeout)
		err = t.dest.Send(sendCtx, n)
		cancel()
		if err == nil {
			// Recorded even if we are stopping: the send happened.
			w.record(context.WithoutCancel(ctx), n.ID, fieldDelivered+key, fmtTime(d.now()))
			log.Info().Int("attempt", attempt).Msg("notice delivered")
			return delivered
		}
		if ctx.Err() != nil {
			return interrupted
		}
		w.record(ctx, n.ID, fieldError+key, shorten(err.Error(), maxErrorText))
		if errors.Is(err, ErrPermanent) || attempt >= d.maxAttempts {
			w.record(ctx, n.ID, fieldGaveUp+key, fmtTime(d.now()))
			log.Error().Err(err).Int("attempt", attempt).Msg("giving up on delivering notice")
			return gaveUp
		}
		wait := d.backoff(attempt)
		if after, ok := retryAfterOf(err); ok && after > 0 {
			wait = min(after, maxRetryAfter)
		}
		log.Warn().Err(err).Int("attempt", attempt).Dur("retry_in", wait).Msg("notice delivery failed; will retry")
		if d.sleep(ctx, wait) != nil {
			return interrupted
		}
	}
}

// record writes one field of a notice's record, retrying briefly: a lost
// "delivered" mark means a second post after a restart.
func (w *worker) record(ctx context.Context, id, field, value string) {
	var err error
	for i := range 5 {
		if err = w.d.outbox.set(ctx, id, field, value); err == nil || ctx.Err() != nil {
			break
		}
		_ = sleepCtx(ctx, time.Duration(100*(i+1))*time.Millisecond)
	}
	if err != nil {
		w.d.log.Error().Err(err).Str("notice", id).Str("field", field).Msg("could not record notice delivery")
	}
}

// done counts t's outcome; the last destination of a notice settles it.
func (w *worker) done(ctx context.Context, t task, o outcome) {
	f := t.f
	f.mu.Lock()
	switch o {
	case gaveUp:
		f.gaveUp = append(f.gaveUp, t.dest.Key())
	case interrupted:
		f.interrupted = true
	}
	f.remaining--
	last := f.remaining == 0 && !f.interrupted
	f.mu.Unlock()
	if last {
		// Off the lane: reporting to the ops channel must not hold up
		// this destination's next notice.
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			w.finish(ctx, f)
		}()
	}
}

// finish reports destinations given up on to the env's ops channel, then
// removes the notice from the outbox and lets go of it.
func (w *worker) finish(ctx context.Context, f *flight) {
	d, id := w.d, f.notice.ID
	if len(f.gaveUp) > 0 && !f.reported {
		w.report(ctx, f)
		w.record(ctx, id, fieldReported, fmtTime(d.now()))
	}
	if err := d.outbox.settle(ctx, f.entry, id, d.now()); err != nil {
		if ctx.Err() == nil {
			d.log.Warn().Err(err).Str("notice", id).Msg("could not settle notice; it will be retried")
		}
		return // the lease lapses and a worker picks the notice up again
	}
	w.release(ctx, id)
}

// report tells the env's ops channels that f could not reach some of its
// destinations.
func (w *worker) report(ctx context.Context, f *flight) {
	d, n := w.d, f.notice
	slices.Sort(f.gaveUp)
	st, err := d.outbox.Status(ctx, n.ID)
	if err != nil {
		st = Status{}
	}
	m := chat.Message{
		Title: textUndeliveredTitle,
		Style: Style(f.env),
		Text:  fmt.Sprintf(textUndelivered, n.ID, joinKeys(f.gaveUp), n.Title),
	}
	for _, key := range f.gaveUp {
		m.Fields = append(m.Fields, chat.Field{Label: key, Value: fmt.Sprintf(textUndeliveredDest, st.Attempts[key], st.Errors[key])})
	}
	d.log.Error().Str("notice", n.ID).Str("env", n.Env).Strs("dests", f.gaveUp).Msg("notice could not be delivered")
	if f.env == nil {
		return
	}
	for _, pc := range []struct{ platform, channel string }{
		{chat.Slack, f.env.OpsChannel.Slack}, {chat.Discord, f.env.OpsChannel.Discord}, {chat.Console, f.env.OpsChannel.Console},
	} {
		c := d.chats[pc.platform]
		if c == nil || pc.channel == "" {
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, d.sendTimeout)
		_, err := c.Post(pctx, pc.channel, m)
		cancel()
		if err != nil {
			d.log.Error().Err(err).Str("notice", n.ID).Str("platform", pc.platform).Msg("could not warn the ops channel about an undelivered notice")
		}
	}
}

func joinKeys(keys []string) string {
	switch len(keys) {
	case 0:
		return ""
	case 1:
		return keys[0]
	}
	return strings.Join(keys[:len(keys)-1], ", ") + " and " + keys[len(keys)-1]
}

// release forgets notice id and lets go of its lease.
func (w *worker) release(ctx context.Context, id string) {
	w.mu.Lock()
	delete(w.inflight, id)
	w.mu.Unlock()
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := w.d.outbox.releaseLease(rctx, id, w.token); err != nil {
		w.d.log.Warn().Err(err).Str("notice", id).Msg("could not release notice lease; it lapses by itself")
	}
}

// releaseAll lets go of every notice still in flight when Run stops, so
// the next worker need not wait for the leases to lapse.
func (w *worker) releaseAll(ctx context.Context) {
	w.mu.Lock()
	ids := make([]string, 0, len(w.inflight))
	for id := range w.inflight {
		ids = append(ids, id)
	}
	w.mu.Unlock()
	for _, id := range ids {
		w.release(ctx, id)
	}
}

// heartbeat renews the leases of the notices in flight.
func (w *worker) heartbeat(ctx context.Context) {
	defer w.wg.Done()
	t := time.NewTicker(max(w.d.visibility/3, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		w.mu.Lock()
		ids := make([]string, 0, len(w.inflight))
		for id := range w.inflight {
			ids = append(ids, id)
		}
		w.mu.Unlock()
		for _, id := range ids {
			ok, err := w.d.outbox.renewLease(ctx, id, w.token, w.d.visibility)
			switch {
			case err != nil && ctx.Err() == nil:
				w.d.log.Warn().Err(err).Str("notice", id).Msg("could not renew notice lease")
			case err == nil && !ok:
				w.d.log.Warn().Str("notice", id).Msg("lost the lease of a notice in flight; another worker may send it too")
			}
		}
	}
}

// newToken is a random lease token, unique to one Run.
func newToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
