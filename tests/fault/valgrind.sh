#!/bin/sh
# The end-to-end tests of the sou command (tests/cli, tests/remote) with
# every run of sou under Valgrind's memcheck. Any memory error, or a leak
# that is definite or indirect, fails. ICU keeps process-wide caches that
# show as "still reachable" or "possibly lost": those do not count.
# usage: valgrind.sh SOU WORK_DIR [PYTHON]
set -u
sou=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$2
py=${3:-python3}
here=$(cd "$(dirname "$0")/.." && pwd)

command -v valgrind >/dev/null 2>&1 || { echo "valgrind.sh: valgrind not found (Debian: valgrind)" >&2; exit 2; }
rm -rf "$work"
mkdir -p "$work/logs" || exit 1
work=$(cd "$work" && pwd)

wrapper=$work/sou
cat >"$wrapper" <<WRAP
#!/bin/sh
exec valgrind -q --tool=memcheck --error-exitcode=99 --leak-check=full \\
    --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \\
    --log-file="$work/logs/%p.log" "$sou" "\$@"
WRAP
chmod +x "$wrapper"

status=0
SOU_UNDER_VALGRIND=1 sh "$here/cli/run.sh" "$wrapper" "$work/cli" "$py" || status=1
tcpsrv=$(command -v xapian-tcpsrv || true)
if [ -n "$tcpsrv" ]; then
    sh "$here/remote/run.sh" "$wrapper" "$tcpsrv" "$work/remote" || status=1
else
    echo "valgrind.sh: xapian-tcpsrv not found: remote test left out"
fi

runs=$(ls "$work/logs" | wc -l)
bad=0
for log in "$work"/logs/*.log; do
    [ -s "$log" ] || continue
    bad=$((bad + 1))
    echo "--- $log"
    cat "$log"
done
echo "valgrind: $runs runs of sou under memcheck, $bad with errors or leaks"
[ "$bad" -eq 0 ] && [ "$runs" -gt 0 ] || status=1
exit "$status"
