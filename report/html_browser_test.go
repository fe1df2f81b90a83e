package report

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/input"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromium finds Debian's chromium (or another Chrome) on the PATH. Without
// one the browser test fails under CI (CI set, as .ci/run does) and is
// skipped elsewhere.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "no chromium on the PATH: the browser test of report.html needs Debian's chromium (apt-get install chromium)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// pageWatch records what the page does that the test forbids: a request
// for anything but the file itself (or a data: URL), a failed request, a
// console error or warning, an uncaught exception, a browser log error
// (where Content-Security-Policy violations go) and a dialog.
type pageWatch struct {
	mu       sync.Mutex
	requests []string
	problems []string
}

func (w *pageWatch) add(list *[]string, format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	*list = append(*list, fmt.Sprintf(format, args...))
}

func (w *pageWatch) listen(ev any) {
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		w.add(&w.requests, "%s", ev.Request.URL)
	case *network.EventLoadingFailed:
		w.add(&w.problems, "request failed: %s %s", ev.ErrorText, ev.BlockedReason)
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			w.add(&w.problems, "console.%s: %s", ev.Type, strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		desc := d.Text
		if d.Exception != nil {
			desc += " " + d.Exception.Description
		}
		w.add(&w.problems, "uncaught exception at %d:%d: %s", d.LineNumber, d.ColumnNumber, desc)
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError || ev.Entry.Level == cdplog.EntryLevelWarning {
			w.add(&w.problems, "browser log %s (%s): %s %s", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
		}
	case *page.EventJavascriptDialogOpening:
		w.add(&w.problems, "a %s dialog opened: %q", ev.Type, ev.Message)
	}
}

// allowed is what the page may load: itself, from disk, and data: URLs.
func allowed(u string) bool {
	return strings.HasPrefix(u, "file://") || strings.HasPrefix(u, "data:")
}

// startBrowser starts headless Chromium for the test and returns its
// context; every tab opened from it is closed with the test.
func startBrowser(t *testing.T) context.Context {
	exe := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 1000),
		chromedp.DisableGPU,
		// Belt and braces: a name that got past the interception resolves nowhere.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE localhost"),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	return ctx
}

// browserPage is a tab that opened a report from disk, with every request
// but file: and data: failed by the test (Fetch interception); close checks
// that the page made no other request and logged no error.
type browserPage struct {
	t       *testing.T
	ctx     context.Context
	watch   *pageWatch
	mu      sync.Mutex
	blocked []string
	done    chan struct{}
	cancel  func()
}

// openPage opens the file in a new tab of the browser, in a viewport of
// width by height pixels.
func openPage(t *testing.T, browser context.Context, file string, width, height int64) *browserPage {
	t.Helper()
	p := &browserPage{t: t, watch: &pageWatch{}, done: make(chan struct{})}
	tab, cancelTab := chromedp.NewContext(browser, chromedp.WithListener(p.watch.listen))
	ctx, cancelTimeout := context.WithTimeout(tab, 120*time.Second)
	p.ctx = ctx
	p.cancel = func() { cancelTimeout(); cancelTab() }
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	// Every request pauses here; only the page's own file and data: URLs go on.
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	go func() {
		defer close(p.done)
		for ev, err := range paused {
			if err != nil {
				return
			}
			if allowed(ev.Request.URL) {
				chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
				continue
			}
			p.mu.Lock()
			p.blocked = append(p.blocked, ev.Request.URL)
			p.mu.Unlock()
			chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
		}
	}()
	for _, step := range []func() error{
		func() error { _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); return err },
		func() error { _, err := chromedp.Call(ctx, cdplog.Enable, struct{}{}); return err },
		func() error {
			_, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}})
			return err
		},
		// Any alert the page managed to call is recorded, not shown.
		func() error {
			_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
				Source: `window.__alerts = []; window.alert = function (m) { window.__alerts.push(String(m)); };`,
			})
			return err
		},
		func() error { return chromedp.Do(ctx, chromedp.EmulateViewport(width, height)) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	pageURL := (&url.URL{Scheme: "file", Path: file}).String()
	if err := chromedp.Do(ctx, chromedp.Navigate(pageURL)); err != nil {
		t.Fatalf("open %s: %v", pageURL, err)
	}
	return p
}

