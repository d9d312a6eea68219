/* relevance.c: sou-bench relevance, ranking quality on a SMART-style test
 * collection beside Xapian's QueryParser and SQLite FTS5. */
#define _POSIX_C_SOURCE 200809L

#include "bench.h"
#include "peers_sqlite.h"
#include "peers_xapian.h"

#include "../lib/stopwords_en.h"

#include <jansson.h>
#include <sou.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEPTH 1000

/* ---------------------------------------------------------------- reading */

/* One record: .I id, then the text of its .W field. */
typedef struct record {
    long id;
    char *text;
    size_t len;
} record;

typedef struct record_list {
    record *v;
    size_t n, cap;
} record_list;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "sou-bench: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *b = realloc(buf, cap * 2 + 1);
        if (!b) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = b;
        cap *= 2;
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "sou-bench: %s: out of memory\n", path);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Reads records: a line ".I N" starts one; the lines after a ".W" line are
 * its text (other dot fields, if any, are skipped), line ends kept as
 * newlines, without CRs, trailing newlines dropped. */
static int records_read(const char *path, record_list *out)
{
    size_t n;
    char *data = slurp(path, &n);
    if (!data)
        return -1;
    memset(out, 0, sizeof *out);
    record *cur = NULL;
    int in_w = 0;
    size_t i = 0;
    while (i < n) {
        size_t e = i;
        while (e < n && data[e] != '\n')
            e++;
        size_t le = e;
        if (le > i && data[le - 1] == '\r')
            le--;
        const char *line = data + i;
        size_t ll = le - i;
        if (ll >= 2 && line[0] == '.' && (ll == 2 || line[2] == ' ' || line[2] == '\t')) {
            in_w = 0;
            if (line[1] == 'I') {
                if (out->n == out->cap) {
                    size_t cap = out->cap ? out->cap * 2 : 256;
                    record *v = realloc(out->v, cap * sizeof *v);
                    if (!v)
                        goto oom;
                    out->v = v;
                    out->cap = cap;
                }
                cur = &out->v[out->n++];
                cur->id = strtol(line + 2, NULL, 10);
                cur->text = NULL;
                cur->len = 0;
            } else if (line[1] == 'W') {
                in_w = cur != NULL;
            }
        } else if (in_w) {
            char *t = realloc(cur->text, cur->len + ll + 2);
            if (!t)
                goto oom;
            cur->text = t;
            if (cur->len)
                cur->text[cur->len++] = '\n';
            memcpy(cur->text + cur->len, line, ll);
            cur->len += ll;
            cur->text[cur->len] = '\0';
        }
        i = e + 1;
    }
    free(data);
    for (size_t k = 0; k < out->n; k++) {
        record *r = &out->v[k];
        while (r->len && (r->text[r->len - 1] == '\n' || r->text[r->len - 1] == ' '))
            r->text[--r->len] = '\0';
        if (!r->text && !(r->text = calloc(1, 1)))
            return -1;
    }
    return 0;
oom:
    fprintf(stderr, "sou-bench: %s: out of memory\n", path);
    free(data);
    return -1;
}

static void records_free(record_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].text);
    free(l->v);
}

/* Judgments: pairs (query, doc) sorted, for bsearch. */
typedef struct judgment {
    long q, d;
} judgment;

static int judgment_cmp(const void *a, const void *b)
{
    const judgment *x = a, *y = b;
    if (x->q != y->q)
        return x->q < y->q ? -1 : 1;
    return (x->d > y->d) - (x->d < y->d);
}

static int judgments_read(const char *path, judgment **out, size_t *n_out)
{
    size_t n;
    char *data = slurp(path, &n);
    if (!data)
        return -1;
    size_t cap = 4096, count = 0;
    judgment *v = malloc(cap * sizeof *v);
    char *p = data;
    while (v && *p) {
        char *end;
        long q = strtol(p, &end, 10);
        if (end == p) {
            p++;
            continue;
        }
        p = end;
        long d = strtol(p, &end, 10);
        if (end == p)
            continue;
        p = end;
        while (*p && *p != '\n')
            p++; /* any further columns */
        if (count == cap) {
            cap *= 2;
            judgment *w = realloc(v, cap * sizeof *w);
            if (!w) {
                free(v);
                v = NULL;
                break;
            }
            v = w;
        }
        v[count++] = (judgment){ q, d };
    }
    free(data);
    if (!v)
        return -1;
    qsort(v, count, sizeof *v, judgment_cmp);
    size_t u = 0; /* drop repeated pairs */
    for (size_t i = 0; i < count; i++)
        if (u == 0 || judgment_cmp(&v[u - 1], &v[i]) != 0)
            v[u++] = v[i];
    *out = v;
    *n_out = u;
    return 0;
}

