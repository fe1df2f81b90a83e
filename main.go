// Command freezeframe is an offline forensic analyzer for credential-stuffing
// incidents: it ingests access logs and database snapshots into a DuckDB case
// file, finds the campaign and the accounts it took over, and reports.
package main

import (
	"os"

	"github.com/freezeframe/freezeframe/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:]))
}
