#!/usr/bin/env bash
# PostgreSQL and Redis for a scaled-out claimhouse run (README "Running on several machines"), on one
# machine, for CI and the distributed test. Idempotent: installs the Debian packages when missing (root),
# starts a private PostgreSQL cluster and a Redis server unless they already answer, creates the user and
# database, then prints the environment as `export` lines:
#
#     eval "$(bash deploy/cluster/services.sh)"
#
# Both listen on 127.0.0.1 only. With CLAIMHOUSE_CLUSTER_BRIDGE=1 (root, Linux) it also creates the bridge
# chbr0 with the private address 10.201.0.1/24 -- no route, no forwarding, reachable only from network
# namespaces attached to the bridge (tests/test_distributed.py puts each worker in one) -- and the
# services listen on that address too. Never on a public interface.
# Settings (environment): CLAIMHOUSE_CLUSTER_DIR (state: data, logs; default /var/tmp/claimhouse-cluster),
# CLAIMHOUSE_PG_PORT (55432), CLAIMHOUSE_REDIS_PORT (56379).
set -euo pipefail

STATE=${CLAIMHOUSE_CLUSTER_DIR:-/var/tmp/claimhouse-cluster}
PG_PORT=${CLAIMHOUSE_PG_PORT:-55432}
REDIS_PORT=${CLAIMHOUSE_REDIS_PORT:-56379}
BRIDGE=chbr0
BRIDGE_ADDR=10.201.0.1
log() { echo "services.sh: $*" >&2; }

pg_bin() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && { echo "$d"; return 0; }
    done
    return 1
}

# 1. packages
if ! pg_bin >/dev/null || ! command -v redis-server >/dev/null; then
    if [ "$(id -u)" != 0 ]; then log "postgresql / redis-server missing and not root: cannot install"; exit 1; fi
    log "installing postgresql and redis-server (Debian packages)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends postgresql redis-server >&2
    # the packages' own services (Debian starts them where systemd runs) are not used: stop them
    if command -v pg_ctlcluster >/dev/null; then
        for c in $(pg_lsclusters -h 2>/dev/null | awk '$4=="online"{print $1"/"$2}'); do
            pg_ctlcluster "${c%/*}" "${c#*/}" stop >&2 || true
        done
    fi
    command -v systemctl >/dev/null && systemctl stop redis-server >/dev/null 2>&1 || true
fi
PGBIN=$(pg_bin)

# 2. the private bridge (optional)
LISTEN=127.0.0.1
if [ "${CLAIMHOUSE_CLUSTER_BRIDGE:-0}" = 1 ]; then
    if { ip link show "$BRIDGE" >/dev/null 2>&1 || ip link add "$BRIDGE" type bridge; } >&2 && \
       ip addr replace "$BRIDGE_ADDR/24" dev "$BRIDGE" >&2 && ip link set "$BRIDGE" up >&2; then
        LISTEN="127.0.0.1 $BRIDGE_ADDR"
    else
        log "could not create bridge $BRIDGE: services on 127.0.0.1 only"
    fi
fi

# 3. PostgreSQL: a cluster of its own, owned by the postgres user (or the caller when not root)
mkdir -p "$STATE"
RUNAS=()
if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$STATE" postgres
    chown postgres "$STATE"
    RUNAS=(runuser -u postgres --)
fi
PGDATA="$STATE/pg"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    log "initdb $PGDATA"
    "${RUNAS[@]}" "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 >&2 2>&1 || "${RUNAS[@]}" "$PGBIN/initdb" -D "$PGDATA" -U postgres \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C >&2
    echo "host all all 10.201.0.0/24 scram-sha-256" >>"$PGDATA/pg_hba.conf"
fi
PG_LISTEN=${LISTEN// /,}
if ! "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
    log "starting postgresql on $PG_LISTEN:$PG_PORT"
    "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$STATE/postgresql.log" -w -t 60 start \
        -o "-c listen_addresses='$PG_LISTEN' -p $PG_PORT -k $STATE -c max_connections=200" >&2
elif [ "$LISTEN" != 127.0.0.1 ] && ! "$PGBIN/pg_isready" -q -h "$BRIDGE_ADDR" -p "$PG_PORT"; then
    log "restarting postgresql on $PG_LISTEN:$PG_PORT"
    "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$STATE/postgresql.log" -w -t 60 restart \
        -o "-c listen_addresses='$PG_LISTEN' -p $PG_PORT -k $STATE -c max_connections=200" >&2
fi
psql_() { "${RUNAS[@]}" "$PGBIN/psql" -h "$STATE" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
if [ "$(psql_ -c "select 1 from pg_roles where rolname = 'claimhouse'")" != 1 ]; then
    psql_ -c "create role claimhouse login password 'claimhouse'" >&2
fi
if [ "$(psql_ -c "select 1 from pg_database where datname = 'claimhouse'")" != 1 ]; then
    psql_ -c "create database claimhouse owner claimhouse" >&2
fi

# 4. Redis (no persistence: broker and results of runs in flight only)
if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 || \
   { [ "$LISTEN" != 127.0.0.1 ] && ! redis-cli -h "$BRIDGE_ADDR" -p "$REDIS_PORT" ping >/dev/null 2>&1; }; then
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    log "starting redis-server on $LISTEN:$REDIS_PORT"
    redis-server --bind $LISTEN --port "$REDIS_PORT" --protected-mode no --save '' --appendonly no \
        --daemonize yes --dir "$STATE" --logfile "$STATE/redis.log" --pidfile "$STATE/redis.pid" >&2
    for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null
fi

HOST=127.0.0.1
[ "$LISTEN" != 127.0.0.1 ] && HOST=$BRIDGE_ADDR
echo "export DAGSTER_PG_URL=postgresql+psycopg2://claimhouse:claimhouse@$HOST:$PG_PORT/claimhouse"
echo "export CLAIMHOUSE_CELERY_BROKER=redis://$HOST:$REDIS_PORT/0"
echo "export CLAIMHOUSE_CELERY_BACKEND=redis://$HOST:$REDIS_PORT/1"
[ "$LISTEN" != 127.0.0.1 ] && echo "export CLAIMHOUSE_CLUSTER_BRIDGE_ADDR=$BRIDGE_ADDR" || echo "unset CLAIMHOUSE_CLUSTER_BRIDGE_ADDR"
