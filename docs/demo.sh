#!/bin/sh
# The main job, end to end: tokenize mixed text, index the sample documents
# of docs/sample.jsonl, and search them in English, Chinese and both.
# usage: demo.sh PATH-TO-SOU
set -eu
sou=$1
here=$(dirname "$0")
index=$(mktemp -d "${TMPDIR:-/tmp}/sou-demo-XXXXXX")
trap 'rm -rf "$index"' EXIT INT TERM

run() {
    echo
    echo "\$ sou $*"
    "$sou" "$@"
}

run tokenize "阿里巴巴的发展 Alibaba's shopping ＡＬＩＢＡＢＡ 臺灣"
run -d "$index" index --jsonl "$here/sample.jsonl"
run -d "$index" search shopping
run -d "$index" search 电子商务
run -d "$index" search 阿里
run -d "$index" search '阿里巴巴 cloud'
run -d "$index" search '"cloud platform"'
run -d "$index" stats