static int is_relevant(const judgment *j, size_t n, long q, long d)
{
    judgment key = { q, d };
    return bsearch(&key, j, n, sizeof *j, judgment_cmp) != NULL;
}

static size_t relevant_count(const judgment *j, size_t n, long q)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += j[i].q == q;
    return c;
}

/* ---------------------------------------------------------------- metrics */

typedef struct scores {
    double map, ndcg10, p10, r100;
} scores;

/* Adds one query's scores for ranked doc ids @p ranked to @p s. */
static void score_query(scores *s, const long *ranked, size_t n, const judgment *j, size_t nj,
                        long q, size_t n_rel)
{
    double ap = 0, dcg = 0, idcg = 0;
    size_t hits = 0, hits10 = 0, hits100 = 0;
    for (size_t r = 0; r < n; r++) {
        if (!is_relevant(j, nj, q, ranked[r]))
            continue;
        hits++;
        ap += (double)hits / (double)(r + 1);
        if (r < 10) {
            hits10++;
            dcg += 1.0 / log2((double)r + 2);
        }
        if (r < 100)
            hits100++;
    }
    for (size_t r = 0; r < 10 && r < n_rel; r++)
        idcg += 1.0 / log2((double)r + 2);
    s->map += ap / (double)n_rel;
    s->ndcg10 += idcg > 0 ? dcg / idcg : 0;
    s->p10 += (double)hits10 / 10.0;
    s->r100 += (double)hits100 / (double)n_rel;
}

/* ---------------------------------------------------------------- systems */

static const char *const system_names[] = { "sou", "sou-or", "xapian-qp", "xapian-qp-stop",
                                            "fts5-porter" };
#define N_SYSTEMS (sizeof system_names / sizeof system_names[0])

typedef struct run_ctx {
    const record_list *docs, *queries;
    const judgment *j;
    size_t nj;
    long *ranked;
    uint32_t *ids;
    size_t n_scored;
} run_ctx;

static int run_sou(const char *name, const char *path, run_ctx *x, scores *s)
{
    sou_index_options io = SOU_INDEX_OPTIONS_INIT;
    io.flags = SOU_INDEX_CREATE;
    sou_index *index;
    if (mkdir(path, 0777) != 0 || sou_index_open(&index, path, &io) != SOU_OK) {
        fprintf(stderr, "sou-bench: %s: cannot create index: %s\n", name,
                errno ? strerror(errno) : sou_error_last()->message);
        return -1;
    }
    int rc = SOU_OK;
    for (size_t i = 0; i < x->docs->n && rc == SOU_OK; i++) {
        char id[24];
        int id_len = snprintf(id, sizeof id, "%ld", x->docs->v[i].id);
        sou_doc *doc;
        rc = sou_doc_new(&doc, id, (size_t)id_len);
        if (rc == SOU_OK)
            rc = sou_doc_add_field(doc, "body", x->docs->v[i].text, x->docs->v[i].len, 0, 0);
        if (rc == SOU_OK)
            rc = sou_index_add(index, doc);
        sou_doc_free(doc);
    }
    if (rc == SOU_OK)
        rc = sou_index_commit(index);
    if (rc != SOU_OK) {
        fprintf(stderr, "sou-bench: %s: indexing: %s\n", name, sou_error_last()->message);
        sou_index_close(index);
        return -1;
    }
    sou_search_options so = SOU_SEARCH_OPTIONS_INIT;
    so.limit = DEPTH;
    if (strcmp(name, "sou-or") == 0)
        so.default_op = SOU_OP_OR;
    x->n_scored = 0;
    for (size_t k = 0; k < x->queries->n; k++) {
        const record *q = &x->queries->v[k];
        size_t n_rel = relevant_count(x->j, x->nj, q->id);
        if (!n_rel)
            continue;
        sou_results *res;
        size_t n = 0;
        if (sou_index_search(index, q->text, q->len, &so, &res) != SOU_OK) {
            /* a query the user's search box rejects finds nothing */
            fprintf(stderr, "sou-bench: %s: query %ld: %s\n", name, q->id,
                    sou_error_last()->message);
        } else {
            n = sou_results_count(res);
            for (size_t h = 0; h < n; h++) {
                const char *id = sou_results_id(res, h, NULL);
                x->ranked[h] = id ? strtol(id, NULL, 10) : -1;
            }
            sou_results_free(res);
        }
        score_query(s, x->ranked, n, x->j, x->nj, q->id, n_rel);
        x->n_scored++;
    }
    sou_index_close(index);
    return 0;
}

