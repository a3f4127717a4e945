#!/usr/bin/env bash
# A local cluster-mode MeanFieldCluster on loopback: one redis-server (AOF on) and N silo processes.
#   deploy/local/cluster.sh up N     start Redis and N silos; prints the MFC_REDIS to export
#   deploy/local/cluster.sh down     stop exactly the processes 'up' started (by pid)
#   deploy/local/cluster.sh status   show them
# Settings (environment): MFC_CLUSTER_DIR (state, logs, pids; default <repo>/.cluster),
# MFC_REDIS_PORT (default 6391), MFC_SILO_PORT (first silo port, default 11111),
# MFC_GATEWAY_PORT (first gateway port, default 30000), MFC_HTTP_PORT (first dashboard/metrics port,
# default 8080; silo i serves http://127.0.0.1:$((MFC_HTTP_PORT+i))), MFC_WORKERS (slots per silo, default: cores),
# MFC_REDIS_PASSWORD (Redis's password; default: generated at the first 'up' and kept in $MFC_CLUSTER_DIR/redis.conf).
# Redis requires the password; 'up' writes the client's connection string to $MFC_CLUSTER_DIR/mfc-redis (mode 600)
# and prints how to export it, so the password shows neither in a process list nor in the terminal.
# MFC_TLS=1: mutual TLS between the silos and from clients to the gateways (default 0, off; docs/security.md).
# 'up' then makes a demo CA and certificates in $MFC_CLUSTER_DIR/tls with deploy/tls/make-demo-ca.sh (kept for
# the next 'up'), starts every silo with its own, and prints the MFC_TLS_CERT/KEY/CA exports for mfc.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${MFC_CLUSTER_DIR:-$repo/.cluster}"
redis_port="${MFC_REDIS_PORT:-6391}"
silo_port="${MFC_SILO_PORT:-11111}"
gateway_port="${MFC_GATEWAY_PORT:-30000}"
http_port="${MFC_HTTP_PORT:-8080}"
workers="${MFC_WORKERS:-$(nproc)}"
tls="${MFC_TLS:-0}"
pids="$dir/pids"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Running: the pid exists and is not a zombie (an exited child nobody has reaped yet).
alive() { local s; s="$(ps -o stat= -p "$1" 2>/dev/null)" && [ -n "$s" ] && [[ "$s" != Z* ]]; }

