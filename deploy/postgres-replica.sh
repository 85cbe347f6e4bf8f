#!/bin/bash
# The replica: at its first start, a copy of the primary by pg_basebackup (-R: it then
# streams from it); afterwards it just starts and catches up.
set -euo pipefail
export PGDATA=/var/lib/postgresql/data
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_basebackup -h postgres -U replicator -D "$PGDATA" -R -X stream -P; do
    echo "waiting for the primary" >&2
    sleep 2
  done
  chmod 0700 "$PGDATA"
fi
# As many connections as the primary allows (a standby refuses to start with fewer):
# deploy/compose.yaml.
exec postgres -c max_connections=200
