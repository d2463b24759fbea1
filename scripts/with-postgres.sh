#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster on loopback, then stops and removes it.
# initdb refuses to run as root, so as root the cluster belongs to the `postgres` user.
set -euo pipefail
bindir=""
# Resolve symlinks: initdb, pg_ctl and postgres must come from the same installation.
if command -v initdb >/dev/null 2>&1; then bindir="$(dirname "$(readlink -f "$(command -v initdb)")")"; else
  bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
fi
[ -x "$bindir/initdb" ] || { echo "with-postgres: initdb not found (apt-get install postgresql)" >&2; exit 1; }
# A port the kernel just handed out as free, so runs side by side (other checkouts, other helpers) do not collide.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="${JIXIAO_PG_PORT:-$(free_port)}"
dir="$(mktemp -d /tmp/jixiao-pg.XXXXXX)"
run_as=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  chown postgres "$dir"
  run_as=(runuser -u postgres --)
fi
cleanup() { "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
"${run_as[@]}" "$bindir/initdb" -D "$dir/data" -U jixiao --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
# Durability is worthless for a cluster that lives for one test run, and costs seconds.
if ! "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null; then
  echo "with-postgres: PostgreSQL did not start:" >&2; cat "$dir/log" >&2; exit 1
fi
export JIXIAO_DATABASE_URL="postgres://jixiao@127.0.0.1:$port/postgres"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
"$@"
