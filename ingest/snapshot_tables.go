package ingest

// tableSpec describes one Warehouse table as a snapshot export holds it.
// Columns are staged as text under these names; secret columns are never
// staged: flagged ones become "<column>_set" ('t' or 'f'), disabled ones
// "<column>_disabled" (whether the value begins with "!", as passlib marks
// a disabled password hash), the others are not read at all.
type tableSpec struct {
	name     string
	required []string
	optional []string
	flagged  []string // secrets of which only "is set" is kept
	disabled []string // secrets of which only "is disabled" (begins with "!") is kept
	secrets  []string // secrets never read
	needed   bool     // the snapshot is unusable without this table
	sqlFile  string   // sql/snapshot file that loads it
}

// snapshotTables lists the tables read, in the order they are loaded: ips
// before the events that resolve them, keys and codes before accounts.
var snapshotTables = []tableSpec{
	{name: "ip_addresses", required: []string{"id"}, optional: []string{"ip_address", "hashed_ip_address", "geoip_info", "is_banned", "ban_reason", "ban_date"}, needed: true, sqlFile: "10_ips.sql"},
	{name: "user_security_keys", required: []string{"id", "user_id"}, secrets: []string{"credential_id", "public_key"}, sqlFile: "15_security_keys.sql"},
	{name: "user_recovery_codes", required: []string{"id", "user_id"}, optional: []string{"generated", "burned"}, secrets: []string{"code"}, sqlFile: "16_recovery_codes.sql"},
	{name: "users", required: []string{"id", "username"}, optional: []string{"date_joined", "last_login", "is_active", "is_frozen", "disabled_for"}, flagged: []string{"totp_secret"}, disabled: []string{"password"}, secrets: []string{"password", "last_totp_value"}, needed: true, sqlFile: "20_accounts.sql"},
	{name: "user_unique_logins", required: []string{"id", "user_id"}, optional: []string{"ip_address_id", "created", "last_used", "status"}, sqlFile: "35_unique_logins.sql"},
	{name: "user_emails", required: []string{"id", "user_id", "email"}, optional: []string{"primary", "verified", "unverify_reason"}, sqlFile: "30_emails.sql"},
	{name: "user_events", required: []string{"id", "source_id", "tag", "time"}, optional: []string{"additional", "ip_address_id"}, needed: true, sqlFile: "40_account_events.sql"},
	{name: "projects", required: []string{"id", "name"}, optional: []string{"normalized_name", "created"}, sqlFile: "50_projects.sql"},
	{name: "roles", required: []string{"id", "user_id", "project_id"}, optional: []string{"role_name"}, sqlFile: "60_roles.sql"},
	{name: "project_events", required: []string{"id", "source_id", "tag", "time"}, optional: []string{"additional", "ip_address_id"}, sqlFile: "70_project_events.sql"},
	{name: "file_events", required: []string{"id", "source_id", "tag", "time"}, optional: []string{"additional", "ip_address_id"}, sqlFile: "71_file_events.sql"},
}

// stageColumns are the staging table's text columns, after line_no.
func (t tableSpec) stageColumns() []string {
	cols := append(append([]string{}, t.required...), t.optional...)
	for _, f := range t.flagged {
		cols = append(cols, f+"_set")
	}
	for _, d := range t.disabled {
		cols = append(cols, d+"_disabled")
	}
	return cols
}

// isSecret says whether a source column must never be read.
func (t tableSpec) isSecret(col string) bool {
	for _, s := range t.secrets {
		if s == col {
			return true
		}
	}
	for _, f := range t.flagged {
		if f == col {
			return true
		}
	}
	return false
}

func specByName(name string) (tableSpec, bool) {
	for _, t := range snapshotTables {
		if t.name == name {
			return t, true
		}
	}
	return tableSpec{}, false
}
