/*
 * sou.h: the public API of libsou, an embedded full-text search library
 * for documents that mix English and Chinese.
 *
 * Conventions:
 * - Text is UTF-8 given as a pointer and a byte length; input needs no NUL
 *   terminator and may contain NUL bytes. Strings returned by the library
 *   carry a length and are NUL-terminated as well.
 * - Offsets are byte offsets into the caller's input, end exclusive.
 * - Fallible calls return int: SOU_OK (0) or a negative SOU_E* code. After a
 *   failure, sou_error_last() describes it on the calling thread.
 * - Constructors fill their first parameter and leave it NULL on failure.
 *   Every free/close function accepts NULL.
 * - A handle (analyzer, index, results) is used by one thread at a time;
 *   open one per thread. Different handles may be used concurrently.
 * - The library never aborts, exits or prints.
 */
#ifndef SOU_H
#define SOU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SOU_STATIC_DEFINE)
#define SOU_API
#elif defined(_WIN32)
#ifdef SOU_BUILDING
#define SOU_API __declspec(dllexport)
#else
#define SOU_API __declspec(dllimport)
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define SOU_API __attribute__((visibility("default")))
#else
#define SOU_API
#endif

/* ---------------------------------------------------------------- version */

/* The single source of the version: CMake reads these three lines. */
#define SOU_VERSION_MAJOR 0
#define SOU_VERSION_MINOR 2
#define SOU_VERSION_PATCH 0

#define SOU_VERSION_NUMBER \
    (SOU_VERSION_MAJOR * 10000 + SOU_VERSION_MINOR * 100 + SOU_VERSION_PATCH)
#define SOU__STR2(x) #x
#define SOU__STR(x) SOU__STR2(x)
#define SOU_VERSION_STRING \
    SOU__STR(SOU_VERSION_MAJOR) "." SOU__STR(SOU_VERSION_MINOR) "." SOU__STR(SOU_VERSION_PATCH)

/**
 * @brief The version of the library linked at run time, as "MAJOR.MINOR.PATCH".
 * @return A static string.
 * @since 0.1
 */
SOU_API const char *sou_version(void);

/**
 * @brief The run-time version as MAJOR*10000 + MINOR*100 + PATCH.
 * @since 0.1
 */
SOU_API int sou_version_number(void);

/* ----------------------------------------------------------------- errors */

/** Return codes. 0 is success, failures are negative. */
typedef enum sou_status {
    SOU_OK = 0,
    SOU_ERROR = -1,     /**< generic failure (see sou_error_last) */
    SOU_EINVAL = -2,    /**< invalid argument */
    SOU_ENOMEM = -3,    /**< out of memory */
    SOU_EIO = -4,       /**< I/O error, or the index does not exist */
    SOU_ENOTFOUND = -5, /**< no such document, field or value */
    SOU_ELOCKED = -6,   /**< the index is locked by another writer */
    SOU_ECORRUPT = -7,  /**< the index is corrupt or of an unknown format */
    SOU_EMODIFIED = -8, /**< the index changed under a reader twice in a row */
    SOU_EQUERY = -9,    /**< the query cannot be parsed */
    SOU_EREADONLY = -10, /**< a write on an index opened read-only */
    SOU_ESETTINGS = -11, /**< analyzer settings (or, for writing, the ICU major version) differ from the index's */
    SOU_ESTOP = -12      /**< not returned by the library: free for callbacks */
} sou_status;

/** The last error on the calling thread. */
typedef struct sou_error {
    int code;            /**< a sou_status value */
    const char *message; /**< one line, never NULL */
} sou_error;

/**
 * @brief A static description of a return code.
 * @param[in] code a sou_status value; unknown codes get a generic text.
 * @return A static string, never NULL.
 * @since 0.1
 */
SOU_API const char *sou_strerror(int code);

/**
 * @brief The last error raised on the calling thread.
 *
 * Read it right after a call failed: later calls may overwrite it.
 * Successful calls do not clear it.
 * @return Never NULL; owned by the library, valid until the next failing
 *         call on this thread. Before any failure, code is SOU_OK.
 * @since 0.1
 */
SOU_API const sou_error *sou_error_last(void);

/**
 * @brief Release a raw buffer that the library allocated for the caller.
 * @param[in] ptr a buffer documented as released with sou_free, or NULL.
 * @since 0.1
 */
SOU_API void sou_free(void *ptr);

/* --------------------------------------------------------------- analyzer */

/**
 * How Han (Chinese, Japanese kanji), kana and Hangul text becomes terms. A
 * character is one of these with the combining marks that belong to it.
 */
typedef enum sou_cjk_mode {
    /**
     * Every Han, kana or Hangul character is a term at its own position,
     * and every ICU word of two or more characters (a dictionary word; for
     * Hangul, a space-separated word) is an extra term (flagged
     * SOU_TOKEN_COMPOUND) sharing the position of its first character. A
     * number touching such text is a term per character plus the whole
     * number as a compound. Queries match any substring as a phrase of
     * characters and rank whole words higher. The default.
     */
    SOU_CJK_HYBRID = 0,
    /** ICU words only: smallest index, misses sub-words. */
    SOU_CJK_WORDS = 1,
    /** Every Han, kana or Hangul character a term: full recall, no word ranking. */
    SOU_CJK_CHARS = 2
} sou_cjk_mode;

/** What kind of text a token is. */
typedef enum sou_token_kind {
    SOU_TOKEN_LATIN = 1,       /**< a word in Latin script */
    SOU_TOKEN_ALPHA = 2,       /**< a word in another alphabet (Greek, Cyrillic, ...) */
    SOU_TOKEN_NUMBER = 3,      /**< digits, with inner separators (3.14, 11.11) */
    SOU_TOKEN_IDEOGRAPHIC = 4, /**< Han characters */
    SOU_TOKEN_KANA = 5,        /**< Hiragana or Katakana */
    SOU_TOKEN_HANGUL = 6,      /**< Korean */
    SOU_TOKEN_SEA = 7          /**< Thai, Lao, Khmer, Myanmar (dictionary words) */
} sou_token_kind;

