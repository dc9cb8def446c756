# Shared shell functions for infra/up and infra/test. Each step says what it
# does; a failing step says what failed and how to fix it, then stops.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# State, logs and pid files (overridable so tests can use a scratch folder).
VAR="${LABGRADE_VAR:-$ROOT/var}"
mkdir -p "$VAR/log" "$VAR/run" "$VAR/stamps"
export NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1
# `prisma generate` never runs the schema engine but insists the variable points at a file.
export PRISMA_SCHEMA_ENGINE_BINARY="$ROOT/package.json"

if [ -t 1 ]; then BOLD=$'\e[1m'; RED=$'\e[31m'; GREEN=$'\e[32m'; DIM=$'\e[2m'; RESET=$'\e[0m'; else BOLD=""; RED=""; GREEN=""; DIM=""; RESET=""; fi

STEP_NAME=""
step() { STEP_NAME="$1"; printf '%s==> %s%s\n' "$BOLD" "$1" "$RESET"; }
info() { printf '    %s\n' "$*"; }
ok() { printf '    %s%s%s\n' "$GREEN" "$*" "$RESET"; }
# fail MESSAGE HINT: stops with what failed and how to fix it.
fail() {
  printf '%sFAILED: %s%s\n' "$RED" "${STEP_NAME:+$STEP_NAME: }$1" "$RESET" >&2
  [ -n "${2:-}" ] && printf '  how to fix: %s\n' "$2" >&2
  exit 1
}
# show_log FILE: the last lines of a log, to explain a failure.
# quiet: drops npm's warning about this machine's own npmrc from step output.
quiet() { grep -v "npm warn Unknown user config" || true; }
show_log() { [ -f "$1" ] && { printf '%s--- last lines of %s ---%s\n' "$DIM" "$1" "$RESET" >&2; tail -n 20 "$1" >&2; }; }