up() {
  local n="${1:-}"
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 up N   (N silos, N >= 1)" >&2; exit 2; }
  if [ -s "$pids" ]; then echo "error: a cluster from $dir is already up; run '$0 down' first" >&2; exit 2; fi
  command -v redis-server >/dev/null || { echo "error: redis-server not found; install it (apt-get install redis-server)" >&2; exit 2; }
  [[ "$tls" == 0 || "$tls" == 1 ]] || { echo "error: MFC_TLS: '$tls' is not allowed; expected 0 (off) or 1 (mutual TLS with a demo CA)" >&2; exit 2; }
  # Each variable names a range (Redis one port, the others one per silo): each must be a valid port range,
  # disjoint from the others, and free.
  local -A owner=()
  local range name base count p
  for range in "MFC_REDIS_PORT $redis_port 1" "MFC_SILO_PORT $silo_port $n" "MFC_GATEWAY_PORT $gateway_port $n" "MFC_HTTP_PORT $http_port $n"; do
    read -r name base count <<< "$range"
    if ! [[ "$base" =~ ^[1-9][0-9]{0,4}$ ]] || (( base + count - 1 > 65535 )); then
      echo "error: $name: '$base' is not allowed; expected a port from 1 to $((65536 - count)) (it starts a range of $count port(s))" >&2; exit 2
    fi
    for p in $(seq "$base" $((base + count - 1))); do
      [ -z "${owner[$p]:-}" ] || { echo "error: port $p is in both ${owner[$p]}'s and $name's ranges ($name=$base, $count port(s)); set them apart" >&2; exit 2; }
      owner[$p]=$name
    done
  done
  for p in "${!owner[@]}"; do
    port_free "$p" || { echo "error: port $p on 127.0.0.1 is in use; set MFC_REDIS_PORT / MFC_SILO_PORT / MFC_GATEWAY_PORT / MFC_HTTP_PORT" >&2; exit 2; }
  done
  mkdir -p "$dir/redis" "$dir/logs"
  (
    umask 077
    [ -f "$dir/redis.conf" ] || printf 'requirepass %s\n' "${MFC_REDIS_PASSWORD:-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')}" > "$dir/redis.conf"
    printf '127.0.0.1:%s,password=%s\n' "$redis_port" "$(sed -n 's/^requirepass //p' "$dir/redis.conf")" > "$dir/mfc-redis"
  )
  local connection; connection="$(cat "$dir/mfc-redis")"
  local nodes=() i
  if [ "$tls" = 1 ]; then
    for i in $(seq 0 $((n - 1))); do nodes+=(--silo "silo-$i"); done
    "$repo/deploy/tls/make-demo-ca.sh" "$dir/tls" "${nodes[@]}" --client client >/dev/null
  fi
  : > "$pids"
  echo "building the silo (Release)..."
  dotnet build "$repo/silo" -c Release -nologo -v quiet >/dev/null
  redis-server "$dir/redis.conf" --port "$redis_port" --bind 127.0.0.1 --dir "$dir/redis" --appendonly yes --save "" \
    --daemonize no --logfile "$dir/logs/redis.log" </dev/null >/dev/null 2>&1 &
  echo "redis $!" >> "$pids"
  local redis_up=0
  for _ in $(seq 600); do REDISCLI_AUTH="${connection#*password=}" redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && { redis_up=1; break; }; sleep 0.1; done
  [ "$redis_up" = 1 ] || { echo "error: redis-server on port $redis_port did not answer PING within 60 s; see $dir/logs/redis.log" >&2; tail -n 20 "$dir/logs/redis.log" >&2 || true; down; exit 1; }
  for i in $(seq 0 $((n - 1))); do
    local certificates=()
    [ "$tls" = 1 ] && certificates=(--tls-cert "$dir/tls/silo-$i.pem" --tls-key "$dir/tls/silo-$i.key" --tls-ca "$dir/tls/ca.pem")
    MFC_Silo__Redis="$connection" dotnet "$repo/silo/bin/Release/net10.0/mfc-silo.dll" \
      --silo-port $((silo_port + i)) --gateway-port $((gateway_port + i)) --http-port $((http_port + i)) --workers "$workers" \
      --shutdown-timeout 25 \
      "${certificates[@]+"${certificates[@]}"}" </dev/null > "$dir/logs/silo-$i.log" 2>&1 &
    echo "silo-$i $!" >> "$pids"
  done
  # A silo bounds its own start (60 s to join the cluster, then it exits 2 saying why): wait for its
  # start line or its exit; the 5-minute cap is only a backstop. On failure show the end of its log.
  for i in $(seq 0 $((n - 1))); do
    local pid; pid="$(sed -n "s/^silo-$i //p" "$pids")"
    for _ in $(seq 1500); do
      grep -q "^mfc-silo: cluster" "$dir/logs/silo-$i.log" 2>/dev/null && break
      alive "$pid" || break
      sleep 0.2
    done
    if ! grep -q "^mfc-silo: cluster" "$dir/logs/silo-$i.log"; then
      if alive "$pid"; then echo "error: silo-$i (pid $pid) did not start within 5 minutes; see $dir/logs/silo-$i.log" >&2
      else echo "error: silo-$i exited before it started; see $dir/logs/silo-$i.log" >&2; fi
      echo "--- last lines of $dir/logs/silo-$i.log:" >&2
      tail -n 20 "$dir/logs/silo-$i.log" >&2 || true
      down; exit 1
    fi
  done
  echo "up: redis on 127.0.0.1:$redis_port, $n silo(s); logs in $dir/logs"
  echo "dashboards: $(for i in $(seq 0 $((n - 1))); do printf 'http://127.0.0.1:%s/ ' $((http_port + i)); done)"
  echo "export MFC_REDIS=\"\$(cat $dir/mfc-redis)\""
  if [ "$tls" = 1 ]; then
    echo "mutual TLS on (CA $dir/tls/ca.pem); for mfc:"
    echo "export MFC_TLS_CERT=$dir/tls/client.pem MFC_TLS_KEY=$dir/tls/client.key MFC_TLS_CA=$dir/tls/ca.pem"
  fi
}

# Stops the recorded processes whose name matches $1: SIGTERM, up to $2 tenths of a second to exit,
# then SIGKILL, and waits until they are really gone.
stop_matching() {
  local pattern="$1" patience="$2" name pid any
  while read -r name pid; do [[ "$name" == $pattern ]] && alive "$pid" && kill "$pid" 2>/dev/null; done < "$pids"
  for _ in $(seq "$patience"); do
    any=0
    while read -r name pid; do [[ "$name" == $pattern ]] && alive "$pid" && any=1; done < "$pids"
    [ "$any" = 0 ] && return 0; sleep 0.1
  done
  while read -r name pid; do [[ "$name" == $pattern ]] && alive "$pid" && kill -9 "$pid" 2>/dev/null; done < "$pids"
  for _ in $(seq 50); do
    any=0
    while read -r name pid; do [[ "$name" == $pattern ]] && alive "$pid" && any=1; done < "$pids"
    [ "$any" = 0 ] && return 0; sleep 0.1
  done
}

down() {
  [ -s "$pids" ] || { echo "nothing to stop (no $pids)"; return 0; }
  # Silos first (a silo leaves the membership table in Redis as it shuts down, usually within a second; with Redis
  # gone its own watchdog ends it after --shutdown-timeout 25 s, saying why in its log), Redis last; each by the
  # pid recorded at start; a silo still there after 30 s is killed.
  stop_matching "silo-*" 300
  stop_matching "redis" 100
  rm -f "$pids"
  echo "down"
}

status() {
  [ -s "$pids" ] || { echo "no cluster up from $dir"; return 0; }
  while read -r name pid; do
    if alive "$pid"; then echo "$name pid $pid running"; else echo "$name pid $pid gone"; fi
  done < "$pids"
}

case "${1:-}" in
  up) up "${2:-}" ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up N | down | status" >&2; exit 2 ;;
esac
