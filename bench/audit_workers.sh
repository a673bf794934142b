#!/bin/bash
# The first full audit of one big portal (crawl, every link, all checks, stored) by `govwatch run`
# as the coordinator of W local workers (Redis queue, PostgreSQL store), against the bare tuned
# Scrapy spider of ../shared/bench on the same portal in the same run: the figure of
# ../shared/bench/perf-vs-baseline.sh, with the night shared by workers.
# Usage (from the checkout; Redis and PostgreSQL running, nginx installed, ../shared/bench beside
# the checkout): bench/audit_workers.sh [PAGES] [WORKERS]   (SKIP_BASELINE=1: GovWatch only)
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
B=$REPO/../shared/bench
N=${1:-20000}; WORKERS=${2:-2}; PORT=18095; SITE=/tmp/govsite-perf-$N; W=$(mktemp -d)
PG=${GOVWATCH_BENCH_POSTGRES:-postgresql+psycopg://govwatch:govwatch@127.0.0.1:5432}
REDIS=${GOVWATCH_BENCH_REDIS:-redis://127.0.0.1:6379/0}
GW=$REPO/.venv/bin/govwatch
[ -d "$B" ] || { echo "needs ../shared/bench (gen_site.py, baseline_spider.py)"; exit 3; }
command -v nginx >/dev/null || { echo "no nginx (apt-get install nginx)"; exit 3; }
[ -d "$SITE" ] || python3 "$B/gen_site.py" --pages "$N" --out "$SITE" --base "http://127.0.0.1:$PORT" >/dev/null
V=/tmp/gw-perf-tools
[ -x $V/bin/scrapy ] || { python3 -m venv $V && $V/bin/pip install -q scrapy; } >/dev/null 2>&1
mkdir -p $W/ngx
cat > $W/ngx/nginx.conf <<NGX
worker_processes 1; pid $W/ngx/nginx.pid; error_log $W/ngx/error.log warn;
events { worker_connections 4096; }
http { include /etc/nginx/mime.types; default_type application/octet-stream; access_log off;
  log_not_found off; sendfile on; keepalive_requests 100000;
  server { listen 127.0.0.1:$PORT; root $SITE; index index.html; } }
NGX
nginx -p $W/ngx -c $W/ngx/nginx.conf || { echo "nginx failed"; exit 3; }
DB=gw_audit_$$
trap 'kill $(cat $W/ngx/nginx.pid) 2>/dev/null; PGPASSWORD=govwatch psql -qh 127.0.0.1 -U govwatch -d postgres -c "drop database if exists $DB with (force)" 2>/dev/null' EXIT
PGPASSWORD=govwatch psql -qh 127.0.0.1 -U govwatch -d postgres -c "create database $DB" || exit 3
timed() { local name=$1; shift; /usr/bin/time -f "%e %M" -o $W/$name.time "$@" >$W/$name.out 2>&1; echo "$name rc=$? wall_s,maxrss_kb=$(tail -n 1 $W/$name.time)"; }
[ -n "${SKIP_BASELINE:-}" ] || timed baseline $V/bin/python "$B/baseline_spider.py" "http://127.0.0.1:$PORT/" --concurrency 32 --concurrent-items 10 --summary $W/baseline.json
printf 'database: "%s/%s"\nqueue: "%s"\ncrawl: {parse_workers: 0}\nsites:\n  - name: "bench"\n    url: "http://127.0.0.1:%s/"\n    crawl:\n      concurrency: 32\n      delay: 0\n' "$PG" "$DB" "$REDIS" "$PORT" > $W/sites.yaml
for i in $(seq "$WORKERS"); do
  /usr/bin/time -f "%e %M" -o $W/worker$i.time $GW worker --config $W/sites.yaml --once > $W/worker$i.out 2>&1 &
done
sleep 3  # the workers are ready: the clock measures the audit
timed govwatch $GW run --config $W/sites.yaml
wait
grep -h "crawled" $W/worker*.out
read gw gm < <(tail -n 1 $W/govwatch.time)
[ -n "${SKIP_BASELINE:-}" ] && { echo "pages $N: govwatch with $WORKERS worker(s) $gw s"; exit 0; }
read bw bm < <(tail -n 1 $W/baseline.time)
python3 - "$N" "$WORKERS" "$bw" "$bm" "$gw" "$gm" <<'PY'
import sys
n, w, bw, bm, gw, gm = int(sys.argv[1]), int(sys.argv[2]), *map(float, sys.argv[3:])
print(f"pages {n}: baseline {n/bw:.0f} pages/s ({bw:.0f} s) {bm/1024:.0f} MB; govwatch with {w} worker(s) "
      f"{n/gw:.0f} pages/s ({gw:.0f} s, coordinator {gm/1024:.0f} MB); govwatch/baseline speed {bw/gw:.2f}x")
PY