/** Token flags. */
#define SOU_TOKEN_COMPOUND 0x1u /**< a word laid over characters (hybrid mode); no position of its own */
#define SOU_TOKEN_TRUNCATED 0x2u /**< term cut to SOU_TERM_MAX bytes */

/** The longest term in bytes that the analyzer emits (Xapian's limit is 245
 * with its prefixes). Longer terms are cut on a character boundary and
 * flagged SOU_TOKEN_TRUNCATED. */
#define SOU_TERM_MAX 200

/** One token, valid only during the callback. */
typedef struct sou_token {
    const char *term;   /**< NFKC case-folded text, NUL-terminated */
    size_t term_len;    /**< bytes */
    const char *stem;   /**< stemmed term; equals term when not stemmed */
    size_t stem_len;    /**< bytes */
    size_t start;       /**< byte offset of the source span */
    size_t end;         /**< byte offset past the source span */
    uint32_t position;  /**< word position, from 0; a compound shares its first character's */
    sou_token_kind kind;
    unsigned int flags; /**< SOU_TOKEN_* flags */
} sou_token;

/**
 * @brief Receives tokens.
 * @return 0 to go on; any other value stops the run, and the tokenize call
 *         returns it.
 */
typedef int (*sou_token_cb)(const sou_token *token, void *payload);

#define SOU_ANALYZER_OPTIONS_VERSION 1

/** Analyzer options. Fields are only ever appended. */
typedef struct sou_analyzer_options {
    unsigned int version;     /**< SOU_ANALYZER_OPTIONS_VERSION */
    sou_cjk_mode cjk;         /**< default SOU_CJK_HYBRID */
    /** Snowball stemmer for Latin words: "english" (the default when NULL),
     * any language libstemmer knows, or "none". */
    const char *stemmer;
    int fold_hant;            /**< non-zero: fold Traditional to Simplified Chinese */
} sou_analyzer_options;

#define SOU_ANALYZER_OPTIONS_INIT { SOU_ANALYZER_OPTIONS_VERSION, SOU_CJK_HYBRID, NULL, 0 }

/**
 * @brief Fill @p opts with the defaults.
 * @return SOU_OK, or SOU_EINVAL when opts is NULL or version unknown.
 * @since 0.1
 */
SOU_API int sou_analyzer_options_init(sou_analyzer_options *opts, unsigned int version);

typedef struct sou_analyzer sou_analyzer;

/**
 * @brief Create an analyzer.
 * @param[out] out the new analyzer, NULL on failure.
 * @param[in] opts options, or NULL for the defaults. Copied.
 * @return SOU_OK, SOU_EINVAL (unknown stemmer, mode or version), SOU_ENOMEM,
 *         SOU_ERROR (ICU could not open its break iterator).
 * @since 0.1
 */
SOU_API int sou_analyzer_new(sou_analyzer **out, const sou_analyzer_options *opts);

/**
 * @brief A new analyzer with the same options, for use on another thread.
 * @return as sou_analyzer_new.
 * @since 0.1
 */
SOU_API int sou_analyzer_clone(sou_analyzer **out, const sou_analyzer *analyzer);

/** @brief Free an analyzer (NULL is fine). @since 0.1 */
SOU_API void sou_analyzer_free(sou_analyzer *analyzer);

/**
 * @brief The options an analyzer runs with.
 * @return Borrowed, valid while the analyzer lives; stemmer is never NULL.
 * @since 0.1
 */
SOU_API const sou_analyzer_options *sou_analyzer_options_get(const sou_analyzer *analyzer);

/**
 * @brief Split UTF-8 text into tokens.
 *
 * Invalid UTF-8 is read as U+FFFD with spans over the bad bytes; NUL bytes
 * are separators. Spaces, punctuation and symbols produce no token.
 * @param[in] analyzer used by one thread at a time.
 * @param[in] text UTF-8, @p len bytes; may be NULL when len is 0.
 * @param[in] cb called once per token, in order of position.
 * @return SOU_OK, the callback's non-zero return, SOU_EINVAL, SOU_ENOMEM,
 *         or SOU_ERROR for an ICU failure.
 * @since 0.1
 */
SOU_API int sou_analyzer_tokenize(sou_analyzer *analyzer, const char *text, size_t len,
                                  sou_token_cb cb, void *payload);

/** @brief "hybrid", "words" or "chars"; NULL for an unknown mode. @since 0.1 */
SOU_API const char *sou_cjk_mode_name(sou_cjk_mode mode);

/** @brief Parse a mode name. @return SOU_OK or SOU_EINVAL. @since 0.1 */
SOU_API int sou_cjk_mode_parse(const char *name, sou_cjk_mode *out);

/** @brief "latin", "alpha", "number", "ideographic", "kana", "hangul", "sea". @since 0.1 */
SOU_API const char *sou_token_kind_name(sou_token_kind kind);

/* ------------------------------------------------------------- documents */

typedef struct sou_doc sou_doc;

/** Field flags for sou_doc_add_field. */
#define SOU_FIELD_NO_INDEX 0x1u /**< store only: not searchable */
#define SOU_FIELD_NO_STORE 0x2u /**< index only: not returned with results */

/** The longest document id, in bytes. */
#define SOU_ID_MAX 200
/** The longest field or value name, in bytes ([a-z0-9_], starting with a letter). */
#define SOU_NAME_MAX 32

/**
 * @brief Create an empty document.
 * @param[in] id the unique external id: UTF-8, 1 to SOU_ID_MAX bytes, no NUL.
 * @return SOU_OK, SOU_EINVAL (bad id), SOU_ENOMEM.
 * @since 0.1
 */
SOU_API int sou_doc_new(sou_doc **out, const char *id, size_t id_len);

/** @brief Free a document (NULL is fine). @since 0.1 */
SOU_API void sou_doc_free(sou_doc *doc);

/**
 * @brief Add a text field. A name may appear more than once.
 * @param[in] name [a-z][a-z0-9_]*, at most SOU_NAME_MAX bytes; NUL-terminated.
 * @param[in] text UTF-8 (invalid bytes are indexed as U+FFFD and stored as
 *                 given), @p len bytes. Copied.
 * @param[in] weight how much a match here counts, 1 to 100; 0 picks the
 *                 default: 3 for "title", 1 for any other field.
 * @param[in] flags SOU_FIELD_* flags.
 * @return SOU_OK, SOU_EINVAL, SOU_ENOMEM.
 * @since 0.1
 */
