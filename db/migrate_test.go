package db_test

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/pressly/goose/v3"

	"steward.dev/db"
	"steward.dev/db/cluster"
	"steward.dev/db/dbtest"
)

// TestMigrationsStepUpDownUp migrates an empty database one step at a time
// in the order Migrate uses. Every step goes up, down and up again: after
// its Down the catalog must be what it was before its Up, and after the
// second Up what it was after the first.
func TestMigrationsStepUpDownUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := dbtest.New(t).Cluster // for its cluster; the test migrates a database of its own
	name := "empty_" + strings.ReplaceAll(t.Name(), "/", "_")
	if err := c.CreateDatabase(ctx, name, ""); err != nil {
		t.Fatal(err)
	}
	owner, err := sql.Open("pgx", c.URL(cluster.OwnerRole, name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { owner.Close() })
	// The snapshot reads as the superuser, which row-level security does not
	// hide rows from.
	super, err := pgx.Connect(ctx, c.URL("postgres", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { super.Close(ctx) })

	steps := 0
	for _, schema := range schemas(t) {
		provider, err := db.NewProvider(ctx, owner, schema)
		if err != nil {
			t.Fatal(err)
		}
		for _, src := range provider.ListSources() {
			step := schema + "/" + src.Path
			steps++
			before := snapshot(ctx, t, super)
			up(ctx, t, provider, step, src.Version)
			after := snapshot(ctx, t, super)
			if slices.Equal(before, after) {
				t.Errorf("%s: Up changes nothing the snapshot sees", step)
			}
			if _, err := provider.Down(ctx); err != nil {
				t.Fatalf("%s down: %v", step, err)
			}
			if got := snapshot(ctx, t, super); !slices.Equal(got, before) {
				t.Errorf("%s: after Down the catalog differs from before Up:\n%s", step, diff(before, got))
			}
			up(ctx, t, provider, step, src.Version)
			if got := snapshot(ctx, t, super); !slices.Equal(got, after) {
				t.Errorf("%s: the second Up differs from the first:\n%s", step, diff(after, got))
			}
		}
	}
	if steps == 0 {
		t.Fatal("no migrations found")
	}
}

func up(ctx context.Context, t *testing.T, p *goose.Provider, step string, version int64) {
	t.Helper()
	res, err := p.UpByOne(ctx)
	if err != nil {
		t.Fatalf("%s up: %v", step, err)
	}
	if res.Source.Version != version {
		t.Fatalf("%s up applied version %d", step, res.Source.Version)
	}
}

// userSchemas selects the schemas migrations create, leaving out
// PostgreSQL's own and goose's version tables (bookkeeping, not schema).
const userSchemas = `nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema' AND nspname <> '` + db.VersionSchema + `'`

// catalogQueries describe what the snapshot compares, one line per object.
var catalogQueries = []struct{ what, query string }{
	{"schema", `SELECT nspname || ' owner=' || nspowner::regrole || ' acl=' || coalesce(nspacl::text, '-')
		FROM pg_namespace WHERE ` + userSchemas},
	{"relation", `SELECT c.oid::regclass || ' kind=' || c.relkind::text || ' owner=' || c.relowner::regrole ||
			' acl=' || coalesce(c.relacl::text, '-') || ' rls=' || c.relrowsecurity || ' force=' || c.relforcerowsecurity ||
			' options=' || coalesce(c.reloptions::text, '-')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ` + userSchemas},
	{"column", `SELECT c.oid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ||
			' notnull=' || a.attnotnull || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '-') ||
			' identity=' || a.attidentity::text || ' generated=' || a.attgenerated::text || ' acl=' || coalesce(a.attacl::text, '-')
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
		WHERE a.attnum > 0 AND NOT a.attisdropped AND ` + userSchemas},
	{"constraint", `SELECT k.conrelid::regclass || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
		FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace WHERE ` + userSchemas},
	{"index", `SELECT indexdef FROM pg_indexes WHERE ` + strings.ReplaceAll(userSchemas, "nspname", "schemaname")},
	{"policy", `SELECT schemaname || '.' || tablename || ' ' || policyname || ' ' || permissive || ' ' || roles::text || ' ' ||
			cmd || ' using=' || coalesce(qual, '-') || ' check=' || coalesce(with_check, '-')
		FROM pg_policies WHERE ` + strings.ReplaceAll(userSchemas, "nspname", "schemaname")},
	{"function", `SELECT p.oid::regprocedure || ' owner=' || p.proowner::regrole || ' acl=' || coalesce(p.proacl::text, '-') ||
			' ' || CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) ELSE p.prokind::text END
		FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ` + userSchemas},
	{"trigger", `SELECT pg_get_triggerdef(g.oid) FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT g.tgisinternal AND ` + userSchemas},
	{"type", `SELECT format_type(t.oid, NULL) || ' ' || t.typtype::text || ' ' ||
			coalesce((SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '')
		FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
		WHERE t.typtype IN ('d', 'e', 'r', 'm') AND ` + userSchemas},
	{"extension", `SELECT extname || ' ' || extversion FROM pg_extension`},
	{"default privileges", `SELECT defaclrole::regrole || ' ' || defaclobjtype::text || ' ' || defaclacl::text FROM pg_default_acl`},
}

// snapshot returns the database's catalog, and the row count of every table
// so that a migration of reference data is compared too, as sorted lines.
func snapshot(ctx context.Context, t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	var lines []string
	for _, q := range catalogQueries {
		rows, err := conn.Query(ctx, q.query)
		if err != nil {
			t.Fatalf("snapshot %s: %v", q.what, err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatalf("snapshot %s: %v", q.what, err)
		}
		for _, g := range got {
			lines = append(lines, q.what+": "+g)
		}
	}
	rows, err := conn.Query(ctx, `SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p') AND `+userSchemas)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		var n int64
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, fmt.Sprintf("rows: %s %d", table, n))
	}
	slices.Sort(lines)
	return lines
}

