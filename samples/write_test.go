package samples

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/freezeframe/freezeframe/casefile"
	"github.com/freezeframe/freezeframe/ingest"
)

// TestFastlyLinesAreWrittenAsTheEndpointDoes: the Fastly writer renders
// %{now}V in GMT whatever the request's zone, and the user agent through
// cstr_escape; freezeframe reads the user agent back as sent, bytes that are
// not UTF-8 escaped as the case stores them.
func TestFastlyLinesAreWrittenAsTheEndpointDoes(t *testing.T) {
	at := time.Date(2024, 3, 30, 22, 0, 1, 0, time.FixedZone("CEST", 2*3600))
	agents := []struct{ sent, logged, stored string }{
		{`pip/24.0 {"ci":null,"cpu":"x86_64"}`, `pip/24.0 {\"ci\":null,\"cpu\":\"x86_64\"}`, `pip/24.0 {"ci":null,"cpu":"x86_64"}`},
		{"CaféBot C:\\bots\t\x00\xff", `Caf\xC3\xA9Bot C:\\bots\t\x00\xFF`, `CaféBot C:\bots` + "\t" + `\x00\xff`},
	}
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	for _, a := range agents {
		logWriters["fastly-pypi"](w, request{t: at, ip: "203.0.113.9", method: "GET", path: "/simple/", status: 200, size: 10, ua: a.sent}, nil)
	}
	w.Flush()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	for i, a := range agents {
		if !strings.Contains(lines[i], `"Sat, 30 Mar 2024 20:00:01 GMT"`) || !strings.HasSuffix(lines[i], `"`+a.logged+`"`) {
			t.Errorf("line %d = %q, want the time in GMT and the user agent as %q", i+1, lines[i], a.logged)
		}
	}

	path := filepath.Join(t.TempDir(), "access.log")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := casefile.Open(ctx, filepath.Join(t.TempDir(), "case.duckdb"), casefile.ReadWrite)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if res, err := ingest.Logs(ctx, c, path, ingest.LogOptions{}); err != nil || res.Format != "fastly-pypi" || res.Rejected != 0 {
		t.Fatalf("ingest: %+v, %v; want every line read as fastly-pypi", res, err)
	}
	for i, a := range agents {
		var ua string
		if err := c.Conn.QueryRowContext(ctx, "SELECT user_agent FROM requests WHERE line_no = ?", i+1).Scan(&ua); err != nil {
			t.Fatal(err)
		}
		if ua != a.stored {
			t.Errorf("line %d: user_agent %q, want %q", i+1, ua, a.stored)
		}
	}
}