static int run_xapian(const char *name, const char *path, run_ctx *x, scores *s)
{
    int stop = strcmp(name, "xapian-qp-stop") == 0;
    peer_xapian_rank *r;
    if (peer_xapian_rank_new(&r, path, stop ? sou__stopwords_en : NULL,
                             stop ? SOU__STOPWORDS_EN_COUNT : 0, stop ? 1.2 : -1, 0.75) != 0) {
        fprintf(stderr, "sou-bench: %s: %s\n", name, peer_xapian_error());
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < x->docs->n && rc == 0; i++)
        rc = peer_xapian_rank_add(r, x->docs->v[i].text, x->docs->v[i].len);
    if (rc == 0)
        rc = peer_xapian_rank_commit(r);
    if (rc != 0) {
        fprintf(stderr, "sou-bench: %s: %s\n", name, peer_xapian_error());
        peer_xapian_rank_free(r);
        return -1;
    }
    x->n_scored = 0;
    for (size_t k = 0; k < x->queries->n; k++) {
        const record *q = &x->queries->v[k];
        size_t n_rel = relevant_count(x->j, x->nj, q->id), n = 0;
        if (!n_rel)
            continue;
        if (peer_xapian_rank_search(r, q->text, q->len, x->ids, DEPTH, &n) != 0)
            fprintf(stderr, "sou-bench: %s: query %ld: %s\n", name, q->id,
                    peer_xapian_error());
        /* docids follow the order of adding */
        for (size_t h = 0; h < n; h++)
            x->ranked[h] = x->docs->v[x->ids[h] - 1].id;
        score_query(s, x->ranked, n, x->j, x->nj, q->id, n_rel);
        x->n_scored++;
    }
    peer_xapian_rank_free(r);
    return 0;
}

static int run_fts5(const char *name, const char *path, run_ctx *x, scores *s)
{
    peer_fts5 *p;
    if (peer_fts5_create(&p, path, "porter") != 0) {
        fprintf(stderr, "sou-bench: %s: cannot create the table\n", name);
        return -1;
    }
    int rc = peer_fts5_begin(p);
    for (size_t i = 0; i < x->docs->n && rc == 0; i++)
        rc = peer_fts5_add(p, x->docs->v[i].id, x->docs->v[i].text, x->docs->v[i].len);
    if (rc == 0)
        rc = peer_fts5_commit(p);
    if (rc != 0) {
        peer_fts5_close(p);
        return -1;
    }
    int64_t *rows = malloc(DEPTH * sizeof *rows);
    x->n_scored = 0;
    for (size_t k = 0; rows && k < x->queries->n; k++) {
        const record *q = &x->queries->v[k];
        size_t n_rel = relevant_count(x->j, x->nj, q->id), n = 0;
        if (!n_rel)
            continue;
        size_t cap = q->len * 3 + 64;
        char *expr = malloc(cap);
        if (expr && peer_fts5_expr(q->text, q->len, " OR ", 0, 1, expr, cap) > 0)
            (void)peer_fts5_search(p, expr, DEPTH, rows, &n, NULL);
        free(expr);
        for (size_t h = 0; h < n; h++)
            x->ranked[h] = (long)rows[h];
        score_query(s, x->ranked, n, x->j, x->nj, q->id, n_rel);
        x->n_scored++;
    }
    free(rows);
    peer_fts5_close(p);
    return 0;
}

/* ------------------------------------------------------------------- main */

static void relevance_usage(FILE *out)
{
    fputs("usage: sou-bench relevance [--collection DIR] [--system NAME,...] [--json]\n"
          "\n"
          "Ranking quality on a SMART-style test collection (DIR holds *.ALL, *.QRY and\n"
          "*.REL named after the folder in capitals, as CISI.ALL). Every judged query is\n"
          "run as typed, whole, for the top 1000; MAP, nDCG@10 (binary gains), P@10 and\n"
          "R@100 are averaged over the judged queries.\n"
          "\n"
          "  --collection DIR  the collection (default ../shared/relevance/cisi)\n"
          "  --system LIST     sou, sou-or, xapian-qp, xapian-qp-stop, fts5-porter\n"
          "                    (default all)\n"
          "  --json            print JSON instead of a table\n",
          out);
}

