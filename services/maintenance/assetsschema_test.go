package maintenance_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"steward.dev/db/dbtest"
)

// The tests here hold Maintenance to the rule of issue 9: its facts about
// homes, assets and readings come from Assets' API, never Assets' tables.
// Three views of the same rule: what PostgreSQL makes of every query the
// store sends, the text of the queries and migrations, and every SQL
// string in the service's Go code.

// assetsRef is a reference to something in the schema assets: assets.homes,
// "assets".homes, assets . meter_readings (a bare word "assets", as in a
// CHECK's 'assets' or a comment's "Assets' feed", is none).
var assetsRef = regexp.MustCompile(`(?i)(\bassets|"assets")\s*\.\s*["a-z_]`)

// repoRoot is the repository, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// storeQueries returns the SQL of every query in the generated store, by
// name: the constants sqlc writes ("-- name: X :one\n SELECT ..."), which are
// exactly what the service sends.
func storeQueries(t *testing.T) map[string]string {
	t.Helper()
	queries := map[string]string{}
	files, err := filepath.Glob(filepath.Join("internal", "store", "*.sql.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		file, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !strings.HasPrefix(s, "-- name: ") {
				return true
			}
			queries[strings.Fields(s)[2]] = s
			return true
		})
	}
	if len(queries) == 0 {
		t.Fatal("no query found in the generated store: the parsing is broken")
	}
	return queries
}

// TestQueriesNeverTouchTheAssetsSchema: with the runtime role's USAGE on
// the schema assets revoked (in this test's own database), PostgreSQL still
// parses and plans every query of Maintenance's store, so none names a
// table, view, function or type of Assets, however it is spelled. A query
// that does name one fails to prepare here, as the control shows.
func TestQueriesNeverTouchTheAssetsSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	owner := dbtest.Connect(t, d.OwnerURL)
	if _, err := owner.Exec(ctx, "REVOKE USAGE ON SCHEMA assets FROM steward_app"); err != nil {
		t.Fatal(err)
	}
	app := dbtest.Connect(t, d.AppURL)
	prepare := func(name, sql string) error {
		_, err := app.Prepare(ctx, name, sql)
		return err
	}
	if err := prepare("control", "SELECT count(*) FROM assets.homes WHERE tenant_id = $1"); err == nil || !strings.Contains(err.Error(), "schema assets") {
		t.Fatalf("the control query prepared with the schema's usage revoked (%v): the check proves nothing", err)
	}
	for name, sql := range storeQueries(t) {
		if err := prepare(name, sql); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestMigrationsAndQueryFilesNameNoAssetsObject: the SQL files of
// Maintenance's queries and migrations mention no object of the schema
// assets, outside comments; and no object of the schema maintenance that
// the migrations made depends on one (a foreign key, a view, a trigger's
// function), as PostgreSQL's own catalogue of dependencies says.
func TestMigrationsAndQueryFilesNameNoAssetsObject(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	files := 0
	for _, dir := range []string{"db/queries/maintenance", "db/migrations/maintenance"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || !strings.HasSuffix(path, ".sql") {
				return err
			}
			files++
			text, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for i, line := range strings.Split(string(text), "\n") {
				code, _, _ := strings.Cut(line, "--")
				if assetsRef.MatchString(code) {
					t.Errorf("%s:%d names an object of the schema assets: %s", strings.TrimPrefix(path, root+"/"), i+1, strings.TrimSpace(line))
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if files < 2 {
		t.Fatalf("read %d SQL files: the paths are wrong", files)
	}

	d := dbtest.New(t)
	conn := dbtest.Connect(t, d.OwnerURL)
	rows, err := conn.Query(context.Background(), `
		SELECT DISTINCT pg_describe_object(dep.classid, dep.objid, dep.objsubid) || ' -> ' || pg_describe_object(dep.refclassid, dep.refobjid, dep.refobjsubid)
		FROM pg_depend dep
		JOIN LATERAL pg_identify_object(dep.classid, dep.objid, dep.objsubid) o ON true
		JOIN LATERAL pg_identify_object(dep.refclassid, dep.refobjid, dep.refobjsubid) r ON true
		WHERE o.schema = 'maintenance' AND r.schema = 'assets'`)
	if err != nil {
		t.Fatal(err)
	}
	deps, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range deps {
		t.Errorf("a maintenance object depends on Assets': %s", dep)
	}
}

// TestGoCodeSendsNoSQLAboutAssetsTables: no string in the service's Go code
// (handlers, jobs, tests' own SQL) names an object of the schema assets.
// Import paths are skipped: they name Assets' packages, not its tables; and
// so is this file, whose control query names one on purpose.
func TestGoCodeSendsNoSQLAboutAssetsTables(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(".", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(path, ".go") || path == "assetsschema_test.go" {
			return err
		}
		file, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		files++
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ImportSpec:
				return false
			case *ast.BasicLit:
				if n.Kind == token.STRING && assetsRef.MatchString(n.Value) {
					t.Errorf("%s: %s", fset.Position(n.Pos()), n.Value)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 5 {
		t.Fatalf("read %d Go files: the walk is wrong", files)
	}
}
