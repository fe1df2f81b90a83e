// Command genlog writes a deterministic Apache combined access log of the
// given number of lines to stdout, for the ingest benchmark. Its traffic
// looks like a package index's: page views, /simple/ API calls, static files,
// login posts, from many clients and user agents.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"
)

func main() {
	lines := flag.Int("lines", 2_000_000, "lines to write")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	r := rand.New(rand.NewPCG(*seed, 0))
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	defer w.Flush()
	agents := []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
		"Mozilla/5.0 (X11; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0",
		"pip/24.0 {\"ci\":null,\"cpu\":\"x86_64\",\"distro\":{\"name\":\"Ubuntu\",\"version\":\"22.04\"},\"python\":\"3.11.8\"}",
		"python-requests/2.31.0",
		"twine/5.0.0 CPython/3.12.2",
	}
	paths := []string{
		"/simple/requests/", "/simple/numpy/", "/project/django/", "/account/login/", "/static/css/warehouse-ltr.css",
		"/static/js/warehouse.js", "/search/?q=flask", "/manage/projects/", "/pypi/urllib3/json", "/account/two-factor/",
	}
	referrers := []string{"-", "https://pypi.org/", "https://pypi.org/account/login/", "https://www.google.com/"}
	// Clients come back: a pool of addresses, each with its own user agent,
	// drawn with a Zipf law as real traffic is.
	type client struct{ ip, agent string }
	pool := make([]client, 50_000)
	for i := range pool {
		pool[i] = client{
			ip:    fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(223), r.IntN(256), r.IntN(256), 1+r.IntN(254)),
			agent: agents[r.IntN(len(agents))],
		}
	}
	zipf := rand.NewZipf(rand.New(rand.NewPCG(*seed, 1)), 1.1, 1, uint64(len(pool)-1))
	t := time.Date(2024, 3, 25, 0, 0, 0, 0, time.UTC)
	step := 7 * 24 * time.Hour / time.Duration(*lines)
	for i := 0; i < *lines; i++ {
		t = t.Add(step)
		c := pool[zipf.Uint64()]
		p := paths[r.IntN(len(paths))]
		method, status := "GET", 200
		if p == "/account/login/" && r.IntN(3) == 0 {
			method, status = "POST", []int{200, 303}[r.IntN(2)]
		}
		fmt.Fprintf(w, "%s - - [%s] \"%s %s HTTP/1.1\" %d %d \"%s\" \"%s\"\n", c.ip, t.Format("02/Jan/2006:15:04:05 -0700"),
			method, p, status, 200+r.IntN(40000), referrers[r.IntN(len(referrers))], c.agent)
	}
}