SOU_API int sou_doc_add_field(sou_doc *doc, const char *name, const char *text, size_t len,
                              unsigned int weight, unsigned int flags);

/**
 * @brief Set a sortable number (a date as seconds since the epoch, say).
 * @param[in] name as for fields; setting it again replaces the value.
 * @return SOU_OK, SOU_EINVAL (bad name, NaN), SOU_ENOMEM.
 * @since 0.1
 */
SOU_API int sou_doc_set_value(sou_doc *doc, const char *name, double value);

/**
 * @brief Set a date value: seconds since 1970-01-01T00:00:00Z (UTC), as
 * sou_date_parse() reads them.
 *
 * Stored and sorted like any value; besides, the index records that the
 * name holds dates (once any document set it so), and a range on it in a
 * query (`date:2019..2020-06`) reads its bounds as ISO 8601 dates rather
 * than numbers.
 * @return as sou_doc_set_value.
 * @since 0.2
 */
SOU_API int sou_doc_set_date(sou_doc *doc, const char *name, double seconds);

/**
 * @brief Read an ISO 8601 date or date and time as seconds since the epoch.
 *
 * Forms: YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mm, ...Thh:mm:ss and
 * ...Thh:mm:ss.fff, each time optionally followed by Z or an offset
 * (+hh:mm, -hh:mm, +hhmm, +hh); without one the time is UTC. A date
 * without a time is its first second ("2019" is 2019-01-01T00:00:00Z).
 * @param[in] text UTF-8, @p len bytes.
 * @param[out] seconds the time; 0 on failure.
 * @return SOU_OK, or SOU_EINVAL for text that is not such a date (or an
 *         impossible one, 2019-02-29).
 * @since 0.2
 */
SOU_API int sou_date_parse(const char *text, size_t len, double *seconds);

/** @brief The document's id, borrowed for the document's life. @since 0.1 */
SOU_API const char *sou_doc_id(const sou_doc *doc, size_t *len);

/** @brief How many stored fields the document holds. @since 0.1 */
SOU_API size_t sou_doc_field_count(const sou_doc *doc);

/**
 * @brief The i-th field, in the order added.
 * @param[out] name borrowed name; @param[out] text borrowed text; either may be NULL.
 * @return SOU_OK or SOU_ENOTFOUND when i is out of range.
 * @since 0.1
 */
SOU_API int sou_doc_field_at(const sou_doc *doc, size_t i, const char **name,
                             const char **text, size_t *len);

/**
 * @brief The first field called @p name.
 * @return Borrowed text (NUL-terminated) for the document's life, or NULL.
 * @since 0.1
 */
SOU_API const char *sou_doc_field(const sou_doc *doc, const char *name, size_t *len);

/**
 * @brief A value set with sou_doc_set_value.
 * @return SOU_OK or SOU_ENOTFOUND.
 * @since 0.1
 */
SOU_API int sou_doc_value(const sou_doc *doc, const char *name, double *out);

/** @brief How many values the document holds. @since 0.1 */
SOU_API size_t sou_doc_value_count(const sou_doc *doc);

/**
 * @brief The i-th value, in the order first set.
 * @param[out] name borrowed for the document's life; @param[out] value; either may be NULL.
 * @return SOU_OK, SOU_ENOTFOUND when i is out of range, SOU_EINVAL for a NULL doc.
 * @since 0.1
 */
SOU_API int sou_doc_value_at(const sou_doc *doc, size_t i, const char **name, double *value);

/* ------------------------------------------------------------------ index */

typedef struct sou_index sou_index;

/** Open flags. */
#define SOU_INDEX_READONLY 0x0u /**< read only; the index must exist */
#define SOU_INDEX_WRITE 0x1u    /**< writable; the index must exist */
#define SOU_INDEX_CREATE 0x3u   /**< writable; created if missing */
/**
 * Added to SOU_INDEX_READONLY: a stub file may list remote shards
 * ("remote HOST:PORT", served by xapian-tcpsrv). Without it such a stub is
 * refused with SOU_EINVAL, so that a path handed over by someone else never
 * makes the program open a network connection.
 */
#define SOU_INDEX_ALLOW_REMOTE 0x10u
/**
 * Added to SOU_INDEX_READONLY: a shard of a stub that cannot be opened (a
 * server down, a directory gone) is left out and the others answer; see
 * sou_index_shard_missing(). Opening still fails when no shard opens, or
 * when the shards that open disagree on their settings.
 */
#define SOU_INDEX_PARTIAL 0x20u

/** Version 2 appended connect_timeout_ms; version 1 structs are still read. */
#define SOU_INDEX_OPTIONS_VERSION 2

/** Index options. Fields are only ever appended. */
typedef struct sou_index_options {
    unsigned int version; /**< SOU_INDEX_OPTIONS_VERSION */
    unsigned int flags;   /**< SOU_INDEX_READONLY, _WRITE or _CREATE */
    /**
     * Analyzer settings. NULL: those recorded in the index, or the
     * defaults for a new index. Given for an existing index, they must
     * equal the recorded ones, or opening fails with SOU_ESETTINGS.
     */
    const sou_analyzer_options *analyzer;
    /** Documents added or deleted between automatic commits outside a
     * transaction; bounds memory while indexing. 0: 10000. */
    size_t flush_threshold;
    /** Milliseconds to wait for a remote shard to accept a connection
     * before it counts as down; 0: 2000. (Options version 2.) */
    unsigned int connect_timeout_ms;
} sou_index_options;

#define SOU_INDEX_OPTIONS_INIT { SOU_INDEX_OPTIONS_VERSION, SOU_INDEX_READONLY, NULL, 0, 0 }

/**
 * @brief Fill @p opts with the defaults.
 * @param[in] version SOU_INDEX_OPTIONS_VERSION, or 1 for a struct of
 *            version 1 (only its fields are written).
 * @return SOU_OK, or SOU_EINVAL when opts is NULL or version unknown.
 * @since 0.1
 */
