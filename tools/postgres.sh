#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests and the load benchmark: Debian's own server binaries, a data folder
# under /tmp, run as the `postgres` user when this runs as root (initdb refuses root). Prints the URL to export as
# PILOT_TEST_PG. Usage: tools/postgres.sh start|stop [PORT]
set -euo pipefail
action=${1:-start}
port=${2:-55432}
dir=/tmp/pilot-postgres-$port
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ]; then
  echo "PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
fi
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case $action in
  start)
    if [ ! -s "$dir/PG_VERSION" ]; then
      mkdir -p "$dir"
      [ "$(id -u)" = 0 ] && chown postgres: "$dir"
      as_owner "$bin/initdb" -D "$dir" -U pilot --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      # fsync stays on: the kill test relies on a commit surviving the server's clients being killed.
      as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null
    fi
    echo "postgresql://pilot@127.0.0.1:$port/postgres"
    ;;
  stop)
    as_owner "$bin/pg_ctl" -D "$dir" -m fast stop >/dev/null
    ;;
  *)
    echo "usage: $0 start|stop [PORT]" >&2
    exit 2
    ;;
esac
