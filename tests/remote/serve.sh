# serve.sh: xapian-tcpsrv for the remote tests, sourced by run.sh and
# sharded.sh. Needs $tcpsrv and $work; keeps the servers' pids in $pids.

pids=
# serve "PORT..." DIR: serve DIR on the loopback interface at the first of
# the ports where the server stays up. Sets $port and $spid; 1 when none.
serve() {
    port=
    for p in $1; do
        # In a session of its own: on SIGTERM the server signals its whole
        # process group, which must not be ours.
        setsid "$tcpsrv" --interface 127.0.0.1 --port "$p" --quiet "$2" >"$work/srv-$p.log" 2>&1 &
        spid=$!
        sleep 0.5
        if kill -0 "$spid" 2>/dev/null; then
            port=$p
            pids="$pids $spid"
            return 0
        fi
    done
    return 1
}

# stop PID: stop a server and wait for it.
stop() {
    kill -TERM "-$1" 2>/dev/null || kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

# Stops every server, and removes $work unless $keep is set.
cleanup() {
    for p in $pids; do
        stop "$p"
    done
    [ -n "${keep:-}" ] || rm -rf "$work"
}