SOU_API int sou_index_options_init(sou_index_options *opts, unsigned int version);

/**
 * @brief Open (or create) the index in directory @p path.
 *
 * One writer at a time: a second writer fails at once with SOU_ELOCKED.
 * Readers see the last commit and work while a writer writes.
 *
 * A directory is opened as the index it holds and as nothing else (a
 * Xapian "XAPIANDB" stub file inside it is never read). Opened read-only,
 * @p path may also be a stub file listing shards searched as one index,
 * one per line:
 * - "auto PATH": a local index directory, or another stub file (at most 8
 *   deep; a stub that includes itself is refused);
 * - "glass PATH": a local index directory;
 * - "remote HOST:PORT" ("[ADDR]:PORT" for IPv6): a shard served by
 *   xapian-tcpsrv, only with SOU_INDEX_ALLOW_REMOTE;
 * - blank lines and lines starting with '#' are skipped.
 * A relative PATH is relative to the directory of the stub file that names
 * it. The program form "remote :PROG" is always refused: opening an index
 * never runs a program. Every shard must have the analyzer settings and
 * format of the first, else SOU_ESETTINGS names the odd one. With
 * SOU_INDEX_PARTIAL, shards that cannot be opened are left out.
 *
 * A stub of local shards only can also be opened for writing
 * (SOU_INDEX_WRITE, or SOU_INDEX_CREATE, which makes the missing shard
 * directories): each document goes to shard sou_shard_of(id, n) of the n
 * listed, so that its replacement and its deletion find it again; a fresh
 * shard takes the settings of the others. Each shard records its place
 * ("I/N") when first written this way, and the stub must keep listing the
 * shards in that order and number (else SOU_ESETTINGS: moving documents to
 * another number of shards means indexing them again). A shard that holds
 * documents written otherwise is refused. A commit commits the shards one
 * after another: each is atomic, the set is not (after a crash between
 * two, one shard may hold a later commit than another).
 * @return SOU_OK; SOU_EINVAL (bad arguments or flags; a stub line refused:
 *         a program, a remote shard without SOU_INDEX_ALLOW_REMOTE, a
 *         cycle, a remote shard in a stub opened for writing); SOU_EIO (missing, unreadable, not a directory; a remote
 *         shard that cannot be reached, with HOST:PORT in the message);
 *         SOU_ELOCKED; SOU_ECORRUPT (not an index, a bad stub line, an
 *         unknown format); SOU_ESETTINGS (analyzer settings that differ
 *         from the recorded ones; for writing, an index built with another
 *         major version of ICU: see sou_index_warning()); SOU_ENOMEM.
 * @since 0.1
 */
SOU_API int sou_index_open(sou_index **out, const char *path, const sou_index_options *opts);

/**
 * @brief The shard, 0 to @p nshards - 1, that a document with this id
 * belongs to in a collection of @p nshards shards: the rule a stub opened
 * for writing follows (FNV-1a of the id's bytes, modulo nshards), stable
 * across versions and machines. Use it to route documents to shards that
 * are written on their own, such as remote ones. 0 when nshards is 0.
 * @since 0.2
 */
SOU_API size_t sou_shard_of(const char *id, size_t id_len, size_t nshards);

/**
 * @brief What opening found that the caller should know although the
 * index opened, or NULL when nothing.
 *
 * The one warning so far: the index (or a shard of a stub) was built with
 * another major version of ICU than the one this process runs. ICU's word
 * break data changes between major versions, so Chinese, Japanese or Thai
 * text may split into other dictionary words than those the index holds:
 * some words may not be found (characters still match as before). The way
 * out is to index the documents again into a new index. Such an index
 * opens read-only with this warning; opening it to write fails with
 * SOU_ESETTINGS, naming both versions, so that one index never mixes two
 * segmentations. The minor version does not count, nor does an index
 * that records no ICU version ("unknown" in sou_index_stats).
 * @return A one-line message borrowed until the index is closed (or, for a
 *         stub, reopened); NULL when there is none or index is NULL.
 * @since 0.2
 */
SOU_API const char *sou_index_warning(const sou_index *index);

/**
 * @brief How many shards the index joins: 1 for a directory, the number
 * listed (nested stubs included) for a stub file. 0 for NULL.
 * @since 0.1
 */
SOU_API size_t sou_index_shard_count(const sou_index *index);

/**
 * @brief How many shards were left out at open (SOU_INDEX_PARTIAL): 0 when
 * every shard answers.
 * @since 0.1
 */
SOU_API size_t sou_index_shard_missing(const sou_index *index);

/**
 * @brief The name of shard @p i: its path, or "HOST:PORT".
 * @return Borrowed until the index is closed; NULL when out of range.
 * @since 0.1
 */
SOU_API const char *sou_index_shard_name(const sou_index *index, size_t i);

/**
 * @brief Whether shard @p i is searched.
 * @param[out] message when the shard was left out, why (borrowed until the
 *             index is closed); NULL otherwise. May be NULL.
 * @return SOU_OK when it is searched; the code of its failure (SOU_EIO for
 *         a server down) when it was left out; SOU_EINVAL out of range.
 * @since 0.1
 */
SOU_API int sou_index_shard_status(const sou_index *index, size_t i, const char **message);

/**
 * @brief Close the index and free the handle. Pending changes of a writable
 * index are committed unless a transaction is open, which is cancelled.
 *
 * The handle is freed whatever the result. When that last commit fails (a
 * full disk, a file size limit, a failing device), the index keeps its
 * last successful commit, the changes made since are lost, and the failure
 * is returned with the index's path and the cause in sou_error_last().
 * A caller that must know its changes are durable checks this result, or
 * calls sou_index_commit() first.
 * @return SOU_OK (always for a read-only index and for NULL); SOU_EIO,
 *         SOU_ENOMEM or SOU_ERROR when the final commit failed.
 * @since 0.1; returns int since 0.2 (it returned void before, so callers
 *        that ignore the result build and run unchanged).
 */
SOU_API int sou_index_close(sou_index *index);

