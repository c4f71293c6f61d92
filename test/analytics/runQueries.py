"""
Parses named Athena queries with sqlglot's Trino dialect and runs them, transpiled to DuckDB, over archived log
files laid out as in S3. Reads one JSON request on stdin, writes one JSON answer on stdout:

  request: {"queries": {name: sql}, "columns": [{"name", "type"}], "logDir": path or null,
            "keyPattern": regex with groups (task, dt) matched against a file's path under logDir, "params": [...]}
  answer:  {"parsed": {name: duckdb sql}, "errors": {name: message}, "results": {name: [row objects]}}

The table is defined like the Glue one: the given columns, read from JSON lines with keys matched case-insensitively
(as the OpenX SerDe does), and task and dt taken from the key, never from the line; files whose key does not match
the projection's template are not part of the table (Athena never lists them).
"""
import json
import os
import sys

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

HIVE_TO_DUCKDB = {"string": "VARCHAR", "bigint": "BIGINT", "int": "INTEGER", "boolean": "BOOLEAN", "double": "DOUBLE"}


def define_table(con, req):
    root = req["logDir"]
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith(".jsonl"))
    seen = {}
    for path in files:
        with open(path, encoding="utf8") as fh:
            for line in fh:
                try:
                    for k in json.loads(line):
                        seen.setdefault(k.lower(), k)
                except ValueError:
                    pass
    cols = req["columns"]
    json_columns = {seen.get(c["name"], c["name"]): HIVE_TO_DUCKDB[c["type"]] for c in cols}
    select = ", ".join(f'"{seen.get(c["name"], c["name"])}" AS "{c["name"]}"' for c in cols)
    pattern = req["keyPattern"].replace("'", "''")
    file_list = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
    con.execute(
        f"""CREATE VIEW app_logs AS
        SELECT {select},
               regexp_extract(relpath, '{pattern}', 1) AS task,
               regexp_extract(relpath, '{pattern}', 2) AS dt
        FROM (SELECT *, substr(filename, {len(root) + 2}) AS relpath
              FROM read_json({file_list}, format = 'newline_delimited', columns = {json.dumps(json_columns)}, filename = true))
        WHERE regexp_matches(relpath, '{pattern}')"""
    )


def main():
    req = json.load(sys.stdin)
    answer = {"parsed": {}, "errors": {}, "results": {}}
    con = None
    if req.get("logDir"):
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        define_table(con, req)
    for name, sql in req["queries"].items():
        try:
            tree = sqlglot.parse_one(sql, read="trino", error_level=ErrorLevel.RAISE)
            duck = tree.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)
        except Exception as e:  # a parse or transpile error is the answer for this query
            answer["errors"][name] = f"{type(e).__name__}: {e}"
            continue
        answer["parsed"][name] = duck
        if con is not None:
            placeholders = len(list(tree.find_all(exp.Placeholder)))
            cur = con.execute(duck, req["params"][:placeholders])
            names = [d[0] for d in cur.description]
            answer["results"][name] = [{n: (v if isinstance(v, (int, float, str, type(None))) else str(v)) for n, v in zip(names, row)} for row in cur.fetchall()]
    json.dump(answer, sys.stdout)


main()