int bench_relevance_main(int argc, char **argv)
{
    const char *dir = "../shared/relevance/cisi", *system_list = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            relevance_usage(stdout);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (i + 1 < argc && strcmp(a, "--collection") == 0) {
            dir = argv[++i];
        } else if (i + 1 < argc && strcmp(a, "--system") == 0) {
            system_list = argv[++i];
        } else {
            fprintf(stderr, "sou-bench: bad argument '%s'\n", a);
            relevance_usage(stderr);
            return 2;
        }
    }
    if (bench_names_check(system_list, system_names, N_SYSTEMS, "system") != 0)
        return 2;
    /* The files are named after the folder: cisi/CISI.ALL. */
    char base[256], all[4400], qry[4400], rel[4400];
    const char *slash = strrchr(dir, '/');
    const char *leaf = slash && slash[1] ? slash + 1 : dir;
    snprintf(base, sizeof base, "%s", leaf);
    size_t bl = strcspn(base, "/");
    base[bl] = '\0';
    for (char *p = base; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    snprintf(all, sizeof all, "%s/%s.ALL", dir, base);
    snprintf(qry, sizeof qry, "%s/%s.QRY", dir, base);
    snprintf(rel, sizeof rel, "%s/%s.REL", dir, base);

    record_list docs, queries;
    judgment *j = NULL;
    size_t nj = 0;
    if (records_read(all, &docs) != 0)
        return 1;
    if (records_read(qry, &queries) != 0) {
        records_free(&docs);
        return 1;
    }
    if (judgments_read(rel, &j, &nj) != 0) {
        records_free(&docs);
        records_free(&queries);
        return 1;
    }
    size_t judged = 0;
    for (size_t k = 0; k < queries.n; k++)
        judged += relevant_count(j, nj, queries.v[k].id) > 0;

    char tmp[4096];
    int have_tmp = bench_tmpdir(tmp, sizeof tmp) == 0;
    int failed = !have_tmp;
    run_ctx x = { &docs, &queries, j, nj, malloc(DEPTH * sizeof(long)),
                  malloc(DEPTH * sizeof(uint32_t)), 0 };
    scores s[N_SYSTEMS];
    int done[N_SYSTEMS] = { 0 };
    if (!x.ranked || !x.ids)
        failed = 1;
    for (size_t i = 0; i < N_SYSTEMS && !failed; i++) {
        if (!bench_list_has(system_list, system_names[i]))
            continue;
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", tmp, system_names[i]);
        memset(&s[i], 0, sizeof s[i]);
        int rc;
        errno = 0;
        if (strncmp(system_names[i], "sou", 3) == 0)
            rc = run_sou(system_names[i], path, &x, &s[i]);
        else if (strncmp(system_names[i], "xapian", 6) == 0)
            rc = run_xapian(system_names[i], path, &x, &s[i]);
        else
            rc = run_fts5(system_names[i], path, &x, &s[i]);
        if (rc != 0) {
            failed = 1;
            break;
        }
        double d = x.n_scored ? (double)x.n_scored : 1;
        s[i].map /= d;
        s[i].ndcg10 /= d;
        s[i].p10 /= d;
        s[i].r100 /= d;
        done[i] = 1;
    }
    if (!failed && json) {
        json_t *root = json_object(), *results = json_array();
        json_object_set_new(root, "collection", json_string(dir));
        json_object_set_new(root, "documents", json_integer((json_int_t)docs.n));
        json_object_set_new(root, "queries", json_integer((json_int_t)judged));
        json_object_set_new(root, "judgments", json_integer((json_int_t)nj));
        json_object_set_new(root, "depth", json_integer(DEPTH));
        for (size_t i = 0; i < N_SYSTEMS; i++)
            if (done[i])
                json_array_append_new(results,
                                      json_pack("{s:s, s:f, s:f, s:f, s:f}", "system",
                                                system_names[i], "map", s[i].map, "ndcg10",
                                                s[i].ndcg10, "p10", s[i].p10, "r100",
                                                s[i].r100));
        json_object_set_new(root, "results", results);
        if (bench_json_print(root) != 0)
            failed = 1;
    } else if (!failed) {
        printf("sou-bench relevance\n");
        printf("collection: %s: %zu documents, %zu queries judged (of %zu), %zu judgments\n",
               dir, docs.n, judged, queries.n, nj);
        printf("runs:       each judged query whole, as typed; top %d; binary gains\n\n",
               DEPTH);
        printf("%-16s %7s %8s %7s %7s\n", "system", "MAP", "nDCG@10", "P@10", "R@100");
        for (size_t i = 0; i < N_SYSTEMS; i++)
            if (done[i])
                printf("%-16s %7.3f %8.3f %7.3f %7.3f\n", system_names[i], s[i].map,
                       s[i].ndcg10, s[i].p10, s[i].r100);
    }
    if (have_tmp && bench_rmtree(tmp) != 0)
        fprintf(stderr, "sou-bench: could not remove %s\n", tmp);
    free(x.ranked);
    free(x.ids);
    free(j);
    records_free(&docs);
    records_free(&queries);
    return failed;
}