/**
 * @brief Add a document, or replace the one with the same id.
 * @return SOU_OK, SOU_EREADONLY, SOU_EINVAL, SOU_ENOMEM, SOU_EIO.
 * @since 0.1
 */
SOU_API int sou_index_add(sou_index *index, const sou_doc *doc);

/**
 * @brief Delete the document with this id.
 * @return SOU_OK, SOU_ENOTFOUND, SOU_EREADONLY, SOU_EINVAL, SOU_EIO.
 * @since 0.1
 */
SOU_API int sou_index_delete(sou_index *index, const char *id, size_t id_len);

/**
 * @brief Fetch the stored fields and values of a document.
 * @param[out] out a new document the caller frees with sou_doc_free.
 * @return SOU_OK, SOU_ENOTFOUND, SOU_EINVAL, SOU_EIO, SOU_EMODIFIED.
 * @since 0.1
 */
SOU_API int sou_index_get(sou_index *index, const char *id, size_t id_len, sou_doc **out);

/**
 * @brief Make the changes so far durable and visible to new readers.
 * Inside a transaction, commits the transaction.
 * @return SOU_OK, SOU_EREADONLY, SOU_EIO.
 * @since 0.1
 */
SOU_API int sou_index_commit(sou_index *index);

/**
 * @brief Begin a transaction: the changes until sou_index_commit become
 * visible together, or not at all after sou_index_cancel.
 * @return SOU_OK, SOU_EREADONLY, SOU_EINVAL (already in one).
 * @since 0.1
 */
SOU_API int sou_index_begin(sou_index *index);

/** @brief Drop the changes of the open transaction. @return SOU_OK or SOU_EINVAL (none open). @since 0.1 */
SOU_API int sou_index_cancel(sou_index *index);

/**
 * @brief Re-read a read-only index to see the latest commit.
 *
 * For a stub file with a shard down or left out, the stub is read again
 * and its shards opened anew: a shard that came back is searched again,
 * and with SOU_INDEX_PARTIAL one gone is left out. If that fails, the
 * index stays as it was.
 * @return SOU_OK, SOU_EIO, SOU_ECORRUPT, SOU_ESETTINGS (the shards now
 *         record other analyzer settings).
 * @since 0.1
 */
SOU_API int sou_index_reopen(sou_index *index);

/**
 * @brief Rewrite the index compactly (Xapian's compaction): pending changes
 * are committed, the index is copied with full blocks into a directory
 * beside it, which then takes its place; the handle stays open on it. An
 * index built document by document typically shrinks by a fifth to a half;
 * bulk indexing makes compact indexes already. Readers open before keep
 * the old copy until they reopen. Needs free disk for one more copy.
 * @return SOU_OK, SOU_EREADONLY, SOU_EINVAL (a transaction is open),
 *         SOU_EIO, SOU_ENOMEM.
 * @since 0.2
 */
SOU_API int sou_index_compact(sou_index *index);

/** Facts about an index. */
typedef struct sou_index_stats {
    uint64_t doc_count;     /**< documents */
    uint64_t term_count;    /**< distinct terms */
    uint64_t total_length;  /**< sum of document lengths: term occurrences times field weight, every term form counted */
    uint64_t size_bytes;    /**< bytes on disk; 0 for a stub file of shards */
    sou_analyzer_options analyzer; /**< settings; stemmer borrowed from the index */
    const char *icu_version;       /**< ICU version the index was built with ("72.1"; "unknown" when the index does not record it); borrowed */
} sou_index_stats;

/**
 * @brief Fill @p out with counts and settings. Strings in it are borrowed
 * until the index is closed.
 * @return SOU_OK, SOU_EIO, SOU_EMODIFIED.
 * @since 0.1
 */
SOU_API int sou_index_stats_get(sou_index *index, sou_index_stats *out);

/**
 * @brief How many documents the index holds, at its last commit (for a
 * writer, with its uncommitted changes). Cheap, unlike sou_index_stats_get.
 * @return SOU_OK, SOU_EINVAL, SOU_EIO, SOU_EMODIFIED.
 * @since 0.2
 */
SOU_API int sou_index_doc_count(sou_index *index, uint64_t *out);

/**
 * @brief The analyzer settings the index uses (recorded at creation).
 * @return Borrowed, valid until the index is closed.
 * @since 0.1
 */
SOU_API const sou_analyzer_options *sou_index_analyzer_options(const sou_index *index);

/* ------------------------------------------------------------ listing ids */

/**
 * @brief Receives one document id of sou_index_ids.
 * @param[in] id the id, NUL-terminated, valid during the call only.
 * @param[in] values one number per name asked for, in that order: the
 *            document's value, or NaN when it has none. Valid during the
 *            call only; NULL when no names were asked for.
 * @return 0 to go on; any other value stops the listing, and
 *         sou_index_ids returns it.
 */
typedef int (*sou_id_cb)(const char *id, size_t id_len, const double *values, void *payload);

/**
 * @brief List the ids of the documents whose id starts with @p prefix, in
 * byte order, with the values named in @p names.
 *
 * A writer sees its own uncommitted changes. The index must not be changed
 * during the listing (from the callback, say): collect the ids, then act.
 * A reader whose index changes under it twice fails with SOU_EMODIFIED,
 * possibly after part of the ids were given.
 * @param[in] prefix bytes every listed id starts with; NULL or "" (with
 *            @p prefix_len 0) lists every document.
 * @param[in] names value names (NUL-terminated) to report for each id;
 *            a name the index does not know reports NaN. May be NULL
 *            when @p nnames is 0.
 * @param[in] cb called once per id.
 * @return SOU_OK, the callback's non-zero return, SOU_EINVAL, SOU_ENOMEM,
 *         SOU_EIO, SOU_EMODIFIED.
 * @since 0.2
 */
SOU_API int sou_index_ids(sou_index *index, const char *prefix, size_t prefix_len,
                          const char *const *names, size_t nnames, sou_id_cb cb, void *payload);

/* ------------------------------------------------------------------- bulk */