// diff lists the lines only in want (-) and only in got (+).
func diff(want, got []string) string {
	var b strings.Builder
	for _, w := range want {
		if !slices.Contains(got, w) {
			fmt.Fprintf(&b, "  - %s\n", w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			fmt.Fprintf(&b, "  + %s\n", g)
		}
	}
	return b.String()
}

// TestEverySchemaFolderMigrates: a folder under db/migrations that is not in
// the migration order would never be applied.
func TestEverySchemaFolderMigrates(t *testing.T) {
	t.Parallel()
	folders, err := db.MigrationFolders()
	if err != nil {
		t.Fatal(err)
	}
	order := schemas(t)
	slices.Sort(order)
	if !slices.Equal(folders, order) {
		t.Errorf("schema folders %v, migration order %v: they must name the same schemas", folders, schemas(t))
	}
}

var downSection = regexp.MustCompile(`(?m)^-- \+goose Down\s*$`)

// TestEveryMigrationHasADown, with a statement in it.
func TestEveryMigrationHasADown(t *testing.T) {
	t.Parallel()
	for _, schema := range schemas(t) {
		files, err := db.Migrations(schema)
		if err != nil {
			t.Fatal(err)
		}
		names, err := fs.Glob(files, "*.sql")
		if err != nil || len(names) == 0 {
			t.Fatalf("%s: no migrations (%v)", schema, err)
		}
		for _, name := range names {
			text, err := fs.ReadFile(files, name)
			if err != nil {
				t.Fatal(err)
			}
			parts := downSection.Split(string(text), 2)
			if len(parts) != 2 || !hasStatement(parts[1]) {
				t.Errorf("%s/%s: no Down section with a statement in it", schema, name)
			}
		}
	}
}

func hasStatement(sqlText string) bool {
	for line := range strings.SplitSeq(sqlText, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "--") {
			return true
		}
	}
	return false
}

var constraintSuffix = regexp.MustCompile(`_(pkey|key|fkey|check|excl)$`)

// TestConstraintsAreNamedInTheirMigrations: code matches constraint names
// (error translation), so every constraint is named explicitly in its
// schema's migrations, with the name PostgreSQL would generate:
// <table>_<columns>_<pkey|key|fkey|check|excl>.
func TestConstraintsAreNamedInTheirMigrations(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	conn := dbtest.Connect(t, d.OwnerURL)
	rows, err := conn.Query(context.Background(), `SELECT n.nspname, c.relname, k.conname
		FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE `+userSchemas+` AND n.nspname <> '`+db.JobsSchema+`' -- River's own tables, named by River
		  AND k.contype <> 't' -- a constraint trigger (Assets' change feed, deferred to the commit) is a trigger: no error names it
		ORDER BY 1, 2, 3`)
	if err != nil {
		t.Fatal(err)
	}
	type constraint struct{ schema, table, name string }
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (constraint, error) {
		var c constraint
		return c, r.Scan(&c.schema, &c.table, &c.name)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 {
		t.Fatal("no constraints found")
	}
	text := map[string]string{}
	for _, schema := range schemas(t) {
		files, err := db.Migrations(schema)
		if err != nil {
			t.Fatal(err)
		}
		names, _ := fs.Glob(files, "*.sql")
		for _, name := range names {
			b, err := fs.ReadFile(files, name)
			if err != nil {
				t.Fatal(err)
			}
			text[schema] += string(b)
		}
	}
	for _, c := range got {
		if !strings.HasPrefix(c.name, c.table+"_") || !constraintSuffix.MatchString(c.name) {
			t.Errorf("%s.%s: constraint %s is not named <table>_<columns>_<pkey|key|fkey|check|excl>", c.schema, c.table, c.name)
		}
		if !strings.Contains(text[c.schema], "CONSTRAINT "+c.name+" ") && !strings.Contains(text[c.schema], "CONSTRAINT "+c.name+"\n") {
			t.Errorf("%s.%s: constraint %s is not named in db/migrations/%s", c.schema, c.table, c.name, c.schema)
		}
	}
}

// TestEveryRequestIDHasAFingerprint: an idempotent create keeps the
// fingerprint of the request beside its request_id, to refuse the same id
// with a different request.
func TestEveryRequestIDHasAFingerprint(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	conn := dbtest.Connect(t, d.OwnerURL)
	rows, err := conn.Query(context.Background(), `SELECT r.table_schema || '.' || r.table_name, coalesce(f.data_type, 'missing')
		FROM information_schema.columns r
		LEFT JOIN information_schema.columns f ON f.table_schema = r.table_schema AND f.table_name = r.table_name
			AND f.column_name = 'request_fingerprint'
		WHERE r.column_name = 'request_id' AND r.data_type = 'uuid' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables := 0
	for rows.Next() {
		var table, fingerprint string
		if err := rows.Scan(&table, &fingerprint); err != nil {
			t.Fatal(err)
		}
		tables++
		if fingerprint != "bytea" {
			t.Errorf("%s: request_fingerprint is %s, want bytea", table, fingerprint)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if tables == 0 {
		t.Fatal("no table has a request_id")
	}
}

// schemas is db.Schemas for a test.
func schemas(t *testing.T) []string {
	t.Helper()
	order, err := db.Schemas()
	if err != nil {
		t.Fatal(err)
	}
	return order
}
