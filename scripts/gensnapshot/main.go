// Command gensnapshot writes a deterministic Warehouse snapshot in psql's
// CSV export format (users, user_emails, ip_addresses, user_events,
// user_recovery_codes) for the snapshot-ingest benchmark. It streams: memory
// does not grow with the sizes asked for.
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

func main() {
	users := flag.Int("users", 1_000_000, "accounts")
	events := flag.Int("events", 10_000_000, "user_events rows")
	ips := flag.Int("ips", 300_000, "ip_addresses rows")
	out := flag.String("out", "snapshot", "directory to write")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	r := rand.New(rand.NewPCG(*seed, 0))
	uid := func(kind, i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", kind, i) }
	start := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)
	ts := func(t time.Time) string { return t.Format("2006-01-02 15:04:05.000000") }
	countries := []string{"US", "DE", "GB", "IN", "CN", "FR", "BR", "JP", "CA", "NL"}

	write(*out, "ip_addresses.csv", "id,ip_address,hashed_ip_address,geoip_info,is_banned,ban_reason,ban_date", *ips, func(w *bufio.Writer, i int) {
		ip := fmt.Sprintf("%d.%d.%d.%d", 1+i>>24%223, i>>16&255, i>>8&255, i&255)
		h := sha256.Sum256([]byte(ip + "salt"))
		cc := countries[i%len(countries)]
		fmt.Fprintf(w, "%s,%s,%s,\"{\"\"country_code\"\": \"\"%s\"\", \"\"city\"\": \"\"City %d\"\"}\",f,,\n", uid(1, i), ip, hex.EncodeToString(h[:]), cc, i%1000)
	})
	write(*out, "users.csv", "id,username,name,password,is_active,is_frozen,date_joined,last_login,totp_secret,last_totp_value", *users, func(w *bufio.Writer, i int) {
		totp := ""
		if r.IntN(5) == 0 {
			totp = `\x3132333435363738393031323334353637383930`
		}
		fmt.Fprintf(w, "%s,user%d,User %d,\"$argon2id$v=19$m=65536,t=3,p=4$%x\",t,f,%s,%s,%s,\n", uid(2, i), i, i, r.Uint64(),
			ts(start.Add(time.Duration(r.Int64N(int64(6*365*24*time.Hour))))), ts(start.Add(6*365*24*time.Hour)), totp)
	})
	write(*out, "user_emails.csv", "id,user_id,email,primary,verified,public,unverify_reason,transient_bounces", *users, func(w *bufio.Writer, i int) {
		fmt.Fprintf(w, "%d,%s,user%d@example%d.org,t,%s,f,,0\n", i+1, uid(2, i), i, i%500, []string{"t", "f"}[r.IntN(4)/3])
	})
	write(*out, "user_recovery_codes.csv", "id,user_id,code,generated,burned", *users/10, func(w *bufio.Writer, i int) {
		fmt.Fprintf(w, "%s,%s,$argon2id$%x,%s,\n", uid(3, i), uid(2, i*7%*users), r.Uint64(), ts(start))
	})
	tags := []string{"account:login:success", "account:login:failure", "account:login:success", "account:email:sent", "account:two_factor:method_added"}
	window := 6 * 365 * 24 * time.Hour
	write(*out, "user_events.csv", "id,source_id,tag,time,additional,ip_address_id", *events, func(w *bufio.Writer, i int) {
		tag := tags[r.IntN(len(tags))]
		var add string
		switch tag {
		case "account:login:failure":
			add = `{""reason"": ""invalid_password"", ""geoip_info"": {""country_code"": ""US""}, ""user_agent_info"": {""installer"": ""Browser"", ""device"": ""Other"", ""os"": ""Windows"", ""user_agent"": ""Chrome""}}`
		case "account:email:sent":
			add = `{""from_"": ""admin@pypi.org"", ""to"": ""user@example.org"", ""subject"": ""Two-factor method added"", ""redact_ip"": false}`
		case "account:two_factor:method_added":
			add = `{""method"": ""totp"", ""geoip_info"": {""country_code"": ""DE""}}`
		default:
			add = `{""two_factor_method"": null, ""geoip_info"": {""country_code"": ""US""}, ""user_agent_info"": {""installer"": ""Browser"", ""device"": ""Other"", ""os"": ""Mac OS X"", ""user_agent"": ""Firefox""}}`
		}
		fmt.Fprintf(w, "%s,%s,%s,%s,\"%s\",%s\n", uid(4, i), uid(2, r.IntN(*users)), tag,
			ts(start.Add(time.Duration(int64(window)/int64(*events)*int64(i)))), add, uid(1, r.IntN(*ips)))
	})
}

func write(dir, name, header string, n int, row func(*bufio.Writer, int)) {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		fail(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, header)
	for i := 0; i < n; i++ {
		row(w, i)
	}
	if err := w.Flush(); err != nil {
		fail(err)
	}
	if err := f.Close(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gensnapshot:", err)
	os.Exit(1)
}