/**
 * Bulk indexing: many documents at once on several threads.
 *
 * Each document goes, by a stable hash of its id, to one of N workers that
 * analyse and write into shards of their own beside the index (in a
 * directory PATH.bulkXXXXXX); sou_bulk_finish merges the index and the
 * shards with Xapian's compaction into one compact index that takes the
 * index's place. A document whose id is already in the index, or is added
 * twice, replaces the earlier one. Nothing is visible to readers until
 * sou_bulk_finish returns; after a failure or sou_bulk_cancel the index is
 * as it was. The index handle stays usable by the calling thread only for
 * sou_bulk_add until the bulk ends. Memory is bounded by memory_docs,
 * whatever the number of documents. The work directories that a bulk load
 * or a compaction of this index killed before it finished left behind
 * (PATH.bulkXXXXXX, PATH.compactXXXXXX) are removed by the next of either,
 * except one holding "old", which may be the index moved aside by a merge
 * cut short: look there before removing it.
 */
typedef struct sou_bulk sou_bulk;

#define SOU_BULK_OPTIONS_VERSION 1

/** Bulk options. Fields are only ever appended. */
typedef struct sou_bulk_options {
    unsigned int version; /**< SOU_BULK_OPTIONS_VERSION */
    unsigned int threads; /**< workers (and shards); 0: the online cores, at most 64 */
    /** Documents held in memory by all workers together before they write
     * them out; 0: 40000 (about half a GiB on mixed text). */
    size_t memory_docs;
} sou_bulk_options;

#define SOU_BULK_OPTIONS_INIT { SOU_BULK_OPTIONS_VERSION, 0, 0 }

/** @brief Fill @p opts with the defaults. @since 0.2 */
SOU_API int sou_bulk_options_init(sou_bulk_options *opts, unsigned int version);

/**
 * @brief Start bulk indexing into a writable index.
 * @param[in] opts options, or NULL for the defaults.
 * @return SOU_OK, SOU_EINVAL (a transaction is open, bad options),
 *         SOU_EREADONLY, SOU_EIO (no room beside the index), SOU_ENOMEM.
 * @since 0.2
 */
SOU_API int sou_bulk_begin(sou_bulk **out, sou_index *index, const sou_bulk_options *opts);

/**
 * @brief Queue a document; it is copied. Blocks while the workers are busy.
 * @return SOU_OK, SOU_EINVAL (bad id), SOU_ENOMEM, or the error that a
 *         worker met earlier (the bulk then fails: cancel it).
 * @since 0.2
 */
SOU_API int sou_bulk_add(sou_bulk *bulk, const sou_doc *doc);

/**
 * @brief Write out, merge and commit everything added; frees @p bulk,
 * whatever the outcome.
 * @return SOU_OK, SOU_EIO (a full disk), SOU_ENOMEM, or a worker's error.
 * @since 0.2
 */
SOU_API int sou_bulk_finish(sou_bulk *bulk);

/** @brief Drop everything added and free @p bulk (NULL is fine). @since 0.2 */
SOU_API void sou_bulk_cancel(sou_bulk *bulk);

/* ----------------------------------------------------------------- search */

/** How terms of a query without explicit operators combine. */
typedef enum sou_default_op {
    SOU_OP_AND = 0, /**< every term must match (the default) */
    SOU_OP_OR = 1   /**< any term may match; more matches rank higher */
} sou_default_op;

/** Search flags. */
#define SOU_SEARCH_NO_SNIPPETS 0x1u /**< skip snippet making */
#define SOU_SEARCH_SORT_ASCENDING 0x2u /**< with sort_by: smallest value first */
/** Match strictly: every word or nothing, never the relaxed levels. */
#define SOU_SEARCH_STRICT 0x4u
/** Count the documents that have each query word, and suggest spellings,
 * even when the search found something (see sou_results_word). Without
 * it, this is done only when nothing matched. */
#define SOU_SEARCH_EXPLAIN 0x8u
/**
 * Snippets as raw text: the stored text between the markers as it is,
 * never escaped. For markers and output that are not HTML. (Since 0.2.)
 */
#define SOU_SEARCH_SNIPPET_RAW 0x100u
/**
 * Snippets HTML-escaped whatever the markers (empty ones, say). Without
 * this flag or SOU_SEARCH_SNIPPET_RAW, a snippet is escaped when its
 * markers look like HTML: the default "<b>" and "</b>", or any hl_start
 * or hl_end that begins with '<'. Escaping writes & < > " ' of the stored
 * text as &amp; &lt; &gt; &quot; &#39;, and never touches the markers.
 * (Since 0.2.)
 */
#define SOU_SEARCH_SNIPPET_HTML 0x200u
/**
 * Find the match spans of each hit in each stored field (see
 * sou_results_match). Costs the analysis of every stored field of every
 * hit, up to SOU_SNIPPET_SCAN_BYTES each. (Since 0.2.)
 */
#define SOU_SEARCH_MATCHES 0x400u

/** The most match spans kept per hit and field (the first ones). */
#define SOU_MATCHES_MAX 1000

/** The default of sou_search_options.exact_total. */
#define SOU_EXACT_TOTAL_DEFAULT 10000

/** Version 3 appended facets and nfacets; versions 1 and 2 are still read. */
#define SOU_SEARCH_OPTIONS_VERSION 3

/**
 * Snippets look for matches in the first SOU_SNIPPET_SCAN_BYTES bytes (1 MiB)
 * of a stored field only, so that making one costs at most the analysis of
 * that much text, however long the field; usually less is read (all of the
 * first 64 KiB, then up to where every query word has matched, or past
 * 256 KiB up to where any has). A document that matches further on is
 * still found and ranked by the whole text; its snippet then shows the
 * start of the field without highlights.
 */
#define SOU_SNIPPET_SCAN_BYTES (1024u * 1024u)

