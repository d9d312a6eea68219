/* crash.c: an indexer killed by SIGKILL at random moments, again and again.
 *
 * After each kill the index must hold exactly what its completed commits
 * wrote: every document of every commit the writer reported, each intact
 * (id, fields and value equal to what was written), nothing of a commit
 * that did not complete, a clean xapian-check, and no stale lock (a new
 * writer opens at once). The writer is this program run as a child: it
 * adds, replaces or deletes documents through the public API and writes the
 * number of operations committed to a pipe after each commit, so the check
 * knows which commits completed. A last part kills `sou index --jsonl`
 * itself and then lets a re-run complete: every document exactly once.
 *
 * usage: crash SOU XAPIAN_CHECK WORK_DIR
 *        crash writer add|replace|delete DIR FROM TO VERSION EVERY FD OPS
 * Environment: SOU_CRASH_SEED (random by default; printed), SOU_CRASH_DOCS
 * (documents, default 3000), SOU_CRASH_KILLS (kills per part, default 14).
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"
#include "sou.h"

/* Documents per commit. */
#define EVERY 40
#define CLI_EVERY 50
/* Kills a run must survive. */
#define MIN_KILLS 50

static gen_rng rng;
static unsigned ndocs = 3000;
static unsigned kills_per_part = 14;
static unsigned total_kills;
static unsigned unreported; /* kills between a commit and its report */
static unsigned before_create; /* kills before the index existed */
static double longest_lock_wait, checking;

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "crash: FAIL: " __VA_ARGS__);                                              \
        fputc('\n', stderr);                                                                       \
        exit(1);                                                                                   \
    } while (0)

/* ------------------------------------------------------------ the writer */

static int write_ops(const char *mode, const char *dir, unsigned from, unsigned to, unsigned ver,
                     unsigned every, int fd, const char *ops_file)
{
    sou_index_options opts = SOU_INDEX_OPTIONS_INIT;
    sou_index *index;
    unsigned *order = calloc(to, sizeof *order);
    FILE *f = fopen(ops_file, "r");
    int del = strcmp(mode, "delete") == 0;

    if (!order || !f)
        FAIL("writer: cannot read %s", ops_file);
    for (unsigned i = 0; i < to; i++)
        if (fscanf(f, "%u", &order[i]) != 1)
            FAIL("writer: short %s", ops_file);
    fclose(f);
    opts.flags = SOU_INDEX_CREATE;
    /* Commits happen here only, where they are reported. */
    opts.flush_threshold = (size_t)-1;
    if (sou_index_open(&index, dir, &opts) != SOU_OK)
        FAIL("writer: open %s: %s", dir, sou_error_last()->message);
    for (unsigned i = from; i < to; i++) {
        int rc;
        if (del) {
            char id[GEN_ID_MAX];
            gen_id(order[i], id);
            rc = sou_index_delete(index, id, strlen(id));
        } else {
            sou_doc *doc = gen_doc(order[i], ver);
            if (!doc)
                FAIL("writer: out of memory");
            rc = sou_index_add(index, doc);
            sou_doc_free(doc);
        }
        if (rc != SOU_OK)
            FAIL("writer: %s %u: %s", mode, order[i], sou_error_last()->message);
        if ((i + 1 - from) % every == 0 || i + 1 == to) {
            char line[32];
            int n;
            if (sou_index_commit(index) != SOU_OK)
                FAIL("writer: commit: %s", sou_error_last()->message);
            n = snprintf(line, sizeof line, "%u\n", i + 1);
            if (write(fd, line, (size_t)n) != n)
                FAIL("writer: report: %s", strerror(errno));
        }
    }
    sou_index_close(index);
    free(order);
    return 0;
}

/* ------------------------------------------------------------- checking */

/* Checks that the index in dir holds exactly the documents state says
 * (state[n]: version of document n, 0 when absent), then xapian-check and
 * a writer's open. */
