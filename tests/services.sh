#!/bin/sh
# Start the servers the distributed tests talk to when they are not running (a fresh machine, or
# one without systemd): Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432, with a role
# `govwatch` (password `govwatch`, may create databases) for tests/test_cluster.py.
# install.sh --test installs the Debian packages and calls this; .ci/run calls it too.
set -u
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    as_root redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
        --dir /tmp --logfile /tmp/govwatch-test-redis.log
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    version=$(ls /etc/postgresql | sort -n | tail -1)
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
    for _ in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if ! PGPASSWORD=govwatch psql -h 127.0.0.1 -U govwatch -d postgres -tAc "select 1" >/dev/null 2>&1; then
    as_root su postgres -c "psql -q -c \"CREATE ROLE govwatch LOGIN CREATEDB PASSWORD 'govwatch'\"" \
        || as_root su postgres -c "psql -q -c \"ALTER ROLE govwatch LOGIN CREATEDB PASSWORD 'govwatch'\""
fi
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { echo "services: Redis did not start" >&2; exit 1; }
PGPASSWORD=govwatch psql -h 127.0.0.1 -U govwatch -d postgres -tAc "select 1" >/dev/null 2>&1 \
    || { echo "services: PostgreSQL did not start, or the govwatch role cannot log in" >&2; exit 1; }
