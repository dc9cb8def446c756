# Engine hosts: a Docker engine that runners on other machines drive over TLS
# (`./infra/up --engine-host`, README "More runners"). Sourced after lib.sh.
# Every function reads the ENGINE_* settings below, so the second-engine test
# (tests/support/second-engine.ts) runs the very same steps against an engine
# of its own: its own network namespace, data root, socket and TLS folder,
# never this machine's main dockerd.
#
# Invariants: the engine listens for TCP only with --tlsverify (a client must
# present a certificate our CA signed; plain TCP is never offered); its lab
# networks come from ENGINE_POOL inside 198.18.0.0/15, and the host guard
# drops every new connection from that whole range to the host, except TCP to
# the API port from the runner addresses the operator names (which may not
# overlap the lab pool, so no lab container can be one of them).
# shellcheck shell=bash

ENGINE_API_PORT=2376
# Where the lab networks of this engine come from, and the runners' LABGRADE_LAB_SUBNET_POOL.
ENGINE_POOL="${ENGINE_POOL:-198.18.0.0/16}"
# The address runners reach the engine on (dockerd listens there; the server certificate names it).
ENGINE_ADDRESS="${ENGINE_ADDRESS:-}"
# Runners whose address is inside 198.18.0.0/15 (space-separated addresses or CIDR ranges).
ENGINE_RUNNER_ADDRESSES="${ENGINE_RUNNER_ADDRESSES:-}"
# The CA, the engine's certificate and key, and client/ (what runners get: DOCKER_CERT_PATH).
ENGINE_TLS_DIR="${ENGINE_TLS_DIR:-$VAR/engine-tls}"
# A folder holding ca.pem and ca-key.pem of another engine host, to trust one client certificate everywhere.
ENGINE_CA_FROM="${ENGINE_CA_FROM:-}"
# The engine's own places; a real host keeps Docker's defaults.
ENGINE_DATA_ROOT="${ENGINE_DATA_ROOT:-/var/lib/docker}"
ENGINE_EXEC_ROOT="${ENGINE_EXEC_ROOT:-/var/run/docker}"
ENGINE_PIDFILE="${ENGINE_PIDFILE:-/var/run/docker.pid}"
ENGINE_SOCKET="${ENGINE_SOCKET:-/var/run/docker.sock}"
# Empty: Docker's own (/etc/docker/key.json). The engine's ID (`docker info`) comes from this key,
# and attempts record it, so two engines on one machine need a key each.
ENGINE_KEY_PATH="${ENGINE_KEY_PATH:-}"
# Prefix of the dockerd command line (the test: nsenter --net=/run/netns/NAME).
ENGINE_LAUNCH="${ENGINE_LAUNCH:-}"
# Images the engine must hold as :latest (the runner checks these four).
ENGINE_IMAGES="${ENGINE_IMAGES:-base go python node}"
# A `docker save` archive to load them from (.tar or .tar.gz; "-" is standard input); empty: build them here.
ENGINE_IMAGES_FILE="${ENGINE_IMAGES_FILE:-}"

# ------------------------------------------------------------- addresses