static void check_index(const char *dir, const unsigned *state, const char *xapian_check,
                        const char *when)
{
    sou_index *index;
    sou_index_stats stats;
    sou_search_options so = SOU_SEARCH_OPTIONS_INIT;
    sou_index_options wo = SOU_INDEX_OPTIONS_INIT;
    uint64_t present = 0;
    char why[256];
    double t0, tw;
    int rc;

    t0 = gen_now();
    for (unsigned n = 0; n < ndocs; n++)
        present += state[n] != 0;
    rc = sou_index_open(&index, dir, NULL);
    if (rc == SOU_EIO && present == 0) {
        /* Killed before the index existed: nothing is visible, and the
         * next writer creates it at once. */
        wo.flags = SOU_INDEX_CREATE;
        if (sou_index_open(&index, dir, &wo) != SOU_OK)
            FAIL("%s: no index yet, and a writer cannot create it: %s", when,
                 sou_error_last()->message);
        sou_index_close(index);
        before_create++;
        rc = sou_index_open(&index, dir, NULL);
    }
    if (rc != SOU_OK)
        FAIL("%s: open read-only: %s", when, sou_error_last()->message);
    if (sou_index_stats_get(index, &stats) != SOU_OK)
        FAIL("%s: stats: %s", when, sou_error_last()->message);
    if (stats.doc_count != present)
        FAIL("%s: %llu documents, expected %llu", when, (unsigned long long)stats.doc_count,
             (unsigned long long)present);
    for (unsigned n = 0; n < ndocs; n++) {
        char id[GEN_ID_MAX];
        sou_doc *doc = NULL;
        gen_id(n, id);
        rc = sou_index_get(index, id, strlen(id), &doc);
        if (state[n] == 0 && rc != SOU_ENOTFOUND)
            FAIL("%s: %s should be absent: get returned %d", when, id, rc);
        if (state[n] != 0) {
            if (rc != SOU_OK)
                FAIL("%s: %s (version %u) lost: %s", when, id, state[n],
                     sou_error_last()->message);
            if (gen_doc_check(doc, n, state[n], why) != 0)
                FAIL("%s: %s is not version %u as written: %s", when, id, state[n], why);
        }
        sou_doc_free(doc);
    }
    /* The postings agree with the stored documents: a document's own word
     * finds it and only it, whatever version it is at. */
    so.flags = SOU_SEARCH_NO_SNIPPETS;
    for (int i = 0; i < 20; i++) {
        unsigned n = (unsigned)gen_below(&rng, ndocs);
        char key[GEN_ID_MAX], id[GEN_ID_MAX];
        sou_results *res;
        size_t len;
        const char *got;
        gen_key(n, key);
        gen_id(n, id);
        if (sou_index_search(index, key, strlen(key), &so, &res) != SOU_OK)
            FAIL("%s: search %s: %s", when, key, sou_error_last()->message);
        if (sou_results_count(res) != (state[n] ? 1u : 0u))
            FAIL("%s: search %s found %zu, expected %d", when, key, sou_results_count(res),
                 state[n] ? 1 : 0);
        if (state[n] && (!(got = sou_results_id(res, 0, &len)) || strcmp(got, id) != 0))
            FAIL("%s: search %s found the wrong document", when, key);
        sou_results_free(res);
    }
    sou_index_close(index);

    if (gen_xapian_check(xapian_check, dir) != 0)
        FAIL("%s: xapian-check", when);

    /* The dead writer's lock went with it. */
    wo.flags = SOU_INDEX_WRITE;
    tw = gen_now();
    rc = sou_index_open(&index, dir, &wo);
    if (rc != SOU_OK)
        FAIL("%s: a new writer cannot open: %s", when, sou_error_last()->message);
    if (gen_now() - tw > longest_lock_wait)
        longest_lock_wait = gen_now() - tw;
    sou_index_close(index);
    checking += gen_now() - t0;
}

static unsigned n_committed(const unsigned *state)
{
    unsigned n = 0;
    for (unsigned i = 0; i < ndocs; i++)
        n += state[i] != 0;
    return n;
}

/* Is document n at version v (0: absent) in dir? */
static int doc_at(const char *dir, unsigned n, unsigned v)
{
    sou_index *index;
    sou_doc *doc = NULL;
    char id[GEN_ID_MAX], why[256];
    int rc, at;

    if (sou_index_open(&index, dir, NULL) != SOU_OK)
        return v == 0;
    gen_id(n, id);
    rc = sou_index_get(index, id, strlen(id), &doc);
    at = v == 0 ? rc == SOU_ENOTFOUND : rc == SOU_OK && gen_doc_check(doc, n, v, why) == 0;
    sou_doc_free(doc);
    sou_index_close(index);
    return at;
}

