// Package cluster starts throwaway PostgreSQL clusters from the local
// PostgreSQL binaries, for tests and for `make run` when no DATABASE_URL is given.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// OwnerRole owns Steward's schemas and runs migrations.
const OwnerRole = "steward_owner"

// Cluster is a running throwaway PostgreSQL cluster. Authentication is
// "trust" over the socket and loopback: it is for tests and development only.
type Cluster struct {
	dir     string
	sockDir string
	port    int
	bin     string
	asUser  string // run server binaries as this user; empty for the current one
}

// Options shape a cluster.
type Options struct {
	// TCP also listens on a free loopback port, for tools outside the
	// process (psql, a developer's IDE). Without it the cluster has only its
	// Unix socket, so concurrent test binaries never race for a port.
	TCP bool
}

// Start initialises and starts a cluster in a fresh temporary directory.
func Start(ctx context.Context, o Options) (_ *Cluster, err error) {
	bin, err := findBinaries()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "stw-pg-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(dir)
		}
	}()
	c := &Cluster{dir: dir, sockDir: filepath.Join(dir, "s"), bin: bin}
	var listen string
	if os.Geteuid() == 0 {
		// initdb refuses to run as root.
		c.asUser = "postgres"
		if err := chownTo(dir, c.asUser); err != nil {
			return nil, err
		}
	}
	listen, c.port = "", 5432 // the port only names the socket file, in a directory of its own
	if o.TCP {
		listen = "127.0.0.1"
		if c.port, err = freePort(); err != nil {
			return nil, err
		}
	}
	if err := c.run(ctx, "initdb", "-D", filepath.Join(dir, "data"), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		return nil, err
	}
	if err := c.run(ctx, "sh", "-c", "mkdir -p "+c.sockDir); err != nil {
		return nil, err
	}
	opts := fmt.Sprintf("-k %s -p %d -c listen_addresses='%s' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=256MB", c.sockDir, c.port, listen)
	if err := c.run(ctx, "pg_ctl", "-D", filepath.Join(dir, "data"), "-l", filepath.Join(dir, "log"), "-o", opts, "-w", "-t", "60", "start"); err != nil {
		return nil, err
	}
	return c, nil
}

// Stop shuts the cluster down immediately and deletes its files.
func (c *Cluster) Stop() error {
	err := c.run(context.Background(), "pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "-w", "stop")
	return errors.Join(err, os.RemoveAll(c.dir))
}

// URL returns a connection string for role on database over the Unix socket.
func (c *Cluster) URL(role, database string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", c.sockDir, c.port, role, database)
}

// TCPURL returns a postgres:// URL over loopback TCP, for humans and psql.
// Only a cluster started with Options.TCP listens there.
func (c *Cluster) TCPURL(role, database string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", role, c.port, database)
}

// CreateDatabase creates the owner role if needed and a database it owns,
// optionally cloned from template.
func (c *Cluster) CreateDatabase(ctx context.Context, name, template string) error {
	conn, err := pgx.Connect(ctx, c.URL("postgres", "postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, fmt.Sprintf(`DO $$ BEGIN
		IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%[1]s') THEN
			CREATE ROLE %[1]s LOGIN CREATEROLE NOSUPERUSER;
		END IF; END $$`, OwnerRole))
	if err != nil {
		return fmt.Errorf("create owner role: %w", err)
	}
	stmt := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize() + " OWNER " + OwnerRole
	if template != "" {
		stmt += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

func (c *Cluster) run(ctx context.Context, name string, args ...string) error {
	path := name
	if name != "sh" {
		path = filepath.Join(c.bin, name)
	}
	var cmd *exec.Cmd
	if c.asUser != "" {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", c.asUser, "--", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", name, err, out)
	}
	return nil
}

// findBinaries locates initdb and pg_ctl: $PG_BIN, then the newest Debian
// install under /usr/lib/postgresql, then PATH.
func findBinaries() (string, error) {
	if dir := os.Getenv("PG_BIN"); dir != "" {
		return dir, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(matches, func(i, j int) bool { return version(matches[i]) > version(matches[j]) })
	if len(matches) > 0 {
		return filepath.Dir(matches[0]), nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("PostgreSQL server binaries not found: install Debian's postgresql package or set PG_BIN")
}

func version(initdb string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return v
}

func chownTo(dir, name string) error {
	u, err := user.Lookup(name)
	if err != nil {
		return fmt.Errorf("look up %s (needed to run PostgreSQL as root): %w", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return os.Chown(dir, uid, gid)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
