# shellcheck shell=bash disable=SC2034
# SPDX-License-Identifier: MIT
# tests/soak/common.sh: what tests/soak/soak and tests/soak/slowloris share (sourced, not run):
# the release build in build-soak/, starting and stopping budgetd on a copy of the bundled
# store, keeping its standard error from filling the disk, and the cleanup trap.
# The sourcing script sets SCRIPT (its name, for messages) and KEEP (1 keeps the temp dir); the
# variables set here (BUDGETD, BD_PORT, STOP_*, HEADER parts...) are for it (hence SC2034).

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$ROOT/build-soak
ERR_MAX_BYTES=$((200 * 1024 * 1024)) # budgetd's standard error is truncated beyond this

die() {
	echo "$SCRIPT: $*" >&2
	exit 1
}
say() { echo "$SCRIPT: $*" >&2; }

# need_tools: node 18+ and meson/ninja, or exit 2.
need_tools() {
	local t major
	for t in meson ninja node; do
		command -v "$t" >/dev/null ||
			{ echo "$SCRIPT: $t is needed: apt-get install meson ninja-build nodejs" >&2; exit 2; }
	done
	major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
	[ "$major" -ge 18 ] || { echo "$SCRIPT: node 18 or newer is needed (found $(node --version 2>&1))" >&2; exit 2; }
}

# build: the release build in build-soak/ (set up once, compiled on every run: a no-op when
# it is up to date). werror=false as in tests/bench/run: an -O3-only warning must not stop a
# measurement.
build() {
	cd "$ROOT" || die "cannot enter $ROOT"
	mkdir -p "$BUILD"
	if [ ! -f "$BUILD/build.ninja" ]; then
		say "setting up $BUILD (release)"
		meson setup "$BUILD" --buildtype=release -Dtests=false -Dwerror=false >"$BUILD/soak-setup.log" 2>&1 ||
			{ tail -20 "$BUILD/soak-setup.log" >&2; die "meson setup failed (log: $BUILD/soak-setup.log)"; }
	fi
	meson compile -C "$BUILD" >"$BUILD/soak-compile.log" 2>&1 ||
		{ tail -30 "$BUILD/soak-compile.log" >&2; die "the release build failed (log: $BUILD/soak-compile.log)"; }
	BUDGETD=$BUILD/server/budgetd
	if [ ! -x "$BUDGETD" ] || [ ! -f "$BUILD/server/budgetd.sqlite" ]; then
		die "no budgetd or bundled store in $BUILD/server"
	fi
}

# --- processes and cleanup ----------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/budgetd-$SCRIPT.XXXXXX")
BD_PID='' GUARD_PID='' NODE_PID='' BD_STOPPED=0

