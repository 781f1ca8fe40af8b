# lib.sh - helpers shared by the milter integration tests (milter.sh,
# postfix.sh), sourced with `. "$SRCDIR/tests/integration/lib.sh"`.
# TAP-like output: "ok N - what" / "not ok N - what"; the caller prints
# "1..$n" at the end and fails when $fails is not 0.

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
bad() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# check WHAT SHELL-CONDITION
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
# show FILE [LINES]: the end of FILE as comments
show() { tail -n "${2:-15}" "$1" | sed 's/^/#   /'; }

# reap PID SECONDS: wait for PID to exit (SIGKILL after SECONDS); its exit
# status in $rc (137 when it had to be killed)
reap() {
  _j=0
  while [ -d "/proc/$1" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ] &&
    [ $_j -lt $(($2 * 5)) ]; do
    sleep 0.2
    _j=$((_j + 1))
  done
  if [ -d "/proc/$1" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; then
    echo "# pid $1 still running after $2 s: SIGKILL"
    kill -KILL "$1" 2>/dev/null
  fi
  wait "$1"
  rc=$?
}