/* -------------------------------------------------------------- killing */

static void sleep_s(double s)
{
    struct timespec ts;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Waits for pid up to delay seconds, then kills it with SIGKILL. Returns 1
 * when killed, 0 when it had exited 0; fails on any other end. */
static int kill_after(pid_t pid, double delay, const char *what)
{
    double end = gen_now() + delay;
    int status;
    pid_t w;

    for (;;) {
        double left = end - gen_now();
        w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (left <= 0) {
            kill(pid, SIGKILL);
            if (waitpid(pid, &status, 0) != pid)
                FAIL("waitpid: %s", strerror(errno));
            break;
        }
        sleep_s(left < 0.001 ? left : 0.001);
    }
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
        total_kills++;
        return 1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    FAIL("%s ended with status %d", what, status);
    return 0;
}

/* The last count the writer reported on fd, or from when there is none. */
static unsigned last_report(int fd, unsigned from)
{
    char buf[4096];
    unsigned last = from;
    ssize_t n;
    size_t have = 0;

    while ((n = read(fd, buf + have, sizeof buf - 1 - have)) > 0) {
        char *p = buf, *nl;
        have += (size_t)n;
        buf[have] = '\0';
        while ((nl = strchr(p, '\n'))) {
            last = (unsigned)strtoul(p, NULL, 10);
            p = nl + 1;
        }
        have = (size_t)(buf + have - p);
        memmove(buf, p, have);
    }
    return last;
}

/* One part: the operations order[0..ndocs) take documents to version ver
 * (0: delete), through writers killed at random until they are all done.
 * state holds the index's documents and is updated. */
static void run_part(const char *self, const char *mode, const char *dir, const unsigned *order,
                     unsigned nops, unsigned ver, unsigned *state, const char *ops_file,
                     const char *xapian_check)
{
    unsigned from = 0, kills = 0, rounds = 0, progress = 0;
    double busy = 0;

    while (from < nops) {
        int fds[2];
        pid_t pid;
        double t0, delay, rate, left;
        unsigned reported, done, next;
        char when[128];
        int killed;

        if (pipe(fds) != 0)
            FAIL("pipe: %s", strerror(errno));
        t0 = gen_now();
        pid = fork();
        if (pid < 0)
            FAIL("fork: %s", strerror(errno));
        if (pid == 0) {
            char a_from[16], a_to[16], a_ver[16], a_every[16], a_fd[16];
            close(fds[0]);
            snprintf(a_from, sizeof a_from, "%u", from);
            snprintf(a_to, sizeof a_to, "%u", nops);
            snprintf(a_ver, sizeof a_ver, "%u", ver);
            snprintf(a_every, sizeof a_every, "%u", EVERY);
            snprintf(a_fd, sizeof a_fd, "%d", fds[1]);
            execl(self, self, "writer", mode, dir, a_from, a_to, a_ver, a_every, a_fd, ops_file,
                  (char *)NULL);
            _exit(127);
        }
        close(fds[1]);
        /* Kill at a moment uniform over 1.5 times the time the rest would
         * take spread over the kills still to come: open, adds, commits
         * and close all get hit, and the part still ends. */
        if (progress > 0 && busy > 0) {
            rate = (double)progress / busy;
            left = (double)(nops - from) / rate;
            delay = 1.5 * left / (double)(kills < kills_per_part ? kills_per_part - kills + 1 : 1);
        } else {
            /* Nothing committed yet in this part: wait twice as long each
             * time, however slow the start (a sanitizer's) is. */
            delay = 0.3 * (double)(1u << (rounds < 6 ? rounds : 6));
        }
        delay *= (double)gen_below(&rng, 1000001) / 1e6;
        killed = kill_after(pid, delay, "writer");
        busy += gen_now() - t0;
        rounds++;
        kills += (unsigned)killed;
        fcntl(fds[0], F_SETFL, O_NONBLOCK);
        reported = last_report(fds[0], from);
        close(fds[0]);
        if (!killed && reported != nops)
            FAIL("%s writer exited having committed %u of %u", mode, reported, nops);
        /* The first operation not known committed tells whether one more
         * commit completed after the last report. */
        done = reported;
        if (done < nops && doc_at(dir, order[done], ver) && !doc_at(dir, order[done], state[order[done]])) {
            next = from + ((done - from) / EVERY + 1) * EVERY;
            done = next < nops ? next : nops;
            unreported++;
        }
        for (unsigned i = from; i < done; i++)
            state[order[i]] = ver;
        snprintf(when, sizeof when, "%s, %s after %.3f s, %u of %u committed (%u reported)", mode,
                 killed ? "killed" : "completed", delay, done, nops, reported);
        check_index(dir, state, xapian_check, when);
        progress += done - from;
        from = done;
    }
    printf("%s: %u kills in %u runs, every committed document intact\n", mode, kills, rounds);
    fflush(stdout);
}

static pid_t spawn_cli(const char *sou, const char *dir, const char *jsonl, const char *log)
{
    char every[16];
    pid_t pid;

    snprintf(every, sizeof every, "%u", CLI_EVERY);
    pid = fork();
    if (pid < 0)
        FAIL("fork: %s", strerror(errno));
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl(sou, sou, "-d", dir, "index", "--jsonl", jsonl, "--commit-every", every,
              (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* `sou index --jsonl` killed at random moments, each run starting over on
 * the same input into the same index, then a run that completes. */
static void run_cli(const char *sou, const char *work, const char *xapian_check, unsigned *state)
{
    char jsonl[4096], dir[4096], scratch[4096], log[4096];
    char *line = malloc(2 * GEN_BODY_MAX);
    FILE *f;
    double full, t0;
    unsigned kills = 0, runs = 0;

    snprintf(jsonl, sizeof jsonl, "%s/docs.jsonl", work);
    snprintf(dir, sizeof dir, "%s/cli-index", work);
    snprintf(scratch, sizeof scratch, "%s/cli-scratch", work);
    snprintf(log, sizeof log, "%s/cli.log", work);
    f = fopen(jsonl, "w");
    if (!f || !line)
        FAIL("cannot write %s", jsonl);
    for (unsigned n = 0; n < ndocs; n++)
        fwrite(line, 1, gen_json_line(n, 1, line), f);
    if (fclose(f) != 0)
        FAIL("cannot write %s", jsonl);
    free(line);
    memset(state, 0, ndocs * sizeof *state);

    /* How long a whole run takes, so that kills spread over all of one. */
    t0 = gen_now();
    if (kill_after(spawn_cli(sou, scratch, jsonl, log), 1e9, "sou index"))
        FAIL("sou index was killed by someone else");
    full = gen_now() - t0;
    gen_rmtree(scratch);

    /* This part can always take more kills: it makes up for parts that
     * ended early. */
    while (kills < kills_per_part || total_kills < MIN_KILLS) {
        double delay = full * 1.1 * (double)gen_below(&rng, 1000001) / 1e6;
        int killed = kill_after(spawn_cli(sou, dir, jsonl, log), delay, "sou index");
        sou_index *index;
        sou_index_stats st;
        char when[128];
        unsigned n;
        int rc;

        kills += (unsigned)killed;
        runs++;
        rc = sou_index_open(&index, dir, NULL);
        if (rc == SOU_OK) {
            if (sou_index_stats_get(index, &st) != SOU_OK)
                FAIL("stats: %s", sou_error_last()->message);
            sou_index_close(index);
            n = (unsigned)st.doc_count;
        } else if (rc == SOU_EIO && killed && n_committed(state) == 0) {
            n = 0; /* killed before the index existed; check_index creates it */
        } else {
            FAIL("sou index %s after %.3f s: open: %s", killed ? "killed" : "completed", delay,
                 sou_error_last()->message);
        }
        /* A run commits lines 1..k*CLI_EVERY; runs over the same input
         * leave the longest such prefix. */
        n = (unsigned)st.doc_count;
        if (n % CLI_EVERY != 0 && n != ndocs)
            FAIL("sou index killed after %.3f s left %u documents, not whole commits of %u",
                 delay, n, CLI_EVERY);
        for (unsigned i = 0; i < ndocs; i++)
            state[i] = i < n ? 1 : 0;
        snprintf(when, sizeof when, "sou index %s after %.3f s, %u documents",
                 killed ? "killed" : "completed", delay, n);
        check_index(dir, state, xapian_check, when);
    }

    t0 = gen_now();
    if (kill_after(spawn_cli(sou, dir, jsonl, log), 1e9, "sou index"))
        FAIL("sou index was killed by someone else");
    for (unsigned i = 0; i < ndocs; i++)
        state[i] = 1;
    check_index(dir, state, xapian_check, "sou index re-run to completion");
    printf("sou index: %u kills in %u runs; a whole run takes %.2f s, and a re-run after the "
           "last kill left every document exactly once\n",
           kills, runs, full);
    fflush(stdout);
}

/* ------------------------------------------------------------------ main */

static void write_order(const char *path, const unsigned *order, unsigned n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        FAIL("cannot write %s", path);
    for (unsigned i = 0; i < n; i++)
        fprintf(f, "%u\n", order[i]);
    if (fclose(f) != 0)
        FAIL("cannot write %s", path);
}

int main(int argc, char **argv)
{
    const char *env;
    char self[4096], dir[4096], ops[4096];
    unsigned *state, *order;
    uint64_t seed;
    ssize_t sl;
    double t0 = gen_now();

    if (argc == 10 && strcmp(argv[1], "writer") == 0)
        return write_ops(argv[2], argv[3], (unsigned)atoi(argv[4]), (unsigned)atoi(argv[5]),
                         (unsigned)atoi(argv[6]), (unsigned)atoi(argv[7]), atoi(argv[8]),
                         argv[9]);
    if (argc != 4) {
        fprintf(stderr, "usage: crash SOU XAPIAN_CHECK WORK_DIR\n");
        return 2;
    }
    env = getenv("SOU_CRASH_SEED");
    seed = env && *env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL) ^ (uint64_t)getpid();
    if ((env = getenv("SOU_CRASH_DOCS")) && *env)
        ndocs = (unsigned)strtoul(env, NULL, 10);
    if ((env = getenv("SOU_CRASH_KILLS")) && *env)
        kills_per_part = (unsigned)strtoul(env, NULL, 10);
    if (ndocs < 100)
        ndocs = 100;
    gen_seed(&rng, seed);
    printf("crash: seed %llu (SOU_CRASH_SEED), %u documents\n", (unsigned long long)seed, ndocs);
    fflush(stdout);

    sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0)
        FAIL("readlink /proc/self/exe: %s", strerror(errno));
    self[sl] = '\0';
    gen_rmtree(argv[3]);
    if (mkdir(argv[3], 0755) != 0)
        FAIL("mkdir %s: %s", argv[3], strerror(errno));
    snprintf(dir, sizeof dir, "%s/index", argv[3]);
    snprintf(ops, sizeof ops, "%s/ops", argv[3]);
    state = calloc(ndocs, sizeof *state);
    order = calloc(ndocs, sizeof *order);
    if (!state || !order)
        FAIL("out of memory");

    /* Adds in order; replaces in a shuffled order; deletes of every other
     * document, shuffled. */
    for (unsigned i = 0; i < ndocs; i++)
        order[i] = i;
    write_order(ops, order, ndocs);
    run_part(self, "add", dir, order, ndocs, 1, state, ops, argv[2]);
    for (unsigned i = ndocs - 1; i > 0; i--) {
        unsigned j = (unsigned)gen_below(&rng, i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    write_order(ops, order, ndocs);
    run_part(self, "replace", dir, order, ndocs, 2, state, ops, argv[2]);
    {
        unsigned k = 0;
        for (unsigned i = 0; i < ndocs; i++)
            if (order[i] % 2 == 0)
                order[k++] = order[i];
        write_order(ops, order, k);
        run_part(self, "delete", dir, order, k, 0, state, ops, argv[2]);
    }
    run_cli(argv[1], argv[3], argv[2], state);

    printf("crash: %u kills landed between a commit and its report, %u before the index "
           "existed\n",
           unreported, before_create);
    printf("crash: %u kills survived, 0 documents lost, xapian-check clean after each, "
           "a new writer opened at once after each (longest %.3f s); %.1f s, %.1f s of it checking\n",
           total_kills, longest_lock_wait, gen_now() - t0, checking);
    if (total_kills < MIN_KILLS)
        FAIL("only %u kills landed; at least %d are needed", total_kills, MIN_KILLS);
    gen_rmtree(argv[3]);
    free(state);
    free(order);
    return 0;
}
