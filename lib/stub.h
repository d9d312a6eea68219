/*
 * stub.h: stub files of shards, read by sou itself before Xapian sees a path.
 *
 * A stub file lists the shards searched together as one read-only index,
 * one per line:
 *
 *   auto PATH          a local index directory, or another stub file
 *   glass PATH         a local index directory
 *   remote HOST:PORT   a shard served by xapian-tcpsrv ([V6ADDR]:PORT too)
 *
 * Blank lines and lines whose first non-blank character is '#' are skipped;
 * blanks around a line are not part of it. A relative PATH is taken relative
 * to the directory of the stub file that names it, as Xapian does. A stub
 * named by "auto" is read in turn: at most SOU__STUB_DEPTH_MAX deep, and a
 * stub that includes itself (the same device and inode) is refused. The
 * program form "remote :PROG ARGS" is always refused: opening an index never
 * runs a program. Remote shards need SOU__STUB_ALLOW_REMOTE.
 */
#ifndef SOU_LIB_STUB_H
#define SOU_LIB_STUB_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Accept "remote HOST:PORT" lines; without it they are SOU_EINVAL. */
#define SOU__STUB_ALLOW_REMOTE 0x1u
/* Syntax only: never touch the file system (no nested stubs followed). */
#define SOU__STUB_NO_FOLLOW 0x2u

#define SOU__STUB_DEPTH_MAX 8        /* stub files deep, the first included */
#define SOU__STUB_SHARDS_MAX 1024    /* shards in all */
#define SOU__STUB_BYTES_MAX 65536    /* bytes of one stub file */

typedef struct sou__shard {
    int remote;    /* 1: host and port are set; 0: path is */
    char *path;    /* local directory as resolved, or NULL */
    char *host;    /* remote host, brackets of an IPv6 address removed, or NULL */
    unsigned port; /* 1 to 65535 when remote */
} sou__shard;

typedef struct sou__shards {
    sou__shard *v;
    size_t n, cap;
} sou__shards;

/*
 * Parse stub text (len bytes, no NUL needed). Relative paths are resolved
 * against base_dir (the stub file's directory; NULL or "" leaves them
 * relative to the working directory). flags: SOU__STUB_*. A local path that
 * is a regular file and came from an "auto" line is read as a nested stub.
 * Local paths that do not exist are listed all the same: opening them
 * reports why. *out is set empty first and is empty again on failure.
 * @return SOU_OK; SOU_ECORRUPT for a line that is not a stub line, no
 *         shard, or too many; SOU_EINVAL for a refused form (a program,
 *         a remote shard without the flag, a cycle, too deep); SOU_EIO for
 *         a nested stub that cannot be read; SOU_ENOMEM.
 */
int sou__stub_parse(const char *text, size_t len, const char *base_dir, unsigned flags,
                    sou__shards *out);

/* Read the stub file at path and parse it as above, following nested stubs.
 * A file that is not a stub at all gets a message saying "not an index". */
int sou__stub_read(const char *path, unsigned flags, sou__shards *out);

/* Free what the shards hold and make them empty; NULL is fine. */
void sou__shards_clear(sou__shards *s);

/* "PATH" or "HOST:PORT" ("[ADDR]:PORT" for an IPv6 address) into buf. */
void sou__shard_name(const sou__shard *s, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
