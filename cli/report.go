package cli

import (
	"context"
	"fmt"
	"time"
	_ "time/tzdata" // --tz works on machines without a zoneinfo database

	"github.com/spf13/cobra"

	"github.com/freezeframe/freezeframe/casefile"
	"github.com/freezeframe/freezeframe/report"
)

// newReportCmd binds report's flags into its options and runs runF on
// them, reportRun if nil.
func newReportCmd(e *env, runF func(context.Context, *report.Options) error) *cobra.Command {
	opts := &report.Options{}
	var tz string
	cmd := &cobra.Command{
		Use:   "report --out DIR",
		Short: "Write the freeze list, the evidence, the timeline and the public summary of the analysis",
		Long: `Write what the latest analysis run found (freezeframe analyze) into DIR:

  report.html           the investigation on one page, for a browser, offline
  freeze-list.csv       the accounts to freeze, for the admin tooling: username,
                        user_id, score, classification, reasons, campaign_id,
                        first/last_suspicious_utc, suspicious_ips,
                        attacker_2fa_method, email_domains, domain_shared_by, wave.
                        domain_shared_by counts the other accounts with a verified
                        email at each domain, since a freeze also prohibits them.
                        With --freeze-format usernames, freeze-list.txt instead:
                        one username a line. Either file replaces the other.
                        An account to freeze without a username (no users row)
                        or with one that a line-based tool would split or change
                        (a line break or other control character, white space at
                        either end, a leading # or ') fails the report, which
                        names their user ids and leaves DIR as it was: use
                        csv, which quotes any username and gives the user id.
  accounts.csv          every implicated account, with freeze-list.csv's columns
                        first, then the time of the attacker's second factor,
                        wave, to_freeze, already_handled and more
  exposed.csv           accounts whose password a campaign proved while a second
                        factor stopped it: the owner must change it; not frozen
  campaigns.csv         the campaigns, their reach and fingerprints
  block-list.csv        what a CDN or WAF can block: the campaigns' addresses and
                        hostile fingerprints; other_logins counts the successful
                        logins outside the campaigns a block would stop too
  email-reverify.csv    verified emails of accounts without a second factor:
                        username, user_id, email
  tampering.csv         release, file, role and token events by compromised or
                        exposed accounts after their first suspicious login
  timeline.jsonl        the suspicious events of the accounts in accounts.csv and
                        of the campaigns, as Timesketch imports them, each with
                        its evidence: log_file and log_line, event_table and
                        event_id
  public/summary.json   the headline numbers: accounts to freeze, exposed beside
                        the campaign's stops at the second factor and those on
                        accounts the log does not name, campaigns, the login
                        rate against the baseline, the tampering verdict
  public/timeline_hourly.csv  hourly counts with the baseline band

public/ holds aggregates only, no username, email, address, user id or project
of any account: it is the data behind a public incident report. Every time
in the files is RFC 3339 UTC to the second (2024-03-30T07:49:20Z), those in
reasons and timeline messages included; --tz sets the zone of the times
people read in the HTML report. A list in a CSV cell is joined with ;, never
a line break; an item holding ; or " is in double quotes, as CSV quotes a
field, so a CSV reader with the delimiter ; splits the cell. CSV cells and
list items that a spreadsheet would run as a formula (beginning with =, +,
-, @, tab or carriage return) start with an apostrophe. The case is only
read, and the same case gives byte-identical files. The paths written are
printed on stdout.

The files replace the report in DIR all at once: each is a link into
DIR/.freezeframe-report/, where the new report is written whole before one
rename switches every link to it. DIR never holds files of two reports; a
report that fails (a full disk) or is killed leaves the earlier one as it
was, and the next report removes what it left behind. Files in DIR that are
not the report's (the case, notes) are left alone. cp -r, rsync -a and tar
copy DIR with its links; to a file system without links (a FAT USB stick),
copy the files they lead to: cp -rL DIR/* DEST.`,
		Example: `  freezeframe report --out report/
  freezeframe report --out report/ --tz America/New_York
  freezeframe report --out wave2/ --freeze-format usernames`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Out == "" {
				return usageError{fmt.Errorf("report needs --out DIR")}
			}
			loc, err := time.LoadLocation(tz)
			if err != nil {
				return usageError{fmt.Errorf("--tz %q: not a time zone; use an IANA name such as UTC or America/New_York", tz)}
			}
			opts.TZ = loc
			if opts.FreezeFormat != report.FreezeCSV && opts.FreezeFormat != report.FreezeUsernames {
				return usageError{fmt.Errorf("--freeze-format %q: use %s or %s", opts.FreezeFormat, report.FreezeCSV, report.FreezeUsernames)}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return e.reportRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Out, "out", "", "directory to write the report into, created if missing (required)")
	f.StringVar(&tz, "tz", "UTC", "time zone of the times people read (IANA name, e.g. America/New_York); files stay UTC")
	f.StringVar(&opts.FreezeFormat, "freeze-format", report.FreezeCSV, "freeze list format: csv (freeze-list.csv) or usernames (freeze-list.txt, one a line; fails if a username cannot stand on one line)")
	return cmd
}

// reportRun writes the report of the case's latest analysis and prints the
// paths written.
func (e *env) reportRun(ctx context.Context, opts *report.Options) (err error) {
	c, err := e.openCase(ctx, casefile.ReadOnly)
	if err != nil {
		return err
	}
	defer closeCase(c, &err)
	paths, err := report.Write(ctx, c, *opts)
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintln(e.stdout, p)
	}
	return nil
}
