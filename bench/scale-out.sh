#!/usr/bin/env bash
# Scale-out benchmark (issue #20, item 6): the same sweep on 1 silo and on 2 silos, each silo with ONE
# worker slot, as real silo processes on this machine (deploy/local/cluster.sh: Redis + mfc-silo), and
# the points per second of each and their ratio (target >= 1.8). Then, optionally, the grain calls per
# point of a sweep of many tiny points (--calls), from the coordinator's own counter and from Orleans'
# meter (Microsoft.Orleans, scraped from every silo's /metrics before and after).
#
#   bench/scale-out.sh [--spec SPEC] [--silos "1 2"] [--runs K] [--calls] [--calls-spec SPEC]
#     --spec SPEC         the sweep timed on each cluster size (default examples/bench-64-points.yaml)
#     --runs K            run the sweep K times on each fresh cluster (default 3): the first run carries the
#                         silos' start-up (the JIT compiles and re-compiles thousands of methods the first
#                         sweep reaches, on the cores the workers need), and on 2 silos the second run's
#                         coordinator often lands on the silo that has not coordinated yet, which then compiles
#                         the coordinator's code (about 1,000 methods, measured); the ratio is taken on the
#                         last run, a long-lived cluster's throughput, and the first run's ratio is printed too
#     --silos LIST        the cluster sizes, in order (default "1 2"); the ratio is last / first
#     --calls             also run --calls-spec on the largest cluster and report calls per point
#     --calls-spec SPEC   default bench/scale-out-10k-points.yaml (10,000 points of 200 steps at N = 16)
#     --points-in-flight N  the silos' PointsInFlight (at most N points of a sweep unfinished at a time; default 1024)
#     --points-queued-per-slot N  the silos' PointsQueuedPerSlot (points waiting behind each worker slot of each
#                         silo; default 1): the coordinator starts each point on the least loaded silo with room,
#                         so the next point goes where a slot has freed
#     --keep              keep the work folder (logs, results) instead of deleting it
#     --pin               pin every thread of silo i to core i mod (cores) (taskset): workers never migrate
#                         between cores, and each silo's own threads share its worker's core
# Points per second = points / wall_seconds of summary.json: from the sweep's submission to its last
# point's end, by the coordinator's clock (client start-up and the export are not counted). The summary splits
# the ratio into what the cluster lost (the share of the run the worker slots computed, from the silos'
# mfc_point_duration_seconds) and what the cores lost (a point's time on N silos against one). While a sweep
# runs, the script waits by reading the silos' /metrics with curl, not with a .NET client (mfc watch): on
# this machine a client process would take processor time from the workers (about 2 s of start-up and
# polling per sweep), which on a real cluster runs on the user's machine; mfc watch is called once the
# points have completed, and returns at once.
# Settings (environment): MFC_SCALE_DIR (work folder, default a new mktemp -d), MFC_REDIS_PORT (default
# 6471), MFC_SILO_PORT (11171), MFC_GATEWAY_PORT (30071), MFC_HTTP_PORT (8171): ports away from
# cluster.sh's defaults so a cluster already up is not disturbed. Needs redis-server, curl, jq.
# The machine should be quiet: every silo's worker competes for the same cores with whatever else runs
# (the script prints the load average before each run).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
spec="$repo/examples/bench-64-points.yaml"
calls_spec="$repo/bench/scale-out-10k-points.yaml"
sizes="1 2"
calls=0
keep=0
pin=0
runs=3
while [ $# -gt 0 ]; do
  case "$1" in
    --spec) spec="$(realpath "$2")"; shift 2 ;;
    --silos) sizes="$2"; shift 2 ;;
    --runs) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "error: --runs: '${2:-}' is not allowed; expected a whole number >= 1" >&2; exit 2; }
      runs="$2"; shift 2 ;;
    --calls) calls=1; shift ;;
    --calls-spec) calls_spec="$(realpath "$2")"; calls=1; shift 2 ;;
    --points-in-flight) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "error: --points-in-flight: '${2:-}' is not allowed; expected a whole number >= 1" >&2; exit 2; }
      export MFC_Silo__PointsInFlight="$2"; shift 2 ;;
    --points-queued-per-slot) [[ "${2:-}" =~ ^[0-9]+$ ]] || { echo "error: --points-queued-per-slot: '${2:-}' is not allowed; expected a whole number >= 0" >&2; exit 2; }
      export MFC_Silo__PointsQueuedPerSlot="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    --pin) pin=1; shift ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "error: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
