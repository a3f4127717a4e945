#!/usr/bin/env bash
# Installs what the tests need when it is missing, builds, runs every test project, and ends with
# the totals line "N passed, N failed". Exit code 0 only when every test passed.
# --fast leaves out the tests marked [Trait("Category", "Slow")] (real processes, browsers, large
# sweeps): for development; CI runs everything (docs/testing.md).
# The projects run in two lanes at once: the processor-bound ones (Client, Engine: examples and kernels)
# at a lower priority (nice 10), and the ones that mostly wait on real processes and timeouts (Fault,
# Cluster, Dashboard) at normal priority, so their silos, Redis and browsers get the processor first.
# Each output line starts with its project's short name. --serial runs one project after another.
set -uo pipefail
cd "$(dirname "$0")"

filter=()
serial=0
for arg in "$@"; do
  case "$arg" in
    --fast) filter=(--filter "Category!=Slow") ;;
    --serial) serial=1 ;;
    *) echo "usage: ./test.sh [--fast] [--serial]" >&2; exit 2 ;;
  esac
done

sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# The TLS tests make their certificates with deploy/tls/make-demo-ca.sh (openssl).
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
# mfc plot draws its labels with a system font (DejaVu Sans when present).
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)   # the silo build bundles the dashboard's chart library from npm
# The SLURM test (deploy/slurm) configures its own single-node SLURM from Debian's daemons; it runs as root.
[ -x /usr/sbin/slurmctld ] && [ -x /usr/sbin/slurmd ] && command -v sbatch >/dev/null 2>&1 && [ -x /usr/sbin/munged ] || missing+=(slurmctld slurmd slurm-client munge)
# The network-namespace test needs iproute2 (ip netns, veth, bridge).
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
# The container test builds the image on a base made here and runs it with podman (runc: crun refuses hybrid cgroups).
command -v podman >/dev/null 2>&1 && command -v runc >/dev/null 2>&1 || missing+=(podman runc)
# The pandas recipe of docs/results.md runs with Debian's python3 (a pyenv python3 on PATH may lack pandas).
/usr/bin/python3 -c "import pandas" >/dev/null 2>&1 || missing+=(python3-pandas)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]} (apt-get)"
  if ! { $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }; then
    echo "test.sh: warning: could not install ${missing[*]}; tests that need them will fail" >&2
  fi
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if ! dotnet build MeanFieldCluster.sln -c Release -nologo -v quiet; then
  echo "test.sh: build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

results_dir="$(pwd)/TestResults"
rm -rf "$results_dir"

# Runs one test project; every line of its output starts with the project's short name (Client, Fault...).
# Returns dotnet test's exit code.
run_project() {
  local project="$1" name short
  name="$(basename "$project" .csproj)"
  short="${name#MeanFieldCluster.}"; short="${short%.Tests}"
  echo "$short| == $name"
  dotnet test "$project" -c Release --no-build --nologo "${filter[@]}" \
      --logger "console;verbosity=normal" --logger "trx;LogFileName=$name.trx" \
      --results-directory "$results_dir" 2>&1 | sed -u "s/^/$short| /"
  return "${PIPESTATUS[0]}"
}

# Runs the given projects one after another; fails when any of them failed.
run_lane() {
  local project lane_status=0
  for project in "$@"; do
    run_project "$project" || lane_status=1
  done
  return $lane_status
}

waiting=() processing=()
for project in tests/*/*.csproj; do
  case "$(basename "$project" .csproj)" in
    *.Fault.Tests|*.Cluster.Tests|*.Dashboard.Tests) waiting+=("$project") ;;
    *) processing+=("$project") ;;
  esac
done

# Stops a process and everything it started (the waiting lane, when this script is interrupted).
stop_tree() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null); do stop_tree "$child"; done
  kill "$1" 2>/dev/null
}

status=0
if [ "$serial" -eq 1 ]; then
  run_lane tests/*/*.csproj || status=1
else
  run_lane "${waiting[@]}" &
  waiting_pid=$!
  # The lower priority applies to the whole lane: dotnet test, its test hosts and what they start.
  ( renice -n 10 -p "$BASHPID" >/dev/null 2>&1; run_lane "${processing[@]}" ) &
  processing_pid=$!
  # Both lanes run in the background so that an interrupt is handled at once (wait returns on a trapped signal).
  trap 'stop_tree $processing_pid; stop_tree $waiting_pid; exit 130' INT TERM
  wait "$processing_pid" || status=1
  wait "$waiting_pid" || status=1
  trap - INT TERM
fi

# A test that fails or is cut short must still stop the servers it started; report (and stop) any it left.
# Only servers of test processes that have ended (/tmp/mfc-fault-tests/p<pid>/...): another run's are its own.
for pid in $(pgrep -x redis-server 2>/dev/null); do
  cwd="$(readlink "/proc/$pid/cwd" 2>/dev/null)"
  case "$cwd" in
    /tmp/mfc-fault-tests/p*)
      owner="${cwd#/tmp/mfc-fault-tests/p}"; owner="${owner%%/*}"
      if ! [ -d "/proc/$owner" ]; then
        echo "test.sh: warning: a test left redis-server (pid $pid, $cwd) running; stopped it" >&2; kill "$pid" 2>/dev/null
      fi ;;
  esac
done

passed=0; failed=0; found=0
for trx in "$results_dir"/*.trx; do
  [ -f "$trx" ] || continue
  found=$((found + 1))
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  p="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  f="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
expected=$(ls tests/*/*.csproj | wc -l)
if [ "$found" -lt "$expected" ]; then
  echo "test.sh: only $found of $expected test projects produced results"
  failed=$((failed + expected - found)); status=1
fi
if [ "$failed" -gt 0 ]; then status=1; fi
echo "$passed passed, $failed failed"
exit $status
