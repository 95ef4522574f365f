#!/usr/bin/env bash
# A local PostgreSQL for the test suite: prints the SQLAlchemy URL of role and database `skylabel_test`.
#
#   export SKYLABEL_TEST_POSTGRES_URL="$(.ci/postgres.sh)"
#
# Idempotent: installs Debian's `postgresql` with apt-get only when it is missing; uses a running cluster, else
# starts the first one with pg_ctlcluster (no systemd on these machines), else creates a cluster `skylabel` on
# a free port (when there is none, or when the first cannot start because another program holds its port);
# creates the role (LOGIN CREATEDB: the test fixture and `skylabel bench sources` create and drop their own
# databases) and the database when absent. Progress goes to stderr; stdout holds the URL only.
set -euo pipefail

ROLE=skylabel_test
DB=skylabel_test
PASSWORD="${SKYLABEL_TEST_POSTGRES_PASSWORD:-skylabel_test}"

log() { echo "postgres.sh: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"
  elif [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"
  else sudo -u postgres "$@"; fi
}
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local port
  for port in $(seq 5432 5499); do
    if ! port_in_use "$port"; then echo "$port"; return 0; fi
  done
  log "no free TCP port in 5432-5499 for PostgreSQL"; return 1
}

cd /  # the postgres user cannot read every working directory

if ! command -v pg_lsclusters >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  log "installing Debian's postgresql"
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi

cluster_line() { pg_lsclusters -h 2>/dev/null | awk -v name="$1" '$2 == name || name == "" {print; exit}'; }

start_cluster() {  # VERSION NAME PORT: start a down cluster, or fail when its port is held by something else
  local version=$1 name=$2 port=$3
  if port_in_use "$port"; then
    log "cluster $version/$name is down and port $port is taken by another program"; return 1
  fi
  log "starting cluster $version/$name on port $port"
  as_root install -d -o postgres -g postgres -m 2775 /var/run/postgresql
  as_root pg_ctlcluster "$version" "$name" start >&2
}

line="$(pg_lsclusters -h 2>/dev/null | awk '$4 ~ /^online/ {print; exit}')"  # a running cluster first
[ -n "$line" ] || line="$(cluster_line "")"
if [ -n "$line" ]; then
  read -r VERSION NAME PORT STATUS _ <<<"$line"
  if [[ "$STATUS" != online* ]] && ! start_cluster "$VERSION" "$NAME" "$PORT"; then
    line=""
  fi
fi
if [ -z "$line" ]; then
  line="$(cluster_line skylabel)"
  if [ -z "$line" ]; then
    VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
    PORT="$(free_port)"
    log "creating cluster $VERSION/skylabel on port $PORT"
    as_root pg_createcluster --port="$PORT" "$VERSION" skylabel >&2
    line="$(cluster_line skylabel)"
  fi
  read -r VERSION NAME PORT STATUS _ <<<"$line"
  if [[ "$STATUS" != online* ]]; then start_cluster "$VERSION" "$NAME" "$PORT"; fi
fi

for _ in $(seq 1 30); do
  if pg_isready -q -h 127.0.0.1 -p "$PORT"; then break; fi
  sleep 1
done
pg_isready -q -h 127.0.0.1 -p "$PORT" || { log "cluster $VERSION/$NAME does not accept connections on $PORT"; exit 1; }

psql_admin() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" -d postgres "$@"; }
psql_admin -v role="$ROLE" -v password="$PASSWORD" >&2 <<'SQL'
SELECT format(CASE WHEN EXISTS (SELECT FROM pg_roles WHERE rolname = :'role')
                   THEN 'ALTER ROLE %I LOGIN CREATEDB PASSWORD %L'
                   ELSE 'CREATE ROLE %I LOGIN CREATEDB PASSWORD %L' END, :'role', :'password') \gexec
SQL
if [ "$(psql_admin -tA -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
  log "creating database $DB"
  psql_admin -c "CREATE DATABASE $DB OWNER $ROLE" >&2
fi

echo "postgresql+psycopg://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