/** Search options. Fields are only ever appended. */
typedef struct sou_search_options {
    unsigned int version;     /**< SOU_SEARCH_OPTIONS_VERSION */
    size_t offset;            /**< hits to skip */
    size_t limit;             /**< hits to return; default 10 */
    sou_default_op default_op;
    double bm25_k1;           /**< BM25 k1, default 1.2 */
    double bm25_b;            /**< BM25 b, default 0.75 */
    const char *sort_by;      /**< a value name to sort by (descending), or NULL for relevance */
    const char *hl_start;     /**< highlight start marker, default "<b>"; see SOU_SEARCH_SNIPPET_HTML for escaping */
    const char *hl_end;       /**< highlight end marker, default "</b>" */
    size_t snippet_bytes;     /**< snippet length aim in bytes of stored text (before escaping), default 200; matches are looked for in the first SOU_SNIPPET_SCAN_BYTES of the field */
    const char *snippet_field; /**< field for snippets; NULL: "body" when it matches, else the field with the most matches */
    unsigned int flags;       /**< SOU_SEARCH_* flags */
    /**
     * Count matches exactly up to this many; beyond it the total is a lower
     * bound (sou_results_total_exact says which). 0: a cheap estimate.
     * Default SOU_EXACT_TOTAL_DEFAULT. Counting costs time on queries
     * that match many documents. Since version 2.
     */
    uint64_t exact_total;
    /**
     * Value names to count facets of (see sou_results_facet): for each, how
     * many matching documents hold each distinct value. Counting reads
     * every matching document, whatever exact_total says, and every match
     * level is searched even when the first fills the page: the counts are
     * exact over the whole match, and so is the total, which then counts
     * every level. It costs a full match. NULL: none. Since version 3.
     */
    const char *const *facets;
    size_t nfacets; /**< entries of facets */
} sou_search_options;

#define SOU_SEARCH_OPTIONS_INIT                                                            \
    { SOU_SEARCH_OPTIONS_VERSION, 0, 10, SOU_OP_AND, 1.2, 0.75, NULL, NULL, NULL, 200, NULL, 0, \
      SOU_EXACT_TOTAL_DEFAULT, NULL, 0 }

/**
 * @brief Fill @p opts with the defaults.
 * @param[in] version SOU_SEARCH_OPTIONS_VERSION, or an older version: then
 *            only the fields of that version are written (a program built
 *            against an older sou.h has a shorter struct).
 * @return SOU_OK, or SOU_EINVAL when opts is NULL or the version unknown.
 * @since 0.1
 */
SOU_API int sou_search_options_init(sou_search_options *opts, unsigned int version);

typedef struct sou_results sou_results;

/**
 * @brief Run a query.
 *
 * The query language: words; "exact phrases"; AND, OR, NOT, and -word,
 * +word; parentheses; field:word and field:"a phrase"; prefix*. A word
 * without a field looks in every indexed field. A run of Chinese, Japanese
 * or Korean text matches wherever it appears as a substring. English
 * stopwords (the Snowball list) are left out of unquoted words when the
 * query has other words. Malformed queries are read leniently (an unclosed
 * quote or parenthesis closes at the end, a lone operator is a word); what
 * cannot be read at all, or expands to more than 10,000 index terms, gives
 * SOU_EQUERY with the reason in the message.
 *
 * Matching is strict first, then relaxed (unless SOU_SEARCH_STRICT, or
 * default_op is SOU_OP_OR): when fewer documents match every word than
 * offset + limit, the page is filled with documents that match less, after
 * every full match. First, where a run of Chinese typed without spaces
 * splits into dictionary words, documents with all of its words apart
 * (SOU_MATCH_ALL_WORDS); then documents with some of the words, ranked by
 * BM25, which adds an idf-weighted share for each word a document has, so
 * more words and rarer ones count more (SOU_MATCH_SOME_WORDS). +word,
 * field:word, words joined by AND, and NOT/-word are never relaxed; a
 * quoted phrase or a group in parentheses counts as one word, matched as
 * written.
 * sou_results_level tells each hit's level. Words near each other rank
 * above the same words far apart.
 *
 * Filters on values: name:LOW..HIGH keeps the documents whose value name
 * lies between the bounds, both included; name:LOW.. and name:..HIGH are
 * open at one end, name:X alone is name:X..X. For a value set with
 * sou_doc_set_date the bounds are ISO 8601 dates, and each covers its whole
 * span: date:2019..2020-06 runs from 2019-01-01T00:00:00Z up to the last
 * instant of June 2020. Filters combine with the rest (AND, OR, NOT,
 * -name:...), hold at every match level, and change no score. A range on a
 * name that is not a value of the index is SOU_EQUERY. The query "*"
 * matches every document; a query of filters alone (or "*" with filters)
 * lists the documents that pass them; either comes in docid order (the
 * order added, but shard after shard after bulk indexing), or by sort_by.
 * @param[out] out results the caller frees with sou_results_free.
 * @return SOU_OK, SOU_EQUERY, SOU_EINVAL, SOU_ENOMEM, SOU_EIO (also a remote
 *         shard that stopped answering: its HOST:PORT is in the message),
 *         SOU_EMODIFIED.
 * @since 0.1
 */
SOU_API int sou_index_search(sou_index *index, const char *query, size_t query_len,
                             const sou_search_options *opts, sou_results **out);

/**
 * @brief A readable form of how a query was understood (for debugging).
 * @param[out] out a NUL-terminated string released with sou_free.
 * @return as sou_index_search.
 * @since 0.1
 */
SOU_API int sou_index_explain(sou_index *index, const char *query, size_t query_len,
                              const sou_search_options *opts, char **out);

/** @brief Free results (NULL is fine). @since 0.1 */
SOU_API void sou_results_free(sou_results *results);

/** @brief Hits held (at most the limit). @since 0.1 */
SOU_API size_t sou_results_count(const sou_results *results);

/**
 * @brief Number of matching documents in the whole index, over the match
 * levels searched: exact up to the search's exact_total, else a lower
 * bound (see sou_results_total_exact).
 * @since 0.1
 */
SOU_API uint64_t sou_results_total(const sou_results *results);

/** @brief Non-zero when sou_results_total is exact, 0 when it is a lower bound or an estimate. @since 0.2 */
SOU_API int sou_results_total_exact(const sou_results *results);

/** How a hit matched the query; results come in this order. */
typedef enum sou_match_level {
    SOU_MATCH_EXACT = 0,     /**< the query as typed: every word, runs of Chinese as substrings */
    SOU_MATCH_ALL_WORDS = 1, /**< every word, a run of Chinese split into its words, apart */
    SOU_MATCH_SOME_WORDS = 2 /**< some of the query's words (see sou_results_level) */
} sou_match_level;