for s in $sizes; do [[ "$s" =~ ^[1-9][0-9]*$ ]] || { echo "error: --silos: '$s' is not allowed; expected whole numbers >= 1, e.g. \"1 2\"" >&2; exit 2; }; done
for tool in redis-server curl jq; do command -v "$tool" >/dev/null || { echo "error: $tool not found; install it (apt-get install redis-server curl jq)" >&2; exit 2; }; done
[ -f "$spec" ] || { echo "error: --spec: no file '$spec'" >&2; exit 2; }

work="${MFC_SCALE_DIR:-$(mktemp -d /tmp/mfc-scale-out.XXXXXX)}"
mkdir -p "$work"
export MFC_REDIS_PORT="${MFC_REDIS_PORT:-6471}" MFC_SILO_PORT="${MFC_SILO_PORT:-11171}"
export MFC_GATEWAY_PORT="${MFC_GATEWAY_PORT:-30071}" MFC_HTTP_PORT="${MFC_HTTP_PORT:-8171}"
export MFC_WORKERS=1
cluster="$repo/deploy/local/cluster.sh"
cleanup() {
  # Every cluster this run started (run() goes on in a subshell, so its $current is not seen here).
  local d
  for d in "$work"/cluster-*/; do
    if [ -d "$d" ]; then MFC_CLUSTER_DIR="${d%/}" "$cluster" down >/dev/null 2>&1 || true; fi
  done
  if [ "$keep" = 0 ]; then rm -rf "$work"; else echo "work folder kept: $work"; fi
}
trap cleanup EXIT

echo "building silo and client (Release)..."
dotnet build "$repo/silo" -c Release -nologo -v quiet >/dev/null
dotnet build "$repo/client" -c Release -nologo -v quiet >/dev/null
dotnet build "$repo/bench" -c Release -nologo -v quiet >/dev/null
mfc() { dotnet "$repo/client/bin/Release/net10.0/mfc.dll" "$@"; }

# The sweep's own point as bare threads (bench 'together': no Orleans, no storage): its SGD loop alone on each
# core, then on every core at once, 1 s per phase, one line ("steps/s alone: cpu0 A, cpu1 B; together: cpu0 C,
# cpu1 D; together / fastest alone = R"). R is what n workers on these cores can reach against one, whatever the
# cluster does: on the virtual machines of this workplace the host slows one core or both, and two loops at once
# run 0-20% slower than alone, varying over minutes (docs/performance.md, "Scale-out"). Run between sweeps only.
together() { dotnet "$repo/bench/bin/Release/net10.0/MeanFieldCluster.Bench.dll" together "$spec" 1 2>/dev/null || true; }
# From one or more 'together' lines: the fastest core's steps per second alone, and R (means over the lines).
fastest_alone() { printf '%s\n' "$@" | awk '{ sub(/; together.*/, ""); best = 0; for (i = 1; i <= NF; i++) { v = $i; sub(/,$/, "", v); if ($(i - 1) ~ /^cpu/ && v + 0 > best) best = v + 0 } if (best > 0) { s += best; n++ } } END { if (n > 0) printf "%.0f", s / n }'; }
together_ratio() { printf '%s\n' "$@" | awk '/= [0-9.]+$/ { s += $NF; n++ } END { if (n > 0) printf "%.2f", s / n }'; }