# hash_of FILES...: a short hash of files' contents (for "rebuild only when changed").
hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }
# tree_hash DIRS...: hash of every tracked-or-not source file under DIRS.
tree_hash() {
  (cd "$ROOT" && find "$@" -type f \( -name '*.ts' -o -name '*.tsx' -o -name '*.css' -o -name '*.json' -o -name '*.go' -o -name '*.mod' -o -name '*.prisma' -o -name '*.md' \) \
    -not -path '*/node_modules/*' -not -path '*/generated/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}
stamp_matches() { [ -f "$VAR/stamps/$1" ] && [ "$(cat "$VAR/stamps/$1")" = "$2" ]; }
stamp_write() { printf '%s' "$2" > "$VAR/stamps/$1"; }

need_root() {
  [ "$(id -u)" = 0 ] || fail "this needs root (it installs packages and starts services)" "run it as root, e.g. sudo $0"
}

# apt_install PKG...: installs those not installed yet, with one apt-get update.
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  info "installing ${missing[*]} (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$VAR/log/apt.log" 2>&1 || { show_log "$VAR/log/apt.log"; fail "apt-get update failed" "check that Debian's package archive is reachable"; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$VAR/log/apt.log" 2>&1 ||
    { show_log "$VAR/log/apt.log"; fail "could not install ${missing[*]}" "see $VAR/log/apt.log"; }
}

# Environment every process we start gets; secrets are generated once into var/.
load_env() {
  if [ ! -f "$VAR/labgrade.env" ]; then
    umask 077
    {
      echo "DATABASE_URL=${DATABASE_URL:-postgresql://labgrade:labgrade@127.0.0.1:5432/labgrade}"
      echo "REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}"
      echo "AUTH_SECRET=$(head -c 32 /dev/urandom | sha256sum | cut -c1-64)"
      echo "PORT=${PORT:-3000}"
      echo "AUTH_URL=${AUTH_URL:-http://127.0.0.1:${PORT:-3000}}"
    } > "$VAR/labgrade.env"
    umask 022
  fi
  set -a
  # shellcheck disable=SC1091
  . "$VAR/labgrade.env"
  set +a
}

# Node.js 20.19+ runs everything (Next.js 16, Prisma 7 and our sandbox agent).
check_node() {
  command -v node >/dev/null || fail "node is not installed" "install Node.js 20.19 or newer (the npm registry is reachable, but Node itself must come from your distribution or nodesource)"
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
    fail "Node.js $(node --version) is too old" "install Node.js 20.19 or newer"
}

install_npm_deps() {
  local h
  h="$(hash_of "$ROOT/package.json" "$ROOT/package-lock.json")"
  if [ -d "$ROOT/node_modules" ] && stamp_matches npm "$h"; then ok "npm dependencies up to date"; return; fi
  # Not `npm ci`: the registry reachable here serves only this platform's
  # optional binaries (e.g. @next/swc-linux-x64-gnu), so the lock file lacks the
  # others and `npm ci` calls it out of sync. `npm install` follows the lock
  # for everything it lists. Install scripts stay disabled; nothing we use needs one.
  info "npm install (from package-lock.json)"
  (cd "$ROOT" && npm install --no-audit --no-fund >"$VAR/log/npm.log" 2>&1) || { grep -m 15 'npm error' "$VAR/log/npm.log" >&2; fail "npm install failed" "see $VAR/log/npm.log; the npm registry must be reachable"; }
  # npm may have rewritten the lock file (e.g. a package.json field it mirrors): stamp what is there now.
  stamp_write npm "$(hash_of "$ROOT/package.json" "$ROOT/package-lock.json")"
}

# The history checker, compiled (lib/checkers/check-history.mjs): `npm run
# check-history` would otherwise compile it at its first start, and refuses to
# run a bundle older than its sources either way.
build_check_history() {
  (cd "$ROOT" && node lib/checkers/check-history.mjs --build >"$VAR/log/check-history-build.log" 2>&1) || { show_log "$VAR/log/check-history-build.log"; fail "compiling the history checker failed" "see $VAR/log/check-history-build.log"; }
  ok "$(tail -1 "$VAR/log/check-history-build.log")"
}

generate_prisma_client() {
  local h
  h="$(hash_of "$ROOT/prisma/schema.prisma" "$ROOT/package-lock.json")"
  if [ -f "$ROOT/lib/generated/prisma/client.ts" ] && stamp_matches prisma "$h"; then ok "Prisma client up to date"; return; fi
  (cd "$ROOT" && npx prisma generate >"$VAR/log/prisma.log" 2>&1) || { show_log "$VAR/log/prisma.log"; fail "prisma generate failed" "fix prisma/schema.prisma (see the log)"; }
  stamp_write prisma "$h"
  ok "Prisma client generated"
}

start_postgres() {
  apt_install postgresql
  local cluster
  cluster="$(pg_lsclusters -h 2>/dev/null | awk 'NR==1{print $1" "$2}')"
  [ -n "$cluster" ] || fail "no PostgreSQL cluster exists" "create one with: pg_createcluster 15 main"
  # shellcheck disable=SC2086
  if ! pg_lsclusters -h | awk 'NR==1{print $4}' | grep -q online; then
    pg_ctlcluster $cluster start 2>"$VAR/log/postgres.log" || { show_log "$VAR/log/postgres.log"; fail "PostgreSQL ($cluster) did not start" "see the log above, or /var/log/postgresql/"; }
    info "started PostgreSQL $cluster"
  else
    ok "PostgreSQL $cluster already running"
  fi
  for _ in $(seq 1 30); do su postgres -c "psql -qAtc 'select 1'" >/dev/null 2>&1 && break; sleep 0.5; done
  # The role may create databases (tests make one per file) but is not a superuser.
  su postgres -c "psql -qAt" >"$VAR/log/postgres-role.log" 2>&1 <<'SQL' || { show_log "$VAR/log/postgres-role.log"; fail "could not create the labgrade role and database" "see the log"; }
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'labgrade') THEN
    CREATE ROLE labgrade LOGIN CREATEDB PASSWORD 'labgrade';
  END IF;
END $$;
SELECT 'CREATE DATABASE labgrade OWNER labgrade' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'labgrade')\gexec
SQL
}

start_redis() {
  apt_install redis-server
  if redis-cli -h 127.0.0.1 ping 2>/dev/null | grep -q PONG; then ok "Redis already running"; return; fi
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --logfile "$VAR/log/redis.log" --dir "$VAR" \
    --pidfile "$VAR/run/redis.pid" >/dev/null || fail "redis-server did not start" "see $VAR/log/redis.log"
  for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 ping 2>/dev/null | grep -q PONG && { info "started Redis"; return; }; sleep 0.25; done
  show_log "$VAR/log/redis.log"; fail "Redis did not answer" "see $VAR/log/redis.log"
}

# Lab networks live in 198.18.0.0/15 (reserved for network testing). The
# engine's default pools are private ranges we must not use.
DOCKER_POOL="198.18.0.0/16"
start_docker() {
  apt_install docker.io iptables debootstrap ca-certificates
  if docker info >/dev/null 2>&1; then
    ok "Docker engine already running"
  else
    info "starting dockerd (networks from $DOCKER_POOL)"
    nohup dockerd --bip 198.18.255.1/24 --default-address-pool "base=$DOCKER_POOL,size=24" --log-level warn \
      >"$VAR/log/dockerd.log" 2>&1 &
    echo $! > "$VAR/run/dockerd.pid"
    for _ in $(seq 1 60); do
      docker info >/dev/null 2>&1 && break
      kill -0 "$(cat "$VAR/run/dockerd.pid")" 2>/dev/null || break # dockerd gave up: no point waiting
      sleep 0.5
    done
    docker info >/dev/null 2>&1 || { show_log "$VAR/log/dockerd.log"; fail "the Docker engine did not start" "see $VAR/log/dockerd.log (dockerd needs root, iptables and overlay support; inside a container it needs --privileged)"; }
  fi
  guard_host_from_labs
}

