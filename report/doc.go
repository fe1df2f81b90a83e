// Package report writes what an investigation produces from an analysed
// case: the files people act on and the data a public report quotes.
//
// Write puts these files in one directory:
//
//	report.html          the investigation on one page, self-contained
//	freeze-list.csv      the accounts to freeze, for the admin tooling
//	                     (freeze-list.txt, one username a line, with FreezeFormat "usernames")
//	accounts.csv         every implicated account with its classification and reasons
//	exposed.csv          accounts whose password a campaign proved, stopped by a second factor
//	campaigns.csv        the campaigns and their fingerprints
//	block-list.csv       the campaigns' addresses and hostile fingerprints, for a CDN or WAF
//	email-reverify.csv   verified emails of accounts without a second factor
//	tampering.csv        release, file, role and token events by implicated accounts
//	timeline.jsonl       the suspicious events, as Timesketch imports them
//	public/summary.json  the headline numbers (Summary)
//	public/timeline_hourly.csv  hourly aggregates
//
// Each of these names is a symbolic link into .freezeframe-report/, where a
// report is written whole before one rename makes every name lead to it
// (see Group): a reader never finds files of two runs, and a report that
// fails or is killed leaves the previous one as it was.
//
// Everything is read from the case's latest analysis run; nothing depends on
// the clock, so the same case gives byte-identical files. Times in the CSV
// and JSON files are RFC 3339 in UTC. Every CSV cell that a spreadsheet would
// read as a formula (one beginning with =, +, -, @, a tab or a carriage
// return) gets a leading apostrophe, as OWASP advises against CSV injection.
// The files under public/ hold aggregates only: no username, email, address,
// user id or project name of any account.
package report
