#!/usr/bin/env python3
"""English search behaviour on the reference corpus, through the sou command.

Every paragraph of the six English novels becomes a document; queries check
stemming, phrases, NOT, field restriction and AND against what the text says.
usage: english.py SOU CORPUS_DIR WORK_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys

sou, corpus, work = sys.argv[1], sys.argv[2], sys.argv[3]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
index = os.path.join(work, "index")
jsonl = os.path.join(work, "en.jsonl")

docs = {}
with open(jsonl, "w", encoding="utf-8") as out:
    for name in sorted(os.listdir(os.path.join(corpus, "en"))):
        with open(os.path.join(corpus, "en", name), encoding="utf-8") as f:
            text = f.read()
        book = name.split(".")[0]
        for n, para in enumerate(re.split(r"\r?\n\s*\r?\n", text)):
            para = " ".join(para.split())
            if not para:
                continue
            doc_id = "%s#%d" % (book, n)
            docs[doc_id] = para
            out.write(json.dumps({"id": doc_id, "book": book, "body": para}) + "\n")

subprocess.run([sou, "-d", index, "index", "--jsonl", jsonl], check=True,
               stderr=subprocess.DEVNULL)
failures = 0
passes = 0


def search(query, limit=100000):
    out = subprocess.run([sou, "-d", index, "search", "--json", "--limit", str(limit), "--", query],
                         check=True, capture_output=True, text=True).stdout
    return [h["id"] for h in json.loads(out)["hits"]]


def check(what, ok):
    global failures, passes
    print(("ok   " if ok else "FAIL ") + what)
    failures += not ok
    passes += bool(ok)


def where(pattern):
    rx = re.compile(pattern, re.IGNORECASE)
    return {i for i, t in docs.items() if rx.search(t)}


# Stemming: shopping, shops and shopped meet; shopman does not.
hits = set(search("shopping"))
check("shopping finds every paragraph with shop/shops/shopped/shopping (%d)" % len(hits),
      hits == where(r"\bshop(s|ped|ping)?\b"))
check("shopping finds paragraphs that only say 'shops'",
      bool(hits & (where(r"\bshops\b") - where(r"\bshopping\b"))))

# A phrase matches the words next to each other, punctuation aside.
hits = set(search('"white whale"'))
want = where(r"(?<![\w'])white\W+whale(?!\w)|(?<![\w'])white\W+whale's")
check('"white whale" finds exactly the paragraphs with the phrase (%d of %d)'
      % (len(hits & want), len(want)), hits == want)
words = where(r"\bwhite\b") & where(r"\bwhale\b")
check("the words of the phrase apart are not enough", len(words) > len(hits))

# NOT removes every paragraph with the word (or its stem).
hits = set(search("whale -white"))
check("whale -white: none has white", not (hits & where(r"\bwhite\b")))
check("whale -white: every hit has a whale",
      bool(hits) and hits <= where(r"\bwhal(e|es|ing|ed|e's)\b"))

# AND by default; the best hits hold both names.
top = search("Elizabeth Darcy", limit=10)
check("Elizabeth Darcy: top 10 all hold both names",
      len(top) == 10 and all(i in where(r"\belizabeth\b") & where(r"\bdarcy\b") for i in top))

# A field restricts to one book.
hits = search("whale book:pg2701")
check("whale book:pg2701: all from Moby Dick (%d)" % len(hits),
      bool(hits) and all(h.startswith("pg2701#") for h in hits))

print("%d passed, %d failed" % (passes, failures))
shutil.rmtree(work, ignore_errors=True)
sys.exit(1 if failures else 0)
