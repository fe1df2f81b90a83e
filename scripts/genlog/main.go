// Command genlog writes a deterministic access log to stdout, for the ingest
// benchmark and the committed sample. Its traffic looks like a package
// index's: package pages, /simple/ API calls, static files and login posts
// from a Zipf-distributed pool of returning clients, each with its own user
// agent. -format picks combined, gunicorn-pypi, fastly-pypi or jsonl;
// -garbage N makes every Nth line unparseable, to show rejects.
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"
)

type client struct{ ip, hashed, agent, lang string }

func main() {
	lines := flag.Int("lines", 2_000_000, "lines to write")
	seed := flag.Uint64("seed", 1, "random seed")
	format := flag.String("format", "combined", "combined, gunicorn-pypi, fastly-pypi or jsonl")
	garbage := flag.Int("garbage", 0, "make every Nth line garbage (0: none)")
	startFlag := flag.String("start", "2024-03-25T00:00:00Z", "time of the first line")
	span := flag.Duration("span", 7*24*time.Hour, "time the log covers")
	flag.Parse()
	start, err := time.Parse(time.RFC3339, *startFlag)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genlog: -start:", err)
		os.Exit(2)
	}
	write, ok := writers[*format]
	if !ok {
		fmt.Fprintf(os.Stderr, "genlog: unknown -format %q\n", *format)
		os.Exit(2)
	}
	r := rand.New(rand.NewPCG(*seed, 0))
	w := bufio.NewWriterSize(os.Stdout, 1<<20)

	agents := []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
		"Mozilla/5.0 (X11; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0",
		`pip/24.0 {"ci":null,"cpu":"x86_64","distro":{"name":"Ubuntu","version":"22.04"},"python":"3.11.8"}`,
		"python-requests/2.31.0",
		"twine/5.0.0 CPython/3.12.2",
	}
	langs := []string{"en-US,en;q=0.9", "de-DE,de;q=0.9,en;q=0.8", "fr-FR,fr;q=0.9", "ja,en-US;q=0.9", ""}
	paths := []string{
		"/simple/requests/", "/simple/numpy/", "/project/django/", "/account/login/", "/static/css/warehouse-ltr.css",
		"/static/js/warehouse.js", "/search/?q=flask", "/manage/projects/", "/pypi/urllib3/json", "/account/two-factor/",
	}
	referrers := []string{"", "https://pypi.org/", "https://pypi.org/account/login/", "https://www.google.com/"}
	pool := make([]client, 50_000)
	for i := range pool {
		ip := fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254))
		h := sha256.Sum256([]byte(ip + "salt"))
		pool[i] = client{ip: ip, hashed: hex.EncodeToString(h[:]), agent: agents[r.IntN(len(agents))], lang: langs[r.IntN(len(langs))]}
	}
	zipf := rand.NewZipf(rand.New(rand.NewPCG(*seed, 1)), 1.1, 1, uint64(len(pool)-1))
	step := *span / time.Duration(max(*lines, 1))
	t := start
	for i := 1; i <= *lines; i++ {
		t = t.Add(step)
		if *garbage > 0 && i%*garbage == 0 {
			fmt.Fprintf(w, "%s upstream timed out (110: Connection timed out) while reading response header\n", t.Format(time.DateTime))
			continue
		}
		c := pool[zipf.Uint64()]
		p := paths[r.IntN(len(paths))]
		e := entry{c: c, t: t, method: "GET", path: p, status: 200, size: 200 + r.IntN(40000),
			referrer: referrers[r.IntN(len(referrers))], duration: 5 + r.IntN(400)}
		if p == "/account/login/" && r.IntN(3) == 0 {
			e.method, e.status, e.size = "POST", []int{200, 303}[r.IntN(2)], 0
		}
		write(w, e)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "genlog:", err)
		os.Exit(1)
	}
}

type entry struct {
	c        client
	t        time.Time
	method   string
	path     string
	status   int
	size     int
	referrer string
	duration int // milliseconds
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func null(s string) string {
	if s == "" {
		return "(null)"
	}
	return s
}

var writers = map[string]func(*bufio.Writer, entry){
	"combined": func(w *bufio.Writer, e entry) {
		fmt.Fprintf(w, "%s - - [%s] \"%s %s HTTP/1.1\" %d %d \"%s\" \"%s\"\n", e.c.ip, e.t.Format("02/Jan/2006:15:04:05 -0700"),
			e.method, e.path, e.status, e.size, dash(e.referrer), e.c.agent)
	},
	"gunicorn-pypi": func(w *bufio.Writer, e entry) {
		fmt.Fprintf(w, "%s - - [%s] \"%s %s HTTP/1.1\" %d %d \"%s\" \"%s\"\n", e.c.hashed, e.t.Format("02/Jan/2006:15:04:05 -0700"),
			e.method, e.path, e.status, e.size, dash(e.referrer), e.c.agent)
	},
	"fastly-pypi": func(w *bufio.Writer, e entry) {
		ctype := ""
		if e.method == "POST" {
			ctype = "application/x-www-form-urlencoded"
		}
		fmt.Fprintf(w, "%s \"%s\" - \"%s %s\" HTTP/2 %d %d 0 \"MISS, MISS\" \"0, 0\" \"%s\" \"%s\" \"%s\"\n", e.c.ip,
			e.t.Format(time.RFC1123), e.method, e.path, e.status, e.size, null(ctype), null(e.c.lang), e.c.agent)
	},
	"jsonl": func(w *bufio.Writer, e entry) {
		b, _ := json.Marshal(map[string]any{
			"timestamp": e.t.Format(time.RFC3339Nano), "remote_addr": e.c.hashed, "method": e.method, "path": e.path,
			"status": e.status, "size": e.size, "referrer": e.referrer, "user_agent": e.c.agent,
			"duration_ms": e.duration, "request.id": fmt.Sprintf("%016x", e.t.UnixNano()),
		})
		w.Write(append(b, '\n'))
	},
}