# The value of a metric (the sum of its series whose labels contain $3, if given) on silo $2 (0-based).
metric_sum() {
  curl -fsS "http://127.0.0.1:$((MFC_HTTP_PORT + $2))/metrics" 2>/dev/null \
    | awk -v name="$1" -v labels="${3:-}" '$1 ~ "^"name"(\\{|$)" && index($1, labels) { s += $NF } END { printf "%.6f", s + 0 }'
}

# As metric_sum, rounded to a whole number (counters).
metric() { printf '%.0f' "$(metric_sum "$@")"; }

# The sum of a metric over the N silos of the cluster up now. The Orleans meter's grain-call counters:
# orleans_app_requests_latency_milliseconds_count (requests a silo sent to a grain and got answered:
# grain-to-grain calls, the client's calls excluded) and orleans_messaging_processing_dispatcher_received_total
# (every message a silo's dispatcher received: requests from grains and from the client, and responses).
scrape() {
  local n="$1" i total=0 v
  for i in $(seq 0 $((n - 1))); do
    v="$(metric "$2" "$i")"
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# "completed failed answered": the points completed and failed so far over the N silos, one scrape of each silo,
# and how many silos answered the scrape.
progress() {
  local n="$1" i
  for i in $(seq 0 $((n - 1))); do
    curl -fsS "http://127.0.0.1:$((MFC_HTTP_PORT + i))/metrics" 2>/dev/null && echo "mfc_scale_out_answered 1"
  done | awk '$1 ~ /^mfc_points_completed_total(\{|$)/ { c += $NF } $1 ~ /^mfc_points_failed_total(\{|$)/ { f += $NF } $1 == "mfc_scale_out_answered" { a++ } END { printf "%.0f %.0f %d", c + 0, f + 0, a }'
}

# Waits until every one of the N silos sees N silos in its ring, then 5 s more: Orleans publishes each
# silo's activation count to the others every second, and until a silo has heard from the others the
# activation-count placement puts every new point on itself (measured: 49 of 64 points on the
# coordinator's silo when the sweep was submitted the moment the silos were up).
settle() {
  local n="$1" i ok
  for _ in $(seq 300); do
    ok=1
    for i in $(seq 0 $((n - 1))); do [ "$(metric orleans_consistent_ring_size "$i")" = "$n" ] || ok=0; done
    [ "$ok" = 1 ] && break
    sleep 0.2
  done
  [ "$ok" = 1 ] || { echo "error: the $n silos did not all see each other within 60 s" >&2; exit 1; }
  sleep 5
}

# Runs SPEC K times (K = $4, default 1) on a fresh cluster of N silos with one worker each; prints one line per
# run, "points wall_seconds per_silo mean_point_seconds requests messages coordinator", and leaves the exports in
# $work/results-TAG-RUN. The grain-call counters' differences are per run. The lines are printed once the
# cluster is down: the caller reads them from a process substitution and may exit (deleting the work folder,
# the cluster's pid file with it) as soon as it has them.
run() {
  local n="$1" file="$2" tag="$3" times="${4:-1}" dir="$work/cluster-$3" k
  mkdir -p "$dir"
  MFC_CLUSTER_DIR="$dir" "$cluster" up "$n" >"$work/up-$tag.log" 2>&1 || { cat "$work/up-$tag.log" >&2; exit 1; }
  MFC_REDIS="$(cat "$dir/mfc-redis")"
  export MFC_REDIS
  if [ "$pin" = 1 ]; then
    # Every thread of silo i on core i mod (cores): its worker never migrates, its own threads share its core.
    local i pid cores_n
    cores_n="$(nproc)"
    for i in $(seq 0 $((n - 1))); do
      pid="$(sed -n "s/^silo-$i //p" "$dir/pids")"
      taskset -a -p -c "$((i % cores_n))" "$pid" >/dev/null
    done
  fi
  settle "$n"
  local lines=""
  for k in $(seq "$times"); do
    local id="scale-$tag-$k" before_req before_msg before_done before_failed points i per_silo=""
    before_req="$(scrape "$n" orleans_app_requests_latency_milliseconds_count)"
    before_msg="$(scrape "$n" orleans_messaging_processing_dispatcher_received_total)"
    before_done="$(scrape "$n" mfc_points_completed_total)"
    before_failed="$(scrape "$n" mfc_points_failed_total)"
    # Each silo's point seconds and count so far (mfc_point_duration_seconds): per run, each silo's mean time per
    # point, which shows a silo whose worker ran on a slowed core.
    local before_secs=() before_count=()
    for i in $(seq 0 $((n - 1))); do before_secs[i]="$(metric_sum mfc_point_duration_seconds_sum "$i")"; before_count[i]="$(metric mfc_point_duration_seconds_count "$i")"; done
    local probe_before probe_after
    probe_before="$(together)"
    echo "  $tag run $k: $n silo(s) x 1 worker, load average $(cut -d' ' -f1-3 /proc/loadavg) before; bare loops before: ${probe_before:-not measured}" >&2
    mfc submit "$file" --sweep-id "$id" >"$work/submit-$tag-$k.out" 2>"$work/submit-$tag-$k.log" || { cat "$work/submit-$tag-$k.log" >&2; exit 1; }
    # submit prints the sweep id on standard output and "64 points, ..." on standard error: wait until that many
    # have completed (or one has failed: mfc watch below then reports it), by the silos' counters. Without the
    # count the script stops: falling back to mfc watch for the whole sweep would put a client process on the
    # workers' cores while the sweep is timed (until session 32 the count was read from standard output, where
    # it is not, so every run so far timed its sweeps with mfc watch running).
    points="$(sed -n 's/^\([0-9][0-9,]*\) points.*/\1/p' "$work/submit-$tag-$k.log" | head -1 | tr -d ,)"
    [[ "$points" =~ ^[0-9]+$ ]] || { echo "error: no point count in mfc submit's output ($work/submit-$tag-$k.log):" >&2; cat "$work/submit-$tag-$k.log" >&2; exit 1; }
    # Every 3 s, one scrape per silo for both counters: the wait is not timed (wall_seconds is the coordinator's),
    # and each scrape costs processor time (a curl, an awk, and the silo rendering its whole /metrics page) that
    # on this 2-core machine is taken from the workers once both cores compute (every 0.5 s with two scrapes per
    # silo it was several per cent of a core).
    # A silo that stops answering (its counts would be missing from the sum, so the count would never be reached)
    # ends the wait too: mfc watch below then waits for the sweep as the cluster sees it, and reports its end.
    local completed failed answered
    while :; do
      read -r completed failed answered <<<"$(progress "$n")"
      [ "$((completed - before_done))" -lt "$points" ] && [ "$failed" = "$before_failed" ] && [ "$answered" = "$n" ] || break
      sleep 3
    done
    [ "$answered" = "$n" ] || echo "  warning: $tag run $k: only $answered of $n silos answered /metrics during the sweep; a silo that left takes its counts with it, and this run's throughput is not a measure of $n silos" >&2
    mfc watch "$id" >"$work/watch-$tag-$k.log" 2>&1 || { tail -5 "$work/watch-$tag-$k.log" >&2; exit 1; }
    probe_after="$(together)"
    echo "  $tag run $k: bare loops after: ${probe_after:-not measured}" >&2
    printf '%s\n%s\n' "$probe_before" "$probe_after" >"$work/probe-$tag-$k"
    local after_req after_msg
    after_req="$(scrape "$n" orleans_app_requests_latency_milliseconds_count)"
    after_msg="$(scrape "$n" orleans_messaging_processing_dispatcher_received_total)"
    for i in $(seq 0 $((n - 1))); do per_silo="$per_silo${per_silo:+/}$(metric mfc_points_completed_total "$i" 'kind="sgd"')"; done
    # Each silo's mean seconds per point in this run, and the mean over all silos (points / wall seconds x that /
    # silos is the share of the run the worker slots computed): one scrape of each counter per silo.
    local mean_point="" secs_all=0 count_all=0 ds dc
    for i in $(seq 0 $((n - 1))); do
      ds="$(awk -v s1="$(metric_sum mfc_point_duration_seconds_sum "$i")" -v s0="${before_secs[i]}" 'BEGIN { printf "%.6f", s1 - s0 }')"
      dc=$(($(metric mfc_point_duration_seconds_count "$i") - before_count[i]))
      mean_point="$mean_point${mean_point:+ / }$(awk -v s="$ds" -v c="$dc" 'BEGIN { if (c > 0) printf "%.3f s", s / c; else printf "-" }')"
      secs_all="$(awk -v t="$secs_all" -v s="$ds" 'BEGIN { printf "%.6f", t + s }')"
      count_all=$((count_all + dc))
    done
    echo "  $tag run $k: mean seconds per point on each silo: $mean_point" >&2
    local mean_all
    mean_all="$(awk -v s="$secs_all" -v c="$count_all" 'BEGIN { if (c > 0) printf "%.4f", s / c; else printf "0" }')"
    mfc results "$id" --out "$work/results-$tag-$k" >"$work/results-$tag-$k.log" 2>&1 || { cat "$work/results-$tag-$k.log" >&2; exit 1; }
    local summary="$work/results-$tag-$k/summary.json" bad
    bad="$(jq '[.points[] | select(.status != "completed")] | length' "$summary")"
    [ "$bad" = 0 ] || { echo "error: $bad point(s) of $tag run $k did not complete; see $summary" >&2; exit 1; }
    lines="$lines$(jq '.points | length' "$summary") $(jq '.wall_seconds' "$summary") $per_silo $mean_all $((after_req - before_req)) $((after_msg - before_msg)) $(jq -c '.coordinator' "$summary")"$'\n'
  done
  MFC_CLUSTER_DIR="$dir" "$cluster" down >/dev/null 2>&1
  printf '%s' "$lines"
}

echo "sweep: $spec ($runs run(s) on each fresh cluster)"
declare -A rate cold point_s
first="" last=""
for n in $sizes; do
  k=0
  while read -r points wall per_silo mean_point _ _ _; do
    k=$((k + 1))
    r="$(awk -v p="$points" -v w="$wall" 'BEGIN { printf "%.3f", p / w }')"
    [ "$k" = 1 ] && cold[$n]="$r"
    rate[$n]="$r"
    point_s[$n]="$mean_point"
    printf '  %s silo(s) x 1 worker, run %s: %s points in %s s = %s points/s; points run per silo so far %s\n' "$n" "$k" "$points" "$wall" "$r" "$per_silo"
  done < <(run "$n" "$spec" "$n-silos" "$runs")
  [ "$k" = "$runs" ] || { echo "error: the sweep on $n silo(s) did not complete its $runs run(s) (see the messages above; --keep keeps the logs)" >&2; exit 1; }
  [ -n "$first" ] || first="$n"
  last="$n"
done
if [ "$first" != "$last" ]; then
  target="$(awk -v s="$last" -v f="$first" 'BEGIN { printf "%.1f", 1.8 * (s / f) / 2 }')"
  if [ "$runs" -gt 1 ]; then
    echo "first runs (fresh silos): $last silos / $first silo = $(awk -v a="${cold[$last]}" -v b="${cold[$first]}" 'BEGIN { printf "%.2f", a / b }') x the points per second"
  fi
  ratio="$(awk -v a="${rate[$last]}" -v b="${rate[$first]}" 'BEGIN { printf "%.2f", a / b }')"
  verdict="$(awk -v r="$ratio" -v t="$target" 'BEGIN { print (r >= t ? "met" : "MISSED") }')"
  echo "scale-out: $last silos / $first silo = $ratio x the points per second, run $runs of each (target >= $target: $verdict)"
  # What the cores allowed around the last runs: bare loops on all cores at once against the fastest alone (R), and
  # the ratio with each run's points per second divided by the fastest core's bare speed measured around it (the
  # machine's speed drifts between the runs of the two cluster sizes by as much as 10-40% here).
  if [ -s "$work/probe-$last-silos-$runs" ] && [ -s "$work/probe-$first-silos-$runs" ]; then
    mapfile -t probes_last <"$work/probe-$last-silos-$runs"
    mapfile -t probes_first <"$work/probe-$first-silos-$runs"
    bare="$(together_ratio "${probes_last[@]}")"
    speed_last="$(fastest_alone "${probes_last[@]}")" speed_first="$(fastest_alone "${probes_first[@]}")"
    if [ -n "$bare" ] && [ -n "$speed_last" ] && [ -n "$speed_first" ]; then
      echo "  bare loops of the same point on all $(nproc) cores at once, around that $last-silo run: $bare x one alone on the fastest core (no cluster can do better on these cores)"
      # The ratio is (2 / the points' slowdown) x (busy share on N silos / busy share on 1): what the cores lost and
      # what the cluster lost, apart. Busy share = points per second x mean seconds per point / worker slots.
      echo "  worker slots busy: $(awk -v r="${rate[$first]}" -v m="${point_s[$first]}" -v n="$first" 'BEGIN { printf "%.1f", 100 * r * m / n }') % on $first silo(s), $(awk -v r="${rate[$last]}" -v m="${point_s[$last]}" -v n="$last" 'BEGIN { printf "%.1f", 100 * r * m / n }') % on $last (points per second x mean seconds per point / slots); a point took $(awk -v a="${point_s[$last]}" -v b="${point_s[$first]}" 'BEGIN { printf "%.3f", a / b }') x as long on $last silos as on $first, where the bare loops ran $(awk -v n="$last" -v f="$first" -v r="$bare" 'BEGIN { printf "%.3f", (n / f) / r }') x slower together than alone"
      echo "  the fastest core's bare speed: $speed_first steps/s around the $first-silo run, $speed_last around the $last-silo run; each run's points per second divided by it: $last silos / $first silo = $(awk -v a="${rate[$last]}" -v b="${rate[$first]}" -v sa="$speed_last" -v sb="$speed_first" 'BEGIN { printf "%.2f", (a / sa) / (b / sb) }') x, which is $(awk -v a="${rate[$last]}" -v b="${rate[$first]}" -v sa="$speed_last" -v sb="$speed_first" -v r="$bare" 'BEGIN { printf "%.0f", 100 * (a / sa) / (b / sb) / r }') % of the bare loops' $bare"
    fi
  fi
fi

if [ "$calls" = 1 ]; then
  echo "calls per point: $calls_spec on $last silo(s) x 1 worker"
  read -r points wall per_silo _ requests messages coordinator < <(run "$last" "$calls_spec" "calls") || { echo "error: the calls sweep did not complete (see the messages above; --keep keeps the logs)" >&2; exit 1; }
  echo "  $points points in $wall s ($(awk -v p="$points" -v w="$wall" 'BEGIN { printf "%.1f", p / w }') points/s); points run per silo $per_silo"
  echo "  grain-to-grain requests answered (Orleans meter, all silos): $requests = $(awk -v c="$requests" -v p="$points" 'BEGIN { printf "%.2f", c / p }') per point"
  echo "  messages received by the silos' dispatchers (Orleans meter: requests and responses, client included): $messages = $(awk -v c="$messages" -v p="$points" 'BEGIN { printf "%.2f", c / p }') per point"
  echo "  coordinator (its own counter): $coordinator"
fi
