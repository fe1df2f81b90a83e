package ingest

import (
	"io/fs"

	ffsql "github.com/freezeframe/freezeframe/sql"
)

func ingestSQL(name string) string {
	b, err := fs.ReadFile(ffsql.Ingest, "ingest/"+name)
	if err != nil {
		panic(err) // embedded at build time; a missing file is a build mistake
	}
	return string(b)
}

var (
	stmtInsertRequests = ingestSQL("insert_requests.sql")
	stmtInsertRejects  = ingestSQL("insert_rejects.sql")
	stmtInsertSource   = ingestSQL("insert_source.sql")
	stmtDeleteSource   = ingestSQL("delete_source.sql")
)