# ipv4_int ADDRESS: the address as an integer; fails on anything else.
ipv4_int() {
  [[ "$1" =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] || return 1
  local o
  for o in "${BASH_REMATCH[@]:1}"; do [ "$((10#$o))" -le 255 ] || return 1; done
  echo $(( (10#${BASH_REMATCH[1]} << 24) | (10#${BASH_REMATCH[2]} << 16) | (10#${BASH_REMATCH[3]} << 8) | 10#${BASH_REMATCH[4]} ))
}
int_ipv4() { echo "$(( ($1 >> 24) & 255 )).$(( ($1 >> 16) & 255 )).$(( ($1 >> 8) & 255 )).$(( $1 & 255 ))"; }

# cidr_span CIDR: "FIRST LAST" as integers (an address alone is a /32); fails on anything else.
cidr_span() {
  local address="${1%/*}" prefix=32 n size
  [[ "$1" == */* ]] && prefix="${1#*/}"
  [[ "$prefix" =~ ^[0-9]{1,2}$ ]] && [ "$prefix" -le 32 ] || return 1
  n="$(ipv4_int "$address")" || return 1
  size=$(( 1 << (32 - prefix) ))
  echo "$(( n & ~(size - 1) & 0xFFFFFFFF )) $(( (n & ~(size - 1) & 0xFFFFFFFF) + size - 1 ))"
}
# cidr_inside OUTER INNER: INNER lies wholly inside OUTER.
cidr_inside() {
  local a b a_first a_last b_first b_last
  a="$(cidr_span "$1")" && b="$(cidr_span "$2")" || return 1
  read -r a_first a_last <<<"$a"; read -r b_first b_last <<<"$b"
  [ "$b_first" -ge "$a_first" ] && [ "$b_last" -le "$a_last" ]
}
# cidr_overlap A B: the two share at least one address.
cidr_overlap() {
  local a b a_first a_last b_first b_last
  a="$(cidr_span "$1")" && b="$(cidr_span "$2")" || return 1
  read -r a_first a_last <<<"$a"; read -r b_first b_last <<<"$b"
  [ "$a_first" -le "$b_last" ] && [ "$b_first" -le "$a_last" ]
}

# engine_check_settings: fails with a reason on a pool, address or runner range that cannot work.
engine_check_settings() {
  local prefix="${ENGINE_POOL#*/}" r
  { cidr_span "$ENGINE_POOL" >/dev/null && [[ "$ENGINE_POOL" == */* ]] && cidr_inside 198.18.0.0/15 "$ENGINE_POOL" && [ "$prefix" -ge 15 ] && [ "$prefix" -le 24 ]; } ||
    fail "the lab pool $ENGINE_POOL is not a subnet of 198.18.0.0/15 between /15 and /24" "give --pool a range like 198.18.0.0/16 (the runners' LABGRADE_LAB_SUBNET_POOL)"
  [ -n "$ENGINE_ADDRESS" ] || fail "no address for runners to reach the engine on" "give --address, the engine host's IPv4 address runners connect to"
  ipv4_int "$ENGINE_ADDRESS" >/dev/null || fail "--address $ENGINE_ADDRESS is not an IPv4 address" "give the address itself (the server certificate names it; runners connect to it)"
  cidr_overlap "$ENGINE_POOL" "$ENGINE_ADDRESS" && fail "the engine's address $ENGINE_ADDRESS is inside its lab pool $ENGINE_POOL" "give the engine an address outside the pool (or another pool)"
  for r in $ENGINE_RUNNER_ADDRESSES; do
    cidr_span "$r" >/dev/null || fail "--runner-address $r is not an address or CIDR range" "e.g. 198.19.100.1 or 198.19.100.0/30"
    cidr_inside 198.18.0.0/15 "$r" || fail "--runner-address $r is outside 198.18.0.0/15: the guard never drops it, so it needs no exception" "leave it out"
    cidr_overlap "$ENGINE_POOL" "$r" && fail "--runner-address $r overlaps the lab pool $ENGINE_POOL: lab containers would get the engine's API port" "give runners addresses outside the pool"
    cidr_overlap "$(engine_bridge_ip)/24" "$r" && fail "--runner-address $r overlaps the engine's default bridge $(engine_bridge_ip)/24" "give runners addresses outside the pool"
  done
  return 0
}

# engine_bridge_ip: docker0's address: .1 of the pool's last /24 (no lab network uses docker0;
# a runner that picks that /24 is refused by the engine and picks another).
engine_bridge_ip() {
  local last
  last="$(cidr_span "$ENGINE_POOL" | cut -d' ' -f2)"
  int_ipv4 $(( last - 255 + 1 ))
}

# ------------------------------------------------------------- TLS

# engine_tls: the CA (made once, or copied from ENGINE_CA_FROM), the engine's certificate for
# ENGINE_ADDRESS and the runners' client certificate, each made again only when missing, not
# signed by the CA, about to expire, or (the engine's) not naming the address. Sets
# ENGINE_TLS_CHANGED=1 when the engine's certificate changed (a running engine must restart).
engine_tls() {
  local dir="$ENGINE_TLS_DIR" log="$VAR/log/engine-tls.log" made=()
  ENGINE_TLS_CHANGED=0
  mkdir -p "$dir/client" && chmod 700 "$dir"
  : >"$log"
  if [ -n "$ENGINE_CA_FROM" ] && ! cmp -s "$ENGINE_CA_FROM/ca.pem" "$dir/ca.pem" 2>/dev/null; then
    { [ -f "$ENGINE_CA_FROM/ca.pem" ] && [ -f "$ENGINE_CA_FROM/ca-key.pem" ]; } || fail "$ENGINE_CA_FROM has no ca.pem and ca-key.pem" "copy both from the first engine host's $ENGINE_TLS_DIR"
    install -m 644 "$ENGINE_CA_FROM/ca.pem" "$dir/ca.pem"
    install -m 600 "$ENGINE_CA_FROM/ca-key.pem" "$dir/ca-key.pem"
    rm -f "$dir/server-cert.pem" "$dir/client/cert.pem"
    made+=("CA copied from $ENGINE_CA_FROM")
  fi
  if [ ! -f "$dir/ca.pem" ] || [ ! -f "$dir/ca-key.pem" ] || ! openssl x509 -checkend $((90 * 86400)) -noout -in "$dir/ca.pem" >/dev/null 2>&1; then
    (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/ca-key.pem") >>"$log" 2>&1 &&
      openssl req -x509 -new -key "$dir/ca-key.pem" -sha256 -days 3650 -subj "/CN=Labgrade engine CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$dir/ca.pem" >>"$log" 2>&1 ||
      { show_log "$log"; fail "could not make the engine CA" "see $log (openssl)"; }
    rm -f "$dir/server-cert.pem" "$dir/client/cert.pem"
    made+=("a CA (every runner of this engine needs the new client/ folder)")
  fi
  if ! { engine_cert_ok "$dir/server-cert.pem" "$dir/server-key.pem" && engine_cert_names_address; }; then
    engine_sign "$dir/server-key.pem" "$dir/server-cert.pem" "/CN=$ENGINE_ADDRESS" "subjectAltName=IP:$ENGINE_ADDRESS
extendedKeyUsage=serverAuth
keyUsage=critical,digitalSignature,keyEncipherment"
    ENGINE_TLS_CHANGED=1
    made+=("the engine's certificate for $ENGINE_ADDRESS")
  fi
  if ! engine_cert_ok "$dir/client/cert.pem" "$dir/client/key.pem"; then
    engine_sign "$dir/client/key.pem" "$dir/client/cert.pem" "/CN=labgrade-runner" "extendedKeyUsage=clientAuth
keyUsage=critical,digitalSignature"
    made+=("the runners' client certificate")
  fi
  # Docker's client layout (DOCKER_CERT_PATH): ca.pem, cert.pem, key.pem.
  cmp -s "$dir/ca.pem" "$dir/client/ca.pem" || install -m 644 "$dir/ca.pem" "$dir/client/ca.pem"
  chmod 600 "$dir/server-key.pem" "$dir/client/key.pem"
  if [ ${#made[@]} -eq 0 ]; then ok "TLS certificates up to date ($dir)"; else info "made $(printf '%s; ' "${made[@]}" | sed 's/; $//') ($dir)"; fi
}

# engine_cert_ok CERT KEY: signed by our CA, valid for 30 more days, and the key is its key.
engine_cert_ok() {
  [ -f "$1" ] && [ -f "$2" ] || return 1
  openssl verify -CAfile "$ENGINE_TLS_DIR/ca.pem" "$1" >/dev/null 2>&1 || return 1
  openssl x509 -checkend $((30 * 86400)) -noout -in "$1" >/dev/null 2>&1 || return 1
  [ "$(openssl x509 -noout -pubkey -in "$1" 2>/dev/null)" = "$(openssl pkey -pubout -in "$2" 2>/dev/null)" ]
}
engine_cert_names_address() {
  openssl x509 -noout -ext subjectAltName -in "$ENGINE_TLS_DIR/server-cert.pem" 2>/dev/null | grep -qE "IP Address:${ENGINE_ADDRESS//./\\.}(,|$)"
}

# engine_sign KEY CERT SUBJECT EXTENSIONS: a new key and a certificate for it, signed by our CA (825 days).
engine_sign() {
  local log="$VAR/log/engine-tls.log" ext
  ext="$(mktemp)"
  printf '%s\n' "$4" >"$ext"
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1") >>"$log" 2>&1 &&
    openssl req -new -key "$1" -subj "$3" 2>>"$log" |
    openssl x509 -req -CA "$ENGINE_TLS_DIR/ca.pem" -CAkey "$ENGINE_TLS_DIR/ca-key.pem" -set_serial "0x$(openssl rand -hex 16)" \
      -days 825 -sha256 -extfile "$ext" -out "$2" >>"$log" 2>&1 ||
    { rm -f "$ext"; show_log "$log"; fail "could not sign $2" "see $log (openssl)"; }
  rm -f "$ext"
}

# ------------------------------------------------------------- the engine

# engine_dockerd_flags: dockerd's command line, one argument a line.
engine_dockerd_flags() {
  printf '%s\n' \
    --data-root "$ENGINE_DATA_ROOT" --exec-root "$ENGINE_EXEC_ROOT" --pidfile "$ENGINE_PIDFILE" \
    -H "unix://$ENGINE_SOCKET" -H "tcp://$ENGINE_ADDRESS:$ENGINE_API_PORT" \
    --tlsverify --tlscacert "$ENGINE_TLS_DIR/ca.pem" --tlscert "$ENGINE_TLS_DIR/server-cert.pem" --tlskey "$ENGINE_TLS_DIR/server-key.pem" \
    --bip "$(engine_bridge_ip)/24" --default-address-pool "base=$ENGINE_POOL,size=24" --log-level warn
  # dockerd 20.10 takes the key's path only from a configuration file (start_engine writes it).
  [ -n "$ENGINE_KEY_PATH" ] && printf '%s\n' --config-file "$ENGINE_KEY_PATH.daemon.json"
  return 0
}

# engine_docker ARGS...: the Docker CLI against this engine's own socket.
engine_docker() { docker -H "unix://$ENGINE_SOCKET" "$@"; }
# engine_answers_tls: the engine's ID, asked over TLS with the runners' certificate, as a runner would.
engine_answers_tls() {
  docker --tlsverify --tlscacert "$ENGINE_TLS_DIR/client/ca.pem" --tlscert "$ENGINE_TLS_DIR/client/cert.pem" \
    --tlskey "$ENGINE_TLS_DIR/client/key.pem" -H "tcp://$ENGINE_ADDRESS:$ENGINE_API_PORT" info --format '{{.ID}}' 2>/dev/null
}

# start_engine: the engine answering over TLS on ENGINE_ADDRESS:2376. An engine already running
# that way is left alone (unless its certificate was just made again); one that infra/up started
# without the TLS listener is restarted with it; anyone else's is not ours to restart.
start_engine() {
  local pidfile="$VAR/run/dockerd.pid" pid="" flags
  [ -f "$pidfile" ] && pid="$(cat "$pidfile")"
  local ours=0
  [ -n "$pid" ] && [ "$(basename "$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline" | head -1)")" = dockerd ] && ours=1
  if [ "${ENGINE_TLS_CHANGED:-0}" != 1 ] && engine_answers_tls >/dev/null; then
    ok "Docker engine already running, TLS on $ENGINE_ADDRESS:$ENGINE_API_PORT"
    return 0
  fi
  if engine_docker info >/dev/null 2>&1; then
    [ "$ours" = 1 ] || fail "a Docker engine is running here without our TLS listener (or with other certificates), and infra/up did not start it" \
      "stop it (e.g. systemctl disable --now docker.socket docker) and run this again, or start it yourself with: dockerd $(engine_dockerd_flags | tr '\n' ' ')"
    info "restarting dockerd (pid $pid) with the TLS listener"
    kill "$pid"
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && fail "dockerd (pid $pid) did not stop within 60 s" "stop it yourself and run this again"
  fi
  [ -n "$ENGINE_KEY_PATH" ] && printf '{"deprecated-key-path": "%s"}\n' "$ENGINE_KEY_PATH" >"$ENGINE_KEY_PATH.daemon.json"
  mapfile -t flags < <(engine_dockerd_flags)
  info "starting dockerd (TLS on $ENGINE_ADDRESS:$ENGINE_API_PORT, lab networks from $ENGINE_POOL)"
  # A session of its own: a signal to whatever started infra/up (its process group) never reaches
  # the engine, which would leave its containers running without it.
  # shellcheck disable=SC2086 # ENGINE_LAUNCH is a command prefix, split on purpose
  nohup setsid $ENGINE_LAUNCH dockerd "${flags[@]}" >"$VAR/log/dockerd.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  for _ in $(seq 1 120); do
    engine_answers_tls >/dev/null && break
    kill -0 "$(cat "$pidfile")" 2>/dev/null || break # dockerd gave up: no point waiting
    sleep 0.5
  done
  engine_answers_tls >/dev/null || { show_log "$VAR/log/dockerd.log"; fail "the Docker engine does not answer over TLS on $ENGINE_ADDRESS:$ENGINE_API_PORT" "see $VAR/log/dockerd.log (is $ENGINE_ADDRESS an address of this host?)"; }
  ok "Docker engine answers over TLS on $ENGINE_ADDRESS:$ENGINE_API_PORT"
}

# engine_guard: the host guard, sparing runners' API connections (see lib.sh, guard_host_from_labs).
engine_guard() {
  # shellcheck disable=SC2086 # one range a word
  guard_host_from_labs $ENGINE_RUNNER_ADDRESSES
}

# engine_image_refs: the images of ENGINE_IMAGES, as the runner names them.
engine_image_refs() {
  local name
  for name in $ENGINE_IMAGES; do printf 'labgrade/%s:latest\n' "$name"; done
}
# engine_missing_images: those the engine does not hold, one a line.
engine_missing_images() {
  local ref
  while read -r ref; do engine_docker image inspect "$ref" >/dev/null 2>&1 || echo "$ref"; done < <(engine_image_refs)
}

# engine_archive_images FILE: "REF ID" for every tag in a `docker save` archive (.tar or .tar.gz),
# read from its manifest.json (Config is "<hex>.json", or "blobs/sha256/<hex>" in newer engines).
engine_archive_images() {
  tar -xOf "$1" manifest.json 2>/dev/null | grep -o '"Config":"[^"]*","RepoTags":\[[^]]*\]' |
    sed -E 's/^"Config":"(blobs\/sha256\/)?([0-9a-f]{64})(\.json)?","RepoTags":\[(.*)\]$/\2 \4/' |
    while read -r id tags; do
      for tag in ${tags//,/ }; do echo "${tag//\"/} sha256:$id"; done
    done
}

# engine_stale_images FILE: the images of ENGINE_IMAGES the engine lacks or holds in another version
# than the archive, one a line; fails naming those the archive does not hold.
engine_stale_images() {
  local archive ref want have absent=()
  archive="$(engine_archive_images "$1")"
  while read -r ref; do
    want="$(awk -v ref="$ref" '$1 == ref { print $2 }' <<<"$archive")"
    [ -n "$want" ] || { absent+=("$ref"); continue; }
    have="$(engine_docker image inspect --format '{{.Id}}' "$ref" 2>/dev/null || true)"
    [ "$have" = "$want" ] || echo "$ref"
  done < <(engine_image_refs)
  [ ${#absent[@]} -eq 0 ] || fail "$1 does not hold ${absent[*]}" "make it where the images are: docker save $(engine_image_refs | paste -sd' ') | gzip > labgrade-images.tar.gz"
}

# engine_images: every image of ENGINE_IMAGES as :latest in the engine: built here from Debian
# packages (as infra/up does: only those whose recipe changed), or loaded from ENGINE_IMAGES_FILE
# when the engine lacks one or holds another version ("-": standard input, always loaded).
engine_images() {
  local all missing stale
  all="$(engine_image_refs | paste -sd' ')"
  if [ -z "$ENGINE_IMAGES_FILE" ]; then
    check_node
    install_npm_deps
    DOCKER_HOST="unix://$ENGINE_SOCKET" build_images
  elif [ "$ENGINE_IMAGES_FILE" = - ]; then
    info "loading images from standard input"
    engine_docker load >"$VAR/log/images.log" 2>&1 || { show_log "$VAR/log/images.log"; fail "docker load failed" "see $VAR/log/images.log"; }
  else
    [ -f "$ENGINE_IMAGES_FILE" ] || fail "$ENGINE_IMAGES_FILE does not exist" "make it where the images are: docker save $all | gzip > labgrade-images.tar.gz"
    stale="$(engine_stale_images "$ENGINE_IMAGES_FILE" | paste -sd' ')" || exit 1
    if [ -z "$stale" ]; then ok "images present, as in $ENGINE_IMAGES_FILE: $all"; return 0; fi
    info "loading $stale from $ENGINE_IMAGES_FILE"
    engine_docker load -i "$ENGINE_IMAGES_FILE" >"$VAR/log/images.log" 2>&1 || { show_log "$VAR/log/images.log"; fail "docker load failed" "see $VAR/log/images.log"; }
  fi
  missing="$(engine_missing_images | paste -sd' ')"
  [ -z "$missing" ] || fail "still missing: $missing" "build them here (no --images) or load an archive that holds them: docker save $all"
  ok "images present: $all"
}

# engine_summary: what to give each runner that drives this engine.
engine_summary() {
  echo
  printf '%sThe engine is ready.%s A runner on this host may use its socket (DOCKER_HOST=unix://%s).\n' "$BOLD" "$RESET" "$ENGINE_SOCKET"
  printf 'On each runner host that drives it over TLS, copy %s/client/ (ca.pem, cert.pem, key.pem) and set:\n' "$ENGINE_TLS_DIR"
  echo "  DOCKER_HOST=tcp://$ENGINE_ADDRESS:$ENGINE_API_PORT"
  echo "  DOCKER_TLS_VERIFY=1"
  echo "  DOCKER_CERT_PATH=/path/to/that/client/folder"
  echo "  LABGRADE_LAB_SUBNET_POOL=$ENGINE_POOL"
  echo "Guarded: lab networks cannot open connections to this host${ENGINE_RUNNER_ADDRESSES:+ (runners at $ENGINE_RUNNER_ADDRESSES may reach port $ENGINE_API_PORT)}."
}

# engine_host_up: every step of `./infra/up --engine-host`, each checking first.
engine_host_up() {
  step "checking the settings and the machine"
  if [ -z "$ENGINE_ADDRESS" ]; then
    ENGINE_ADDRESS="$(hostname -I 2>/dev/null | awk '{print $1}')"
    [ -n "$ENGINE_ADDRESS" ] && info "no --address given: using $ENGINE_ADDRESS (the first of hostname -I)"
  fi
  engine_check_settings
  need_root
  [ -f /etc/debian_version ] || fail "this is not Debian or Ubuntu" "install Docker 20.10+, iptables and openssl yourself and follow README, \"More runners\""
  ok "engine at $ENGINE_ADDRESS:$ENGINE_API_PORT, lab networks from $ENGINE_POOL"

  step "installing the Docker engine, iptables and openssl"
  apt_install docker.io iptables openssl ca-certificates
  [ -z "$ENGINE_IMAGES_FILE" ] && apt_install debootstrap
  ok "$(dockerd --version)"
  step "TLS certificates (a CA, the engine's, the runners')"
  engine_tls
  step "guarding the host from lab networks"
  engine_guard
  step "starting the Docker engine"
  start_engine
  step "sandbox images"
  engine_images
  engine_summary
}