# Student code must not reach the host's own services, whatever they bind to:
# drop every new connection from lab networks to any address of the host.
# guard_host_from_labs [RUNNER_RANGE...]: an engine host (infra/engine.sh)
# names the runners whose own address is inside 198.18.0.0/15; they alone may
# open connections to the engine's TLS port, and not through a Docker bridge
# (the caller has checked that no range overlaps the lab pool).
guard_host_from_labs() {
  iptables -N LABGRADE-HOST-GUARD 2>/dev/null || true
  iptables -F LABGRADE-HOST-GUARD
  iptables -A LABGRADE-HOST-GUARD -s 198.18.0.0/15 -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN
  # The host's own connections to its own addresses (e.g. a bridge's or the engine's, inside the
  # range) arrive on lo; a lab container's never do.
  iptables -A LABGRADE-HOST-GUARD -i lo -j RETURN
  local runner
  for runner in "$@"; do
    iptables -A LABGRADE-HOST-GUARD -s "$runner" ! -i br-+ -p tcp --dport 2376 -j RETURN
  done
  iptables -A LABGRADE-HOST-GUARD -s 198.18.0.0/15 -j DROP
  iptables -C INPUT -j LABGRADE-HOST-GUARD 2>/dev/null || iptables -I INPUT 1 -j LABGRADE-HOST-GUARD
  ok "host guarded: lab networks cannot open connections to the host${1:+ (runners at $* may reach port 2376)}"
}

build_images() {
  (cd "$ROOT" && npx tsx sandbox/images/build-images.ts 2>&1 | quiet | tee "$VAR/log/images.log" | sed 's/^/    /') || true
  grep -q FAILED "$VAR/log/images.log" && fail "sandbox images could not be built" "see $VAR/log/images.log (debootstrap needs Debian's archive)"
  return 0
}

migrate_and_seed() {
  (cd "$ROOT" && npx tsx infra/migrate.ts 2>&1 | quiet | sed 's/^/    /'; exit "${PIPESTATUS[0]}") || fail "migrations failed" "see the message above"
  (cd "$ROOT" && npx tsx infra/seed.ts 2>&1 | quiet | sed 's/^/    /'; exit "${PIPESTATUS[0]}") || fail "seeding failed" "see the message above"
}

build_web() {
  local h
  h="$(tree_hash app lib next.config.ts package-lock.json)"
  if [ -f "$ROOT/.next/BUILD_ID" ] && stamp_matches web "$h"; then ok "web build up to date"; return; fi
  info "next build (about a minute)"
  (cd "$ROOT" && npx next build >"$VAR/log/next-build.log" 2>&1) || { show_log "$VAR/log/next-build.log"; fail "next build failed" "see $VAR/log/next-build.log"; }
  stamp_write web "$h"
  ok "web app built"
}

# The runner, as one process (node with tsx as its loader, not the tsx CLI,
# which would run it as a child): the PID in var/run/runner.pid is the runner
# itself, so `kill $(cat var/run/runner.pid)` stops it (gracefully, SIGTERM).
start_runner() { start_service runner node --import tsx runner/main.ts; }

# start_service NAME COMMAND...: runs a service in the background unless the
# same build of it is already running. Only ever stops the PID it started.
start_service() {
  local name="$1"; shift
  local pidfile="$VAR/run/$name.pid" want have=""
  want="$(cat "$VAR/stamps/web" 2>/dev/null)-$(tree_hash runner sandbox lib server.ts)"
  [ -f "$VAR/run/$name.build" ] && have="$(cat "$VAR/run/$name.build")"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    if [ "$have" = "$want" ]; then ok "$name already running (pid $(cat "$pidfile"))"; return; fi
    info "restarting $name (its code changed)"
    kill "$(cat "$pidfile")"; sleep 1
  fi
  # exec: the recorded PID is the service itself; its output goes to the log,
  # so it holds no terminal or pipe of ours.
  (cd "$ROOT" && exec nohup "$@" >>"$VAR/log/$name.log" 2>&1 </dev/null) &
  echo $! > "$pidfile"
  printf '%s' "$want" > "$VAR/run/$name.build"
  info "started $name (pid $(cat "$pidfile"), log var/log/$name.log)"
}
