package report

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
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

// testHTMLInBrowser opens the report of the hostile case in headless
// Chromium from disk, with every request but file: and data: failed by the
// test (Fetch interception) and host names resolving nowhere, and checks
// that the page makes no other request and logs no error, the charts draw,
// the hostile strings stay text, and the tables sort and filter.
func testHTMLInBrowser(t *testing.T, sample string) {
	exe := chromium(t)
	c := hostileCase(t, sample)
	file, _ := renderPage(t, c, nil)
	artifacts := artifactDir(t)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
		chromedp.DisableGPU,
		// Belt and braces: a name that got past the interception resolves nowhere.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE localhost"),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox) // Chromium refuses to run as root with its sandbox
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	watch := &pageWatch{}
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithListener(watch.listen))
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", exe, err)
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()

	// Every request pauses here; only the page's own file and data: URLs go on.
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	var blocked []string
	var blockedMu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev, err := range paused {
			if err != nil {
				return
			}
			if allowed(ev.Request.URL) {
				chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
				continue
			}
			blockedMu.Lock()
			blocked = append(blocked, ev.Request.URL)
			blockedMu.Unlock()
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
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	pageURL := (&url.URL{Scheme: "file", Path: file}).String()
	if err := chromedp.Do(ctx, chromedp.Navigate(pageURL)); err != nil {
		t.Fatalf("open %s: %v", pageURL, err)
	}

	eval := func(what, js string) any {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[any](js))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}

	// The charts drew: an echarts instance on each element, a canvas of
	// non-zero size, and some pixels painted on it.
	drawn := eval("charts", `(() => {
		const out = {};
		for (const id of ["chart-logins", "chart-failures", "chart-enrolments", "chart-campaigns"]) {
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
	if len(drawn) != 4 {
		t.Errorf("charts: %v", drawn)
	}
	for id, state := range drawn {
		if state != "ok" {
			t.Errorf("%s: %v", id, state)
		}
	}

	// The timeline zooms, and the linked charts zoom with it.
	zoom := eval("zoom", `(() => {
		const a = echarts.getInstanceByDom(document.getElementById("chart-logins"));
		a.dispatchAction({ type: "dataZoom", start: 40, end: 60 });
		const b = echarts.getInstanceByDom(document.getElementById("chart-campaigns"));
		const z = b.getOption().dataZoom[0];
		return [z.start, z.end];
	})()`)
	if fmt.Sprint(zoom) != "[40 60]" {
		t.Errorf("after zooming the logins chart to 40-60%%, the campaigns chart shows %v", zoom)
	}

	// The hostile strings are text on the page; their tooltip in the chart
	// too; and nothing ran.
	text := eval("text", `document.body.innerText`).(string)
	for _, h := range []string{hostileUsername, hostileAgent, hostileFile} {
		if !strings.Contains(text, h) {
			t.Errorf("the page does not show %q as text", h)
		}
	}
	tip := eval("tooltip", `(() => {
		const el = document.getElementById("chart-campaigns");
		const c = echarts.getInstanceByDom(el);
		c.dispatchAction({ type: "dataZoom", start: 0, end: 100 });
		const data = c.getOption().series[0].data;
		const i = data.findIndex((d) => (typeof d === "object" ? d.value : d) > 0);
		c.dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex: i });
		const tips = [...el.querySelectorAll("div")].filter((d) => d.textContent.includes("alert(3)"));
		return tips.length ? tips[tips.length - 1].innerHTML : "";
	})()`).(string)
	if !strings.Contains(tip, "&lt;/script&gt;&lt;script&gt;alert(3)") {
		t.Errorf("the campaign chart's tooltip does not show the campaign id as text: %q", tip)
	}
	if n := eval("scripts", `document.querySelectorAll("script").length`); n != float64(scriptTags) {
		t.Errorf("%v script elements, want the page's own %d", n, scriptTags)
	}
	if alerts := eval("alerts", `window.__alerts`); fmt.Sprint(alerts) != "[]" {
		t.Errorf("the page called alert: %v", alerts)
	}

	// Sorting: a click on Score sorts ascending, another descending.
	scores := func() string {
		return fmt.Sprint(eval("scores", `[...document.querySelectorAll("#account-table tbody tr:not(.hidden)")].map((r) => +r.cells[2].textContent)`))
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
	const scoreHeader = "#account-table thead th:nth-child(3)"
	if err := chromedp.Do(ctx, chromedp.Click(scoreHeader)); err != nil {
		t.Fatal(err)
	}
	if s := scores(); !isSorted(s, false) || strings.Count(s, " ") < 10 {
		t.Errorf("after one click on Score the scores read %s", s)
	}
	if err := chromedp.Do(ctx, chromedp.Click(scoreHeader)); err != nil {
		t.Fatal(err)
	}
	if s := scores(); !isSorted(s, true) {
		t.Errorf("after two clicks on Score the scores read %s", s)
	}

	// Filtering: typing a username leaves its row; the classification
	// filter leaves the accounts to freeze.
	visible := func() float64 {
		return eval("rows", `document.querySelectorAll("#account-table tbody tr:not(.hidden)").length`).(float64)
	}
	all := visible()
	if err := chromedp.Do(ctx, chromedp.SendKeys(`input[data-filter="account-table"]`, "alert(1)")); err != nil {
		t.Fatal(err)
	}
	if n := visible(); n != 1 {
		t.Errorf("filtering on alert(1) leaves %v rows, want the hostile account's 1", n)
	}
	if shown := eval("shown", `document.querySelector('[data-shown="account-table"]').textContent`); shown != fmt.Sprintf("1 of %v rows", all) {
		t.Errorf("the row count says %q", shown)
	}
	eval("clear", `(() => { const i = document.querySelector('input[data-filter="account-table"]'); i.value = ""; i.dispatchEvent(new Event("input")); })()`)
	if err := chromedp.Do(ctx, chromedp.SetValue(`select[data-filter-class="account-table"]`, "compromised")); err != nil {
		t.Fatal(err)
	}
	eval("change", `document.querySelector('select[data-filter-class="account-table"]').dispatchEvent(new Event("change"))`)
	if got, want := visible(), float64(caseInt(t, c, "SELECT count(*) FROM account_verdicts WHERE classification = 'compromised'")); got != want || got == all {
		t.Errorf("the compromised filter leaves %v of %v rows, want %v", got, all, want)
	}
	eval("reset", `(() => { const s = document.querySelector('select[data-filter-class="account-table"]'); s.value = ""; s.dispatchEvent(new Event("change")); })()`)

	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	shotPath := filepath.Join(artifacts, "report-html.png")
	if err := os.WriteFile(shotPath, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	copyFile(t, file, filepath.Join(artifacts, "report.html"))
	t.Logf("screenshot of report.html (hostile sample case): %s", shotPath)

	cancelTimeout()
	<-done
	watch.mu.Lock()
	defer watch.mu.Unlock()
	for _, u := range watch.requests {
		if !allowed(u) {
			t.Errorf("the page requested %s", u)
		}
	}
	if len(watch.requests) == 0 {
		t.Error("no request seen at all: the network watch is not working")
	}
	blockedMu.Lock()
	defer blockedMu.Unlock()
	for _, u := range blocked {
		t.Errorf("blocked a request for %s", u)
	}
	for _, p := range watch.problems {
		t.Error(p)
	}
}
