package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// findChromium returns the path of a Chromium (or Chrome) binary, or "".
func findChromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is one headless Chromium tab on the demo's console, and where
// its screenshots go.
type browser struct {
	t     *testing.T
	ctx   context.Context
	shots string
	n     int
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := findChromium()
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no Chromium found (looked for $CHROMIUM, /usr/bin/chromium, chromium, chromium-browser, google-chrome): .ci/run installs Debian's chromium")
		}
		t.Skip("no Chromium found: install it (apt-get install chromium) or set $CHROMIUM to run the console's browser test")
	}
	shots := os.Getenv("RESYNCBOT_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1600, 1000),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("start %s: %v", path, err)
	}
	return &browser{t: t, ctx: ctx, shots: shots}
}

// do runs actions, failing the test with the page's text if one fails.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 40*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail(what, err)
	}
}

// wait waits until the JavaScript expression is truthy and returns its value.
func (b *browser) wait(what, expr string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 40*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Poll[any](expr, chromedp.WithPollingTimeout(35*time.Second)))
	if err != nil {
		b.fail(what, err)
	}
	return fmt.Sprint(v)
}

// eval returns the value of a JavaScript expression.
func (b *browser) eval(expr string) any {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[any](expr))
	if err != nil {
		b.fail("evaluate "+expr, err)
	}
	return v
}

func (b *browser) fail(what string, err error) {
	b.t.Helper()
	b.screenshot("failed")
	text, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string]("document.body.innerText"))
	b.t.Fatalf("%s: %v\npage text:\n%s", what, err, text)
}

// screenshot saves the viewport as NN-name.png.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	b.n++
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(b.shots, fmt.Sprintf("%02d-%s.png", b.n, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Error(err)
		return
	}
	b.t.Logf("screenshot %s", path)
}

