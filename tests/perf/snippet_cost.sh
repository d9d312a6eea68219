#!/bin/sh
# Time searches whose snippets are expensive to make: many ORed words over
# large documents, and one very long document. Not part of ctest (timings
# are measured, never asserted).
#
# usage: snippet_cost.sh SOU CORPUS WORKDIR
#   SOU     the sou command (build/cli/sou)
#   CORPUS  the shared reference corpus (../shared/corpus)
#   WORKDIR scratch directory, created and reused
set -eu
SOU=$1 CORPUS=$2 W=$3
mkdir -p "$W"

# Twelve documents of 0.2-1.3 MB: the ten English and Chinese corpus files
# and two mixed ones (English and Chinese lines interleaved).
if [ ! -d "$W/docs" ]; then
    mkdir -p "$W/docs"
    cp "$CORPUS"/en/*.txt "$CORPUS"/zh/*.utf8 "$CORPUS"/zh-hant/*.utf8 "$W/docs/"
    paste -d '\n' "$CORPUS/en/pg2701.txt" "$CORPUS/zh/msr_test.utf8" > "$W/docs/mixed1.txt"
    paste -d '\n' "$CORPUS/en/pg37106.txt" "$CORPUS/zh/pku_test.utf8" > "$W/docs/mixed2.txt"
    # One 50 MB document: the English novels repeated.
    : > "$W/big.txt"
    while [ "$(wc -c < "$W/big.txt")" -lt 52428800 ]; do
        cat "$CORPUS"/en/*.txt >> "$W/big.txt"
    done
    mkdir -p "$W/bigdoc" && mv "$W/big.txt" "$W/bigdoc/"
fi
[ -d "$W/idx" ] || "$SOU" -d "$W/idx" index "$W/docs" > /dev/null
[ -d "$W/bigidx" ] || "$SOU" -d "$W/bigidx" index "$W/bigdoc" > /dev/null

# The first N distinct words of Moby-Dick, lower-cased.
words() {
    tr -cs 'A-Za-z' '\n' < "$CORPUS/en/pg2701.txt" | tr 'A-Z' 'a-z' | awk 'length($0) > 1 && !seen[$0]++' | head -n "$1" | tr '\n' ' '
}

# Wall and CPU (user + system) seconds: on a shared machine CPU time is the
# steadier figure.
t() { # label, then the command
    label=$1; shift
    /usr/bin/time -f '%e %U %S' -o "$W/time" "$@" > /dev/null
    read -r wall user sys < "$W/time"
    printf '%-40s wall %7.3f s  cpu %7.3f s\n' "$label" "$wall" "$(echo "$user + $sys" | bc)"
}

q1k=$(words 1000)
q10k=$(words 10000)
t "1,000 words --or, 12 docs" "$SOU" -d "$W/idx" search --or --limit 12 -- "$q1k"
t "10,000 words --or, 12 docs" "$SOU" -d "$W/idx" search --or --limit 12 -- "$q10k"
t "10,000 words --or, 12 docs, --json" "$SOU" -d "$W/idx" search --json --or --limit 12 -- "$q10k"
t "whale, 50 MB document" "$SOU" -d "$W/bigidx" search whale
t "zzzqx OR whale, 50 MB document" "$SOU" -d "$W/bigidx" search --or zzzqx whale
