package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
)

// The statement cache: modernc.org/sqlite prepares every statement it is
// asked to run, and River's SQLite driver sends its queries as text, so
// under load SQLite spent about 10 % of mailwiki's CPU compiling the same
// few statements again (measured with pprof during bench/accept.sh). The
// connector below keeps each connection's prepared queries and reuses them.
//
// Only queries (QueryContext) are cached: they are single statements. A
// cached statement in use by rows not yet closed is not reused; that query
// runs uncached instead. Exec and transactions pass through unchanged.

// maxCached bounds the prepared statements kept per connection.
const maxCached = 256

type cachingConnector struct {
	base driver.Connector
}

func newCachingConnector(dsn string) (driver.Connector, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	drv := db.Driver() // the registered driver, with its registrations
	db.Close()
	if dc, ok := drv.(driver.DriverContext); ok {
		base, err := dc.OpenConnector(dsn)
		if err != nil {
			return nil, err
		}
		return cachingConnector{base: base}, nil
	}
	return cachingConnector{base: dsnConnector{drv: drv, dsn: dsn}}, nil
}

// dsnConnector opens connections of a driver without DriverContext.
type dsnConnector struct {
	drv driver.Driver
	dsn string
}

func (d dsnConnector) Connect(context.Context) (driver.Conn, error) { return d.drv.Open(d.dsn) }
func (d dsnConnector) Driver() driver.Driver                        { return d.drv }

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	for _, ok := range []bool{is[driver.QueryerContext](conn), is[driver.ConnPrepareContext](conn), is[driver.ExecerContext](conn), is[driver.ConnBeginTx](conn)} {
		if !ok {
			conn.Close()
			return nil, fmt.Errorf("sqlite: connection %T lacks a context interface", conn)
		}
	}
	return &cachingConn{Conn: conn, stmts: map[string]*cachedStmt{}}, nil
}

func (c cachingConnector) Driver() driver.Driver { return c.base.Driver() }

func is[T any](v any) bool { _, ok := v.(T); return ok }

type cachedStmt struct {
	st   driver.Stmt
	busy bool // rows from it are open
}

// cachingConn is used by one goroutine at a time (database/sql's contract).
type cachingConn struct {
	driver.Conn
	stmts map[string]*cachedStmt
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil || cs.busy {
		return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
	}
	q, ok := cs.st.(driver.StmtQueryContext)
	if !ok {
		return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
	}
	rows, err := q.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	cs.busy = true
	return &releasingRows{Rows: rows, cs: cs}, nil
}

// stmt returns the cached statement for query, preparing it on first use.
func (c *cachingConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if cs, ok := c.stmts[query]; ok {
		return cs, nil
	}
	st, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if len(c.stmts) >= maxCached {
		c.closeStmts()
	}
	cs := &cachedStmt{st: st}
	c.stmts[query] = cs
	return cs, nil
}

func (c *cachingConn) closeStmts() {
	for q, cs := range c.stmts {
		if !cs.busy {
			cs.st.Close()
			delete(c.stmts, q)
		}
	}
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *cachingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if nc, ok := c.Conn.(driver.NamedValueChecker); ok {
		return nc.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (c *cachingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *cachingConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *cachingConn) Close() error {
	for _, cs := range c.stmts {
		cs.st.Close()
	}
	c.stmts = nil
	return c.Conn.Close()
}

// releasingRows frees its statement for reuse when closed.
type releasingRows struct {
	driver.Rows
	cs *cachedStmt
}

func (r *releasingRows) Close() error {
	err := r.Rows.Close()
	r.cs.busy = false
	return err
}

func (r *releasingRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}