kill_pid() { # pid: TERM, wait up to 10 s, then KILL (only processes this script started)
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	set +e
	kill_pid "$NODE_PID"
	kill_pid "$GUARD_PID"
	[ "$BD_STOPPED" = 1 ] || kill_pid "$BD_PID"
	GUARD_PID='' BD_PID=''
	if [ "$KEEP" = 1 ]; then say "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run_node args...: node in the background, waited for, so that a signal to this script is
# handled at once (the cleanup stops node too); sets NODE_RC.
run_node() {
	node "$@" &
	NODE_PID=$!
	NODE_RC=0
	wait "$NODE_PID" || NODE_RC=$?
	NODE_PID=''
}

# guard_stderr file: budgetd may log every request to standard error; past ERR_MAX_BYTES the
# file is truncated (its last MB kept beside it). budgetd writes it in append mode (2>>), so
# it goes on at the new end. Runs in the background until budgetd is gone.
guard_stderr() {
	local file=$1 size n=0 nap=''
	trap '[ -z "$nap" ] || kill "$nap" 2>/dev/null; exit 0' TERM
	while kill -0 "$BD_PID" 2>/dev/null; do
		size=$(stat -c %s "$file" 2>/dev/null || echo 0)
		if [ "$size" -gt "$ERR_MAX_BYTES" ]; then
			n=$((n + 1))
			tail -c 1048576 "$file" >"$file.before-truncation" 2>/dev/null || true
			: >"$file"
			echo "$(date -u '+%H:%M:%S') truncated $file at $size bytes (truncation $n)" >>"$file.truncations"
		fi
		sleep 5 &
		nap=$!
		wait "$nap" || true
		nap=''
	done
}

# start_budgetd store logdir [options...]: sets BD_PID, BD_PORT. Standard output (the
# "listening on" line) and standard error (logs, never parsed here) go to logdir.
start_budgetd() {
	local db=$1 log=$2 i
	shift 2
	: >"$log/budgetd.err"
	: >"$log/budgetd.out" # now: the redirection below happens in the child, maybe after the loop reads
	"$BUDGETD" --port 0 --bind 127.0.0.1 --db "$db" "$@" >"$log/budgetd.out" 2>>"$log/budgetd.err" &
	BD_PID=$!
	for i in $(seq 1 200); do
		grep -q '^listening on ' "$log/budgetd.out" && break
		kill -0 "$BD_PID" 2>/dev/null || die "budgetd exited at start: $(tail -5 "$log/budgetd.err")"
		sleep 0.05
	done
	BD_PORT=$(sed -n 's|^listening on http://127\.0\.0\.1:\([0-9]*\)/$|\1|p' "$log/budgetd.out")
	[ -n "$BD_PORT" ] || die "budgetd did not print 'listening on http://127.0.0.1:PORT/' within 10 s"
	guard_stderr "$log/budgetd.err" &
	GUARD_PID=$!
	say "budgetd (pid $BD_PID) on 127.0.0.1:$BD_PORT serving a copy of the bundled store"
}

# stop_budgetd: SIGTERM, and how it ended. Sets STOP_RC (its exit status; 128+N for a signal),
# STOP_MS (from SIGTERM to its exit) and STOP_STATE: "exited" (after SIGTERM), "dead" (it was
# gone before: STOP_RC is how it ended) or "killed" (still running 30 s after SIGTERM).
stop_budgetd() {
	local t0 t1
	STOP_RC='' STOP_MS='' STOP_STATE=''
	if ! kill -0 "$BD_PID" 2>/dev/null || grep -q '^State:[[:space:]]*Z' "/proc/$BD_PID/status" 2>/dev/null; then
		STOP_STATE=dead
		wait "$BD_PID" && STOP_RC=0 || STOP_RC=$?
		BD_STOPPED=1
		return 0
	fi
	t0=$(date +%s%N)
	kill -TERM "$BD_PID"
	for _ in $(seq 1 3000); do
		grep -q '^State:[[:space:]]*Z' "/proc/$BD_PID/status" 2>/dev/null && break
		[ -e "/proc/$BD_PID" ] || break
		sleep 0.01
	done
	t1=$(date +%s%N)
	STOP_MS=$(((t1 - t0) / 1000000))
	if [ -e "/proc/$BD_PID" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$BD_PID/status" 2>/dev/null; then
		STOP_STATE=killed
		kill -KILL "$BD_PID" 2>/dev/null || true
	else
		STOP_STATE=exited
	fi
	wait "$BD_PID" && STOP_RC=0 || STOP_RC=$?
	BD_STOPPED=1
	kill_pid "$GUARD_PID"
	GUARD_PID=''
}

# describe: the commit and the machine, for the report.
describe() {
	HEAD=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
	DIRTY=$(git -C "$ROOT" --no-optional-locks status --porcelain --untracked-files=no 2>/dev/null | wc -l || echo 0)
	CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
	OS=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-Linux}" || echo Linux)
	STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
	MACHINE="$(nproc) cores (${CPU:-unknown CPU}), $(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $OS; node $(node --version); everything on 127.0.0.1"
	BUDGETD_DESC="budgetd $HEAD (release build, build-soak/)"
	if [ "$DIRTY" -gt 0 ]; then
		BUDGETD_DESC="budgetd $HEAD with $DIRTY modified tracked file(s) (release build, build-soak/)"
	fi
}

# positive_int name value max: exits 64 unless value is an integer in 1..max.
positive_int() {
	case "$2" in '' | *[!0-9]* | 0*) echo "$SCRIPT: $1 expects a positive integer, got '$2'" >&2; exit 64 ;; esac
	[ "$2" -le "$3" ] || { echo "$SCRIPT: $1 is at most $3" >&2; exit 64; }
}
