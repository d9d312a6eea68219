#!/bin/sh
# plot.sh: PNG charts of sou-bench index --json and sou-bench query --json.
#   bench/plot.sh INDEX.json QUERY.json [OUTDIR]
# writes OUTDIR/bench-index-speed.png, bench-index-size.png and
# bench-query-latency.png (OUTDIR defaults to docs). Needs gnuplot and python3.
set -eu

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: bench/plot.sh INDEX.json QUERY.json [OUTDIR]" >&2
    exit 2
fi
index_json=$1
query_json=$2
out=${3:-docs}
for tool in gnuplot python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "plot.sh: $tool is not installed" >&2; exit 1; }
done
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Tab-separated rows for gnuplot, one per system; sizes in MB (10^6 bytes).
python3 - "$index_json" "$query_json" "$tmp" <<'PY'
import json, sys
index, query, tmp = sys.argv[1], sys.argv[2], sys.argv[3]
with open(index) as f:
    ix = json.load(f)
with open(query) as f:
    qx = json.load(f)
with open(tmp + "/index.dat", "w") as f:
    for r in ix["results"]:
        comp = r["bytes_compacted"]
        f.write("%s\t%.1f\t%.1f\t%.1f\t%.2f\t%s\n" % (
            r["system"], r["docs_s"], r["docs_s_min"], r["docs_s_max"], r["bytes"] / 1e6,
            "%.2f" % (comp / 1e6) if comp is not None else "NaN"))
with open(tmp + "/query.dat", "w") as f:
    for r in qx["results"]:
        name = r["system"] + (" (snippets)" if r["snippets"] else "")
        f.write("%s\t%.1f\t%.1f\t%.1f\t%.1f\n" % (
            name, r["p50_us"], r["p95_us"], r["p99_us"], r["mean_us"]))
with open(tmp + "/title", "w") as f:
    f.write("%d docs, %s\n" % (ix["docs"], ix.get("cpu", "")))
    f.write("%d queries, top %d, %d docs, %s\n" % (
        qx["results"][0]["queries"] if qx["results"] else 0, qx.get("top", 10),
        qx["docs"], qx.get("cpu", "")))
PY
index_title=$(sed -n 1p "$tmp/title")
query_title=$(sed -n 2p "$tmp/title")

gnuplot <<GP
set terminal pngcairo size 900,500 font "sans,10"
set datafile separator "\t"
set style data histograms
set style fill solid 0.8 border -1
set grid ytics
set key outside right top
set xtics rotate by -20 noenhanced
set boxwidth 0.8

set output "$out/bench-index-speed.png"
set title "sou-bench index: documents per second (median, bars min-max)\n$index_title" noenhanced
set style histogram errorbars gap 2 lw 1
set ylabel "docs/s"
set logscale y
plot "$tmp/index.dat" using 2:3:4:xtic(1) title "docs/s"
unset logscale y

set output "$out/bench-index-size.png"
set title "sou-bench index: index size\n$index_title" noenhanced
set style histogram clustered gap 2
set ylabel "MB"
plot "$tmp/index.dat" using 5:xtic(1) title "as written", \
     "" using 6 title "compacted"

set output "$out/bench-query-latency.png"
set title "sou-bench query: latency per query\n$query_title" noenhanced
set ylabel "microseconds"
set logscale y
plot "$tmp/query.dat" using 2:xtic(1) title "p50", \
     "" using 3 title "p95", \
     "" using 4 title "p99", \
     "" using 5 title "mean"
GP
echo "wrote $out/bench-index-speed.png $out/bench-index-size.png $out/bench-query-latency.png"
