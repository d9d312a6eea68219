/* cli.h: what the sou command's subcommands share. */
#ifndef SOU_CLI_H
#define SOU_CLI_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "sou.h"

/* Exit statuses of every subcommand. */
#define CLI_OK 0
#define CLI_FAIL 1  /* the work failed, or some input was skipped */
#define CLI_USAGE 2 /* bad options or arguments */

/* Settings given before the subcommand. */
typedef struct cli_global {
    const char *db; /* -d DIR, else $SOU_DB, else NULL */
    int allow_remote;          /* --allow-remote */
    int partial;               /* --partial */
    unsigned int connect_timeout_ms; /* --connect-timeout, 0: the library's default */
} cli_global;

/* Each subcommand gets argv with argv[0] its own name; it returns an exit
 * status. */
int cmd_tokenize(cli_global *g, int argc, char **argv);
int cmd_index(cli_global *g, int argc, char **argv);
int cmd_search(cli_global *g, int argc, char **argv);
int cmd_get(cli_global *g, int argc, char **argv);
int cmd_delete(cli_global *g, int argc, char **argv);
int cmd_stats(cli_global *g, int argc, char **argv);
int cmd_compact(cli_global *g, int argc, char **argv);

/* Sets up the process: SIGXFSZ ignored, jansson's allocator for
 * cli_json_parse. Called first, before any jansson call. */
void cli_init(void);

/* json_loadb that survives running out of memory: NULL with *oom set then,
 * every block of the parse freed. */
json_t *cli_json_parse(const char *text, size_t len, size_t flags, json_error_t *err, int *oom);

/* "sou: " + printf-style message + newline on stderr. */
void cli_warn(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Reports the library's last error; returns CLI_FAIL. */
int cli_lib_error(void);

/* Reports a usage error and points at `sou CMD --help`; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Reports an option getopt_long already complained about; returns CLI_USAGE. */
int cli_usage_hint(const char *cmd);

/* Resets getopt_long for a fresh argument vector; getopt prints nothing. */
void cli_getopt_reset(void);

struct option;

/*
 * getopt_long for main (cmd NULL) and each subcommand (cmd its name). The
 * global options -d/--db, --allow-remote, --partial and --connect-timeout
 * are taken here, after the subcommand too, into g (unless the command
 * names one itself); the command's own come back as from getopt_long.
 * An unknown or ambiguous option, a missing or unexpected argument is
 * reported as "sou: CMD: unknown option -x" (with "did you mean" for a
 * long option near a real one) and returns '?': the caller then ends with
 * cli_usage_hint(cmd). Returns -1 after the last option.
 */
int cli_getopt(cli_global *g, const char *cmd, int argc, char **argv, const char *shortopts,
               const struct option *longopts);

/* Applies global option which ('d' or a value of the global long options)
 * with arg to g: 0 when done, 1 when which is not one, -1 after reporting
 * a bad argument. */
int cli_global_option(cli_global *g, const char *cmd, int which, const char *arg);

/* Whether word spells an option ("-d", "--json", "--limit=5") of longopts
 * or a global one: for words read after a query. */
int cli_is_option(const struct option *longopts, const char *word);

/* Edit distance of a and b (optimal string alignment; (size_t)-1 for words
 * over 64 bytes). */
size_t cli_edit_distance(const char *a, const char *b);

/* The name of names[0..n) closest to word, if it is near enough to be a
 * slip (1 edit for words up to 4 bytes, 2 beyond); else NULL. */
const char *cli_closest(const char *word, const char *const *names, size_t n);

/* Parses a whole decimal number into *out; 0 on success, -1 otherwise. */
int cli_parse_size(const char *s, size_t *out);

/* Fills *out with the analyzer options named on the command line:
 * cjk ("hybrid", "words", "chars" or NULL), stemmer (NULL: default),
 * fold_hant. Returns 0, or -1 after reporting a usage error. */
int cli_analyzer_options(const char *cmd, const char *cjk, const char *stemmer, int fold_hant,
                         sou_analyzer_options *out);

/* Opens the index named by g->db with flags; reports failures. A read-only
 * open takes the shard options of g (--allow-remote, --partial,
 * --connect-timeout) and warns about each shard left out. Returns CLI_OK,
 * CLI_USAGE (no directory given) or CLI_FAIL. */
int cli_index_open(const cli_global *g, const char *cmd, unsigned int flags,
                   const sou_analyzer_options *aopts, sou_index **out);

/* Reads all of fp into a malloc'd buffer (NUL-terminated); NULL on error
 * with errno set. */
char *cli_read_all(FILE *fp, size_t *len);

/* Joins argv[0..argc) with single spaces into a malloc'd string. */
char *cli_join_args(int argc, char **argv, size_t *len);

/* A JSON string of len bytes of text: invalid UTF-8 is replaced by U+FFFD,
 * since JSON strings must be valid Unicode. NULL when out of memory. */
json_t *cli_json_text(const char *text, size_t len);

/* A malloc'd copy of text in which every byte that is not part of
 * well-formed UTF-8 is U+FFFD, with *bad the count of such bytes; NULL
 * when there are none (*bad 0) or on failure (*bad non-zero). */
char *cli_utf8_fix(const char *text, size_t len, size_t *out_len, size_t *bad);

/* Adds every stored field of doc to obj, skipping names listed in skip
 * (NULL-terminated, may be NULL); a name stored more than once becomes an
 * array. Returns 0 or -1 when out of memory. */
int cli_json_add_fields(json_t *obj, const sou_doc *doc, const char *const *skip);

/* Room for the decimal text of a JSON integer id. */
#define CLI_ID_BUF 32

/* The id of the JSON object obj: its member "id", a non-empty string or an
 * integer as its decimal text (written into buf, CLI_ID_BUF bytes). 0 with
 * *id and *len set (borrowed from obj or buf), or -1 with *why a static
 * message. */
int cli_json_id(json_t *obj, char *buf, const char **id, size_t *len, const char **why);

/* Writes a JSON value and a newline to stdout; returns CLI_OK or CLI_FAIL. */
int cli_json_print(json_t *value);

/* Finishes with stdout: reports a write error (a full disk, a closed pipe)
 * as CLI_FAIL; otherwise returns status. */
int cli_finish(int status);

#endif