// js quotes s as a JavaScript string.
func js(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// message is an expression for the id of the newest message of the current
// channel whose text contains every string ("" if none).
func message(contains ...string) string {
	var conds []string
	for _, c := range contains {
		conds = append(conds, "li.textContent.includes("+js(c)+")")
	}
	return `(() => { const li = [...document.querySelectorAll("#messages > li.msg")].reverse().find(li => ` +
		strings.Join(conds, " && ") + `); return li ? li.dataset.id : ""; })()`
}

// button is the selector of a button of a message.
func button(id, action string) chromedp.CSS {
	return chromedp.CSS(fmt.Sprintf(`li.msg[data-id=%q] button[data-action=%q]`, id, action))
}

// be switches the persona as the page's switcher does; can is what the
// page must then say they can do.
func (b *browser) be(person, can string) {
	b.t.Helper()
	b.eval(`(() => { const s = document.getElementById("persona"); s.value = ` + js(person) + `; s.dispatchEvent(new Event("change")); return true; })()`)
	b.wait("switch to "+person, `document.getElementById("roles").textContent.includes(`+js(can)+`) && document.title.endsWith(`+js(strings.ToUpper(person[:1])+person[1:])+`) && document.querySelector("#conn.ok") !== null`)
}

// channel switches to a channel with its button in the channel list.
func (b *browser) channel(name string) {
	b.t.Helper()
	b.do("open #"+name, chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[data-channel=%q]`, name))))
	b.wait("in #"+name, `document.getElementById("channel-title").textContent === `+js("#"+name))
}

// send types a command and presses Enter.
func (b *browser) send(line string) {
	b.t.Helper()
	b.do("type "+line, chromedp.Focus(chromedp.ID("command")), chromedp.SendKeys(chromedp.ID("command"), line+"\r"))
	b.wait("command sent", `document.getElementById("command").value === ""`)
}

// confirm clicks a message's button and OK in its confirm dialog; shot, if
// set, names a screenshot of the dialog.
func (b *browser) confirm(id, action, shot string) {
	b.t.Helper()
	b.do("click "+action, chromedp.Click(button(id, action)))
	b.wait("confirm dialog", `document.getElementById("confirm").open`)
	if got := b.eval(`document.activeElement.id`); got != "confirm-cancel" {
		b.t.Errorf("the confirm dialog focuses %v; Cancel should have the focus, so Enter does not confirm by accident", got)
	}
	if shot != "" {
		b.screenshot(shot)
	}
	b.do("confirm "+action, chromedp.Click(chromedp.ID("confirm-ok")))
	b.wait("dialog closed", `!document.getElementById("confirm").open`)
}

// live is the id of env's live generation in the side panel.
func liveIn(env string) string {
	return `((document.querySelector('details[data-env=` + js(env) + `] .live .gen-id') || {}).textContent || "")`
}

// TestDemoInBrowser walks the demo's story in headless Chromium: a
// production request, a refused self-approval, an approval, progress to
// 100%, an aborted preprod resync, a restore, and the notices users read.
func TestDemoInBrowser(t *testing.T) {
	b := newBrowser(t)
	d := startDemo(t, nil, "--docs", "30000", "--pace", "250ms")
	d.waitLoaded(t)
	seedProd := d.panel(t)["prod"].Live.ID
	seedPreprod := d.panel(t)["preprod"].Live.ID

	b.do("open the console", chromedp.Navigate(d.url+"/console/?as=alice#ops-prod"))
	b.wait("console live", `document.querySelector("#conn.ok") && `+liveIn("prod")+` === `+js(seedProd))
	if banner := b.eval(`!document.getElementById("prod-banner").hidden`); banner != true {
		t.Errorf("#ops-prod shows no PRODUCTION banner")
	}
	b.screenshot("console")

	// Alice asks for a production resync: the request is unmistakably prod.
	b.send(`/resync prod reason="demo"`)
	req := b.wait("production request", message("Resync of PRODUCTION (prod) requested", "Alice", "demo"))
	if got := b.eval(`document.querySelector('li.msg[data-id=` + js(req) + `]').classList.contains("prod") && document.querySelector('li.msg[data-id=` + js(req) + `] .prod-flag').textContent.includes("PRODUCTION")`); got != true {
		t.Errorf("the production request is not styled as production")
	}
	if got := b.eval(`document.querySelector('li.msg[data-id=` + js(req) + `] button[data-action="approve"]').className`); got != "danger" {
		t.Errorf("prod Approve button class %v, want danger", got)
	}
	b.screenshot("prod-request")

	// She cannot approve it herself.
	b.confirm(req, "approve", "confirm-approve")
	b.wait("refusal", message("Only approvers", "Only visible to you"))
	b.screenshot("self-approval-refused")

	// Chloe, an approver, approves it; her page does not show Alice's refusal.
	b.be("chloe", "approve")
	if got := b.eval(`document.body.innerText.includes("Only approvers")`); got != false {
		t.Errorf("Alice's ephemeral refusal is visible to Chloe")
	}
	b.confirm(req, "approve", "")
	b.wait("approved", message("Resync of PRODUCTION (prod) requested", "Approved by Chloe"))
	job := b.wait("job message", message("Resync of PRODUCTION (prod)", "Abort"))
	b.wait("progress moving", `[...document.querySelectorAll('li.msg[data-id=`+js(job)+`] .bar')].some(b => +b.dataset.percent > 0 && +b.dataset.percent < 100)`)
	b.screenshot("prod-progress")
	b.wait("summary", message("Resync of PRODUCTION (prod) finished", "Restore previous"))
	if got := b.eval(`[...document.querySelectorAll('li.msg[data-id=` + js(job) + `] .bar')].every(b => b.dataset.percent === "100")`); got != true {
		t.Errorf("the finished job's bars are not all at 100%%")
	}
	newProd := b.wait("panel shows the new generation", `(() => { const id = `+liveIn("prod")+`; return id !== `+js(seedProd)+` && id; })()`)
	b.screenshot("prod-finished")

	// Ben starts a preprod resync and aborts it.
	b.be("ben", "request resyncs")
	b.channel("ops-preprod")
	b.send("/resync preprod")
	pre := b.wait("preprod job", message("Resync of Pre-production (preprod) running", "Abort"))
	b.confirm(pre, "abort", "confirm-abort")
	b.wait("aborted", message("Resync of Pre-production (preprod) aborted — live data unchanged"))
	b.wait("panel: nothing running in preprod", `!document.querySelector('details[data-env="preprod"] .running')`)
	if got := b.eval(liveIn("preprod")); got != seedPreprod {
		t.Errorf("preprod's live generation is %v after the abort, want %s", got, seedPreprod)
	}
	b.screenshot("preprod-aborted")

	// Ben restores prod with the summary's button: the panel goes back.
	b.channel("ops-prod")
	b.confirm(job, "restore", "confirm-restore")
	b.wait("restored", message("PRODUCTION (prod) restored"))
	b.wait("panel back at the first generation", liveIn("prod")+` === `+js(seedProd))
	if got := b.eval(`[...document.querySelectorAll('details[data-env="prod"] .gens li')].some(li => li.dataset.gen === ` + js(newProd) + ` && li.querySelector("button"))`); got != true {
		t.Errorf("the undone generation %s is not offered for restore in the panel", newProd)
	}
	b.screenshot("prod-restored")

	// What users were told.
	b.channel("status")
	for _, n := range []string{"PRODUCTION: Data refresh finished", "Pre-production: Data refresh cancelled", "PRODUCTION: Data restored"} {
		b.wait("notice "+n, message(n))
	}
	b.screenshot("status-notices")
}