// eval evaluates js in the page and returns its value.
func (p *browserPage) eval(what, js string) any {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[any](js))
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// do runs actions in the page.
func (p *browserPage) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

// until evaluates js, which returns a boolean, until it is true or two
// seconds have passed, and says which.
func (p *browserPage) until(what, js string) bool {
	p.t.Helper()
	for range 40 {
		if p.eval(what, js) == true {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// wheelParams are Input.dispatchMouseEvent's for a turn of the wheel:
// Chromium wants deltaX, which cdproto leaves out when it is zero.
type wheelParams struct {
	Type      input.DispatchMouseEventType `json:"type"`
	X         float64                      `json:"x"`
	Y         float64                      `json:"y"`
	Modifiers int64                        `json:"modifiers"`
	DeltaX    float64                      `json:"deltaX"`
	DeltaY    float64                      `json:"deltaY"`
}

var dispatchWheel = cdp.Command[wheelParams, cdp.Empty]{Method: input.CommandDispatchMouseEvent}

// wheel turns the mouse wheel at x, y (in the viewport) by deltaY pixels,
// with the modifier keys held.
func (p *browserPage) wheel(x, y, deltaY float64, modifiers int64) {
	p.t.Helper()
	params := wheelParams{Type: input.DispatchMouseEventTypeMouseWheel, X: x, Y: y, Modifiers: modifiers, DeltaY: deltaY}
	if _, err := chromedp.Call(p.ctx, dispatchWheel, params); err != nil {
		p.t.Fatalf("wheel: %v", err)
	}
}

// screenshot keeps a screenshot of the whole page in the artifacts.
func (p *browserPage) screenshot(name string) {
	p.t.Helper()
	shot, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatal(err)
	}
	path := filepath.Join(artifactDir(p.t), name)
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot of report.html: %s", path)
}

// close closes the tab and fails the test for each request and problem
// the page had.
func (p *browserPage) close() {
	t := p.t
	t.Helper()
	p.cancel()
	<-p.done
	p.watch.mu.Lock()
	defer p.watch.mu.Unlock()
	for _, u := range p.watch.requests {
		if !allowed(u) {
			t.Errorf("the page requested %s", u)
		}
	}
	if len(p.watch.requests) == 0 {
		t.Error("no request seen at all: the network watch is not working")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range p.blocked {
		t.Errorf("blocked a request for %s", u)
	}
	for _, pr := range p.watch.problems {
		t.Error(pr)
	}
}

// testHTMLInBrowser opens reports in headless Chromium from disk, with
// every request but file: and data: failed and host names resolving
// nowhere: the hostile case's, whose strings must stay text, and the
// sample's, read as a responder would, at 1440 and at 390 pixels wide.
func testHTMLInBrowser(t *testing.T, sample string) {
	browser := startBrowser(t)
	t.Run("hostile case", func(t *testing.T) { testBrowserHostile(t, browser, sample) })
	t.Run("sample", func(t *testing.T) { testBrowserSample(t, browser, sample) })
}

// testBrowserHostile checks that the page makes no request and logs no
// error, the charts draw, the hostile strings stay text, and the tables
// sort and filter.
func testBrowserHostile(t *testing.T, browser context.Context, sample string) {
	c := hostileCase(t, sample)
	file, _ := renderPage(t, c, nil)
	p := openPage(t, browser, file, 1440, 1000)
	defer p.close()

	// The charts drew: an echarts instance on each element, a canvas of
	// non-zero size, and some pixels painted on it.
	ids := []string{chartOutcomes, chartUnknown, chartFailures, chartLogins, chartEnrolments, chartCountries}
	idsJSON, _ := json.Marshal(ids)
	drawn := p.eval("charts", `(() => {
		const out = {};
		for (const id of `+string(idsJSON)+`) {
			const el = document.getElementById(id);
			const inst = el && echarts.getInstanceByDom(el);
			const cv = el && el.querySelector("canvas");
			if (!inst || !cv) { out[id] = "no chart"; continue; }
			const g = cv.getContext("2d").getImageData(0, 0, cv.width, cv.height).data;
			let painted = 0;
			for (let i = 3; i < g.length; i += 4) if (g[i] > 0) painted++;
			out[id] = cv.width > 0 && cv.height > 0 && painted > 1000 ? "ok" : "blank " + cv.width + "x" + cv.height + " " + painted;
		}
		return out;
	})()`).(map[string]any)
	if len(drawn) != len(ids) {
		t.Errorf("charts: %v", drawn)
	}
	for id, state := range drawn {
		if state != "ok" {
			t.Errorf("%s: %v", id, state)
		}
	}
	// Each chart has echarts' aria label: its description in words.
	labels := p.eval("aria", `[...document.querySelectorAll(".chart")].map((el) => el.getAttribute("aria-label") || "")`).([]any)
	for i, l := range labels {
		if s, _ := l.(string); len(s) < 40 {
			t.Errorf("chart %d has the aria label %q", i, s)
		}
	}

	// The timeline zooms, and the linked charts zoom with it; the reset
	// button zooms them all out.
	zoom := p.eval("zoom", `(() => {
		const a = echarts.getInstanceByDom(document.getElementById("chart-logins"));
		a.dispatchAction({ type: "dataZoom", start: 40, end: 60 });
		const b = echarts.getInstanceByDom(document.getElementById("chart-outcomes"));
		const z = b.getOption().dataZoom[0];
		return [z.start, z.end];
	})()`)
	if fmt.Sprint(zoom) != "[40 60]" {
		t.Errorf("after zooming the logins chart to 40-60%%, the outcomes chart shows %v", zoom)
	}
	p.do("reset zoom", chromedp.Click(chromedp.CSS("#reset-zoom")))
	if z := p.eval("zoom", `(() => { const z = echarts.getInstanceByDom(document.getElementById("chart-failures")).getOption().dataZoom[0]; return [z.start, z.end]; })()`); fmt.Sprint(z) != "[0 100]" {
		t.Errorf("after Reset zoom the failures chart shows %v", z)
	}

	// The hostile strings are text on the page; their tooltip in the chart
	// too; and nothing ran.
	text := p.eval("text", `document.body.innerText`).(string)
	for _, h := range []string{hostileUsername, hostileAgent, hostileFile} {
		if !strings.Contains(text, h) {
			t.Errorf("the page does not show %q as text", h)
		}
	}
	tip := p.eval("tooltip", `(() => {
		const el = document.getElementById("chart-countries");
		const c = echarts.getInstanceByDom(el);
		c.dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex: 0 });
		const tips = [...el.querySelectorAll("div")].filter((d) => d.textContent.includes("alert(3)"));
		return tips.length ? tips[tips.length - 1].innerHTML : "";
	})()`).(string)
	if !strings.Contains(tip, "&lt;/script&gt;&lt;script&gt;alert(3)") {
		t.Errorf("the country chart's tooltip does not show the campaign id as text: %q", tip)
	}
	if n := p.eval("scripts", `document.querySelectorAll("script").length`); n != float64(scriptTags) {
		t.Errorf("%v script elements, want the page's own %d", n, scriptTags)
	}
	if alerts := p.eval("alerts", `window.__alerts`); fmt.Sprint(alerts) != "[]" {
		t.Errorf("the page called alert: %v", alerts)
	}

	// Sorting: a click on Score sorts ascending, another descending.
	scores := func() string {
		return fmt.Sprint(p.eval("scores", `[...document.querySelectorAll("#account-table tr.account:not(.hidden)")].map((r) => +r.cells[2].textContent)`))
	}
	isSorted := func(s string, desc bool) bool {
		var prev float64
		for i, f := range strings.Fields(strings.Trim(s, "[]")) {
			var v float64
			fmt.Sscan(f, &v)
			if i > 0 && ((!desc && v < prev) || (desc && v > prev)) {
				return false
			}
			prev = v
		}
		return true
	}
	const scoreHeader = "#account-table thead th:nth-child(3) button"
	p.do("sort", chromedp.Click(chromedp.CSS(scoreHeader)))
	if s := scores(); !isSorted(s, false) || strings.Count(s, " ") < 10 {
		t.Errorf("after one click on Score the scores read %s", s)
	}
	p.do("sort", chromedp.Click(chromedp.CSS(scoreHeader)))
	if s := scores(); !isSorted(s, true) {
		t.Errorf("after two clicks on Score the scores read %s", s)
	}
	// Each evidence row still follows its account.
	if bad := p.eval("pairs", `[...document.querySelectorAll("#account-table tr.account")].filter((r) => {
		const n = r.nextElementSibling;
		return !n || n.id !== r.querySelector("button.open").getAttribute("aria-controls");
	}).length`); bad != float64(0) {
		t.Errorf("after sorting, %v accounts are not followed by their evidence row", bad)
	}

	// Filtering: typing a username leaves its row; the classification
	// filter leaves the accounts to freeze.
	visible := func() float64 {
		return p.eval("rows", `document.querySelectorAll("#account-table tr.account:not(.hidden)").length`).(float64)
	}
	all := visible()
	p.do("type", chromedp.SendKeys(chromedp.CSS(`input[data-filter="account-table"]`), "alert(1)"))
	if n := visible(); n != 1 {
		t.Errorf("filtering on alert(1) leaves %v rows, want the hostile account's 1", n)
	}
	if shown := p.eval("shown", `document.querySelector('[data-shown="account-table"]').textContent`); shown != fmt.Sprintf("1 of %v rows", all) {
		t.Errorf("the row count says %q", shown)
	}
	p.eval("clear", `(() => { const i = document.querySelector('input[data-filter="account-table"]'); i.value = ""; i.dispatchEvent(new Event("input")); })()`)
	const classFilter = `select[data-col-filter="account-table"][data-col="class"]`
	p.do("choose", chromedp.SetValue(chromedp.CSS(classFilter), "compromised"))
	p.eval("change", `document.querySelector('`+classFilter+`').dispatchEvent(new Event("change"))`)
	if got, want := visible(), float64(caseInt(t, c, "SELECT count(*) FROM account_verdicts WHERE classification = 'compromised'")); got != want || got == all {
		t.Errorf("the compromised filter leaves %v of %v rows, want %v", got, all, want)
	}
	copyFile(t, file, filepath.Join(artifactDir(t), "report-hostile.html"))
}

// testBrowserSample reads the sample's report, written by Write with the
// times in New York, as a responder would: the verdict first and true, a
// campaign's accounts, an account's evidence, the time zone of every time
// column, the wheel over a chart, the keyboard on the sort buttons, and the
// page at 390 pixels wide. It keeps a screenshot at 1440 and at 390 pixels.
func testBrowserSample(t *testing.T, browser context.Context, sample string) {
	c := openCopy(t, sample)
	ctx := context.Background()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if _, err := Write(ctx, c, Options{Out: out, TZ: ny}); err != nil {
		t.Fatal(err)
	}
	var sum Summary
	b, err := os.ReadFile(filepath.Join(out, "public", "summary.json"))
	if err == nil {
		err = json.Unmarshal(b, &sum)
	}
	if err != nil {
		t.Fatal(err)
	}
	p := openPage(t, browser, filepath.Join(out, "report.html"), 1440, 1000)
	defer p.close()

	// The verdict: the campaign, when it ran (its first and last attempt),
	// the accounts taken over, exposed and targeted as summary.json counts
	// them, and whether it stopped: silent longer than its longest pause
	// before the logs end.
	var first, last time.Time
	var pause float64
	if err := c.Conn.QueryRowContext(ctx, `WITH t AS (SELECT a.time FROM campaign_attempts JOIN attempts a USING (attempt_id))
		SELECT min(time), max(time), (SELECT max(epoch(time) - epoch(prev)) FROM (SELECT time, lag(time) OVER (ORDER BY time) AS prev FROM t)) FROM t`).
		Scan(&first, &last, &pause); err != nil {
		t.Fatal(err)
	}
	if sum.Verdict != "attack" || sum.Campaigns != 1 || sum.Coverage.LogsTo == nil {
		t.Fatalf("the sample's summary.json: verdict %q, %d campaigns, logs to %v", sum.Verdict, sum.Campaigns, sum.Coverage.LogsTo)
	}
	minute := func(t time.Time) string { return t.In(ny).Format("2006-01-02 15:04") }
	silence, longest := sum.Coverage.LogsTo.Sub(last), time.Duration(pause*float64(time.Second))
	stop := fmt.Sprintf("The attack may not have stopped: its last attempt came %s before the logs end (%s), and it had paused for up to %s before.",
		spell(silence), minute(*sum.Coverage.LogsTo), spell(longest))
	if silence > longest {
		stop = fmt.Sprintf("The attack seems to have stopped: nothing in the last %s before the logs end (%s), longer than any pause it took (%s).",
			spell(silence), minute(*sum.Coverage.LogsTo), spell(longest))
	}
	f := sum.ToFreeze
	want := fmt.Sprintf("Verdict: attack. Campaign C1 ran from %s to %s (America/New_York) and took over %d accounts; "+
		"a second factor stopped it on %d whose password it had (exposed); it failed on %d others (targeted). %s",
		minute(first), minute(last), f.Total+f.AlreadyHandled+f.WithoutUsername, sum.Exposed, sum.Targeted, stop)
	sentence := p.eval("verdict", `document.getElementById("verdict-sentence").textContent.replace(/\s+/g, " ").trim()`)
	if sentence != want {
		t.Errorf("the verdict reads\n%q\nwant\n%q", sentence, want)
	}
	// It comes first: nothing but the header above it.
	if top := p.eval("top", `document.getElementById("verdict-sentence").getBoundingClientRect().top`).(float64); top > 250 {
		t.Errorf("the verdict starts %v px down the page", top)
	}

	// A campaign's "its accounts" shows its accounts, and only them,
	// whatever the filters said before.
	const classFilter = `select[data-col-filter="account-table"][data-col="class"]`
	p.do("choose", chromedp.SetValue(chromedp.CSS(classFilter), "compromised"))
	p.eval("change", `document.querySelector('`+classFilter+`').dispatchEvent(new Event("change"))`)
	p.do("campaign link", chromedp.Click(chromedp.CSS(`#campaign-C1 a.show-accounts`)))
	shown := p.eval("shown", `[...document.querySelectorAll("#account-table tr.account:not(.hidden)")].map((r) => r.dataset.campaign)`).([]any)
	inC1 := caseInt(t, c, "SELECT count(*) FROM account_verdicts WHERE campaign_id = 'C1'")
	if int64(len(shown)) != inC1 || slices.ContainsFunc(shown, func(v any) bool { return v != "C1" }) {
		t.Errorf("after C1's link the accounts table shows %d rows of campaigns %v; C1 has %d accounts", len(shown), shown[:min(len(shown), 5)], inC1)
	}
	if all := caseInt(t, c, "SELECT count(*) FROM account_verdicts"); all == inC1 {
		t.Errorf("every account of the sample is C1's: the campaign link test shows nothing")
	}
	if h := p.eval("hash", `location.hash`); h != "#accounts" {
		t.Errorf("after C1's link the page is at %v", h)
	}

	// An account's evidence panel: its deciding request's file and line.
	var account, path string
	var line int64
	if err := c.Conn.QueryRowContext(ctx, `SELECT v.account::VARCHAR, s.path, a.line_no FROM account_verdicts v
		JOIN attempts a ON a.attempt_id = v.decisive_attempt JOIN sources s ON s.id = a.source_id
		WHERE v.classification = 'compromised' ORDER BY v.score DESC LIMIT 1`).Scan(&account, &path, &line); err != nil {
		t.Fatal(err)
	}
	panel := "#evidence-" + account
	isOpen := `(() => { const e = document.getElementById("evidence-` + account + `"); return !!e && e.offsetParent !== null; })()`
	if p.eval("panel", isOpen) == true {
		t.Fatal("the evidence panel is open before its account is")
	}
	p.do("open", chromedp.Click(chromedp.CSS(`[id="account-`+account+`"] button.open`)))
	if p.eval("panel", isOpen) != true {
		t.Fatal("the evidence panel did not open")
	}
	loc := p.eval("loc", `document.querySelector("`+panel+` .loc").textContent`).(string)
	if want := fmt.Sprintf("%s:%d", path, line); !strings.HasPrefix(loc, want+" at ") {
		t.Errorf("the evidence panel's log line reads %q, want %s and its time", loc, want)
	}
	// A link to an account opens its panel too.
	var other string
	if err := c.Conn.QueryRowContext(ctx, `SELECT account::VARCHAR FROM account_verdicts WHERE classification = 'exposed' ORDER BY account LIMIT 1`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	p.eval("link", `location.hash = "#account-`+other+`"`)
	if !p.until("linked panel", `(() => { const e = document.getElementById("evidence-`+other+`"); return e.offsetParent !== null; })()`) {
		t.Error("a link to an account does not open its evidence panel")
	}

	// Every time column names its zone in its header: every column of a
	// table whose cells hold times, the evidence panels' included.
	headers := p.eval("time headers", `(() => {
		const out = [];
		for (const table of document.querySelectorAll("table")) {
			if (!table.tHead || !table.tBodies.length) continue;
			const ths = table.tHead.rows[0].cells;
			for (let i = 0; i < ths.length; i++) {
				const times = [...table.tBodies[0].rows].some((r) => r.cells.length === ths.length &&
					/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(r.cells[i].textContent.trim()));
				if (times) out.push(ths[i].textContent.replace(/\s+/g, " ").trim());
			}
		}
		return out;
	})()`).([]any)
	if len(headers) < 7 {
		t.Errorf("only %d time columns found: %q", len(headers), headers)
	}
	for _, h := range headers {
		if !strings.Contains(h.(string), "(America/New_York)") {
			t.Errorf("the time column %q does not name its zone", h)
		}
	}

	// The wheel over a chart scrolls the page and leaves the zoom alone;
	// with Ctrl held, it zooms the chart and leaves the page.
	const centre = `(() => {
		const el = document.getElementById("chart-unknown");
		window.scrollBy(0, el.getBoundingClientRect().top - 100);
		const r = el.getBoundingClientRect();
		return [r.left + r.width / 2, r.top + r.height / 2, window.scrollY];
	})()`
	where := p.eval("chart", centre).([]any)
	x, y, scrolled := where[0].(float64), where[1].(float64), where[2].(float64)
	const zoomOf = `(() => { const z = echarts.getInstanceByDom(document.getElementById("chart-unknown")).getOption().dataZoom[0]; return z.start + "-" + z.end; })()`
	zoomed := p.eval("zoom", zoomOf)
	p.wheel(x, y, 300, 0)
	if !p.until("scroll", fmt.Sprintf(`window.scrollY > %v`, scrolled)) {
		t.Errorf("the wheel over a chart did not scroll the page (still at %v)", p.eval("scroll", `window.scrollY`))
	}
	if z := p.eval("zoom", zoomOf); z != zoomed {
		t.Errorf("the wheel over a chart zoomed it from %v to %v", zoomed, z)
	}
	where = p.eval("chart", centre).([]any)
	x, y, scrolled = where[0].(float64), where[1].(float64), where[2].(float64)
	p.wheel(x, y, -300, int64(chromedp.ModifierCtrl))
	if !p.until("zoom", zoomOf+` !== "`+zoomed.(string)+`"`) {
		t.Error("Ctrl and the wheel over a chart did not zoom it")
	}
	if s := p.eval("scroll", `window.scrollY`); s != scrolled {
		t.Errorf("Ctrl and the wheel over a chart scrolled the page from %v to %v", scrolled, s)
	}
	p.do("reset zoom", chromedp.Click(chromedp.CSS("#reset-zoom")))

	// The keyboard: Tab reaches a sort button of the accounts table, Enter
	// sorts by its column, Space the other way.
	if n := p.eval("buttons", `[...document.querySelectorAll("table.sortable > thead > tr > th")].filter((th) => !th.querySelector("button.sort")).length`); n != float64(0) {
		t.Errorf("%v sortable column headers are not buttons", n)
	}
	p.eval("top", `window.scrollTo(0, 0); document.activeElement.blur();`)
	const onSort = `document.activeElement.matches("#account-table button.sort")`
	tabs := 0
	for ; tabs < 500 && p.eval("focus", onSort) != true; tabs++ {
		p.do("tab", chromedp.KeyEvent("\t"))
	}
	if p.eval("focus", onSort) != true {
		t.Fatalf("%d Tabs did not reach a sort button of the accounts table", tabs)
	}
	column := p.eval("column", `document.activeElement.closest("th").cellIndex`).(float64)
	values := fmt.Sprintf(`[...document.querySelectorAll("#account-table tr.account:not(.hidden)")].map((r) => r.cells[%v].textContent.trim().toLowerCase())`, column)
	ordered := func(desc bool) bool {
		return p.eval("order", `(() => { const v = `+values+`; return v.length > 10 && v.every((x, i) => i === 0 || (`+
			fmt.Sprint(desc)+` ? v[i - 1] >= x : v[i - 1] <= x)); })()`) == true
	}
	sortState := `document.activeElement.closest("th").getAttribute("aria-sort")`
	p.do("enter", chromedp.KeyEvent("\r"))
	if s := p.eval("sort", sortState); s != "ascending" || !ordered(false) {
		t.Errorf("after Tab (%d times) and Enter the column %v is %v and reads %v", tabs, column, s, p.eval("values", values))
	}
	p.do("space", chromedp.KeyEvent(" "))
	if s := p.eval("sort", sortState); s != "descending" || !ordered(true) {
		t.Errorf("after Space the column %v is %v and reads %v", column, s, p.eval("values", values))
	}

	// The screenshots show the accounts by score, the first one's evidence open.
	p.do("sort", chromedp.Click(chromedp.CSS(`#account-table > thead > tr > th:nth-child(3) button`)))
	p.do("sort", chromedp.Click(chromedp.CSS(`#account-table > thead > tr > th:nth-child(3) button`)))
	p.eval("top", `document.getElementById("account-table").closest(".scroll").scrollTop = 0`)

	// At 390 pixels wide nothing widens the page: not the digest, not a
	// table, not the open evidence panels.
	p.do("phone", chromedp.EmulateViewport(390, 844))
	if !p.until("overflow", `document.documentElement.scrollWidth <= 390`) {
		wide := p.eval("wide", `[...document.querySelectorAll("body *")].filter((e) => !e.closest(".scroll, .scroll-x, .chart") &&
			(e.getBoundingClientRect().right > 391 || e.scrollWidth > e.clientWidth + 1)).slice(0, 5).map((e) => e.tagName + "#" + e.id + "." + e.className)`)
		t.Errorf("at 390 px the page is %v px wide: %v", p.eval("width", `document.documentElement.scrollWidth`), wide)
	}
	p.eval("top", `window.scrollTo(0, 0)`)
	p.screenshot("report-html-390.png")
	p.do("desktop", chromedp.EmulateViewport(1440, 1000))
	p.eval("top", `window.scrollTo(0, 0)`)
	p.screenshot("report-html-1440.png")
	copyFile(t, filepath.Join(out, "report.html"), filepath.Join(artifactDir(t), "report.html"))
}

// TestSpell: durations as the verdict says them.
func TestSpell(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                               "0 min",
		29 * time.Second:                "0 min",
		68*time.Minute + 20*time.Second: "1 h 8 min",
		2 * time.Hour:                   "2 h",
		50*time.Hour + 3*time.Minute:    "2 d 2 h 3 min",
	} {
		if got := spell(d); got != want {
			t.Errorf("spell(%v) = %q, want %q", d, got, want)
		}
	}
}