/**
 * @brief How hit @p i matched.
 * @param[out] matched for SOU_MATCH_SOME_WORDS, how many of the query's
 *             words the hit has; otherwise all of them. May be NULL.
 * @param[out] words how many words the relaxed levels count. May be NULL.
 * @return The level; SOU_MATCH_EXACT when i is out of range.
 * @since 0.2
 */
SOU_API sou_match_level sou_results_level(const sou_results *results, size_t i, size_t *matched,
                                          size_t *words);

/**
 * @brief How many documents of each level were found (0 for a level not
 * searched: the levels before it filled the page). Exact under the same
 * rule as sou_results_total.
 * @since 0.2
 */
SOU_API uint64_t sou_results_level_total(const sou_results *results, sou_match_level level);

/**
 * @brief The query's words, explained: there when nothing matched, or
 * with SOU_SEARCH_EXPLAIN. 0 otherwise.
 * @since 0.2
 */
SOU_API size_t sou_results_word_count(const sou_results *results);

/**
 * @brief Word @p i of the query as typed.
 * @param[out] len its length in bytes; may be NULL.
 * @param[out] docs how many documents have it (exact up to exact_total);
 *             may be NULL.
 * @param[out] suggestion for a Latin word, the closest word of the index's
 *             own vocabulary (edit distance 1, or 2 from five letters), or
 *             NULL; borrowed until the results are freed. May be NULL.
 * @return The word, NUL-terminated, borrowed until the results are freed;
 *         NULL when i is out of range.
 * @since 0.2
 */
SOU_API const char *sou_results_word(const sou_results *results, size_t i, size_t *len,
                                     uint64_t *docs, const char **suggestion);

/** @brief Stopwords left out of the query (0 when none were). @since 0.2 */
SOU_API size_t sou_results_stopwords(const sou_results *results);

/**
 * @brief How many facets the results hold: one per name of the search
 * options' facets, in that order (0 without facets).
 * @since 0.2
 */
SOU_API size_t sou_results_facet_count(const sou_results *results);

/**
 * @brief Facet @p i: its value name, and how many distinct values the
 * matching documents hold in it.
 * @param[out] nvalues distinct values; may be NULL.
 * @return The name, borrowed until the results are freed; NULL when i is
 *         out of range.
 * @since 0.2
 */
SOU_API const char *sou_results_facet(const sou_results *results, size_t i, size_t *nvalues);

/**
 * @brief Distinct value @p j of facet @p i, the most frequent first (equal
 * counts: the smallest value first).
 * @param[out] value the value (seconds since the epoch for a date); may be NULL.
 * @param[out] count matching documents that hold it; may be NULL.
 * @return SOU_OK, or SOU_ENOTFOUND when i or j is out of range.
 * @since 0.2
 */
SOU_API int sou_results_facet_value(const sou_results *results, size_t i, size_t j,
                                    double *value, uint64_t *count);

/** @brief External id of hit @p i, borrowed until the results are freed; NULL when out of range. @since 0.1 */
SOU_API const char *sou_results_id(const sou_results *results, size_t i, size_t *len);

/** @brief Rank of hit @p i over the whole result list, from 0 (offset + i). @since 0.1 */
SOU_API size_t sou_results_rank(const sou_results *results, size_t i);

/** @brief BM25 score of hit @p i (0 when sorted by value). @since 0.1 */
SOU_API double sou_results_score(const sou_results *results, size_t i);

/** @brief First stored field @p name of hit @p i, borrowed until the results are freed; NULL if absent. @since 0.1 */
SOU_API const char *sou_results_field(const sou_results *results, size_t i, const char *name,
                                      size_t *len);

/**
 * @brief The stored document of hit @p i (fields and values).
 * @return Borrowed until the results are freed; NULL when out of range.
 * @since 0.1
 */
SOU_API const sou_doc *sou_results_doc(const sou_results *results, size_t i);

/**
 * @brief Snippet of hit @p i: the best passage with matches between the
 * highlight markers, "…" where text was cut, runs of spaces and control
 * characters as one space. HTML-escaped when the markers look like HTML
 * (the default), see SOU_SEARCH_SNIPPET_HTML and SOU_SEARCH_SNIPPET_RAW.
 * @return Borrowed until the results are freed; "" when none (no snippets
 *         asked, or no stored text).
 * @since 0.1
 */
SOU_API const char *sou_results_snippet(const sou_results *results, size_t i, size_t *len);

/**
 * @brief How many match spans hit @p i has in its stored field @p name
 * (the first field of that name, as sou_results_field).
 *
 * A span is where a query word, phrase or Chinese run matched, found with
 * the index's analyzer as for snippets: a Chinese word inside a run of
 * text without spaces, a stemmed or prefix word as the whole word of the
 * text, a phrase as one span. Spans are in ascending order and never
 * overlap (overlapping matches are merged; matches that only touch stay
 * apart). Only the first SOU_SNIPPET_SCAN_BYTES of a field are searched,
 * and at most SOU_MATCHES_MAX spans are kept, the first ones. A field that
 * is stored but not indexed has none.
 * @return 0 when the search was made without SOU_SEARCH_MATCHES, when the
 *         hit has no such field or no match in it, or i is out of range.
 * @since 0.2
 */
SOU_API size_t sou_results_match_count(const sou_results *results, size_t i, const char *name);

/**
 * @brief Match span @p k of hit @p i in its stored field @p name.
 * @param[out] start byte offset into the stored text (sou_results_field)
 *             where the match begins; may be NULL.
 * @param[out] end byte offset past its end; may be NULL.
 * @return SOU_OK, SOU_ENOTFOUND when k >= sou_results_match_count (both
 *         offsets then 0), SOU_EINVAL for NULL results or name.
 * @since 0.2
 */
SOU_API int sou_results_match(const sou_results *results, size_t i, const char *name, size_t k,
                              size_t *start, size_t *end);

#ifdef __cplusplus
}
#endif

#endif /* SOU_H */
