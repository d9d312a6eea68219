// xapian_shim.cc: the database and document half of the shim. Every entry
// point catches everything; sou__xapian_translate turns the exception into a
// sou code and the thread-local message.
#include "xapian_shim_internal.hh"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "alloc.h"
#include "error.h"
#include "route.h"
#include "sou.h"

namespace {

// Xapian's class names mean nothing to a user: each becomes plain words.
// Classes absent here (DatabaseError, the base) need none: their messages
// say what failed.
const char *error_words(const char *type)
{
    static const struct {
        const char *type, *words;
    } table[] = {
        { "AssertionError", "internal error" },
        { "InvalidArgumentError", "invalid argument" },
        { "InvalidOperationError", "invalid operation" },
        { "UnimplementedError", "not supported" },
        { "DatabaseCorruptError", "index corrupt" },
        { "DatabaseCreateError", "cannot create the index" },
        { "DatabaseLockError", "index locked by another writer" },
        { "DatabaseModifiedError", "index modified while reading" },
        { "DatabaseOpeningError", "cannot open the index" },
        { "DatabaseVersionError", "index of an unsupported format" },
        { "DatabaseNotFoundError", "no index there" },
        { "DatabaseClosedError", "index closed" },
        { "DocNotFoundError", "no such document" },
        { "FeatureUnavailableError", "feature not available" },
        { "InternalError", "internal error" },
        { "NetworkError", "network error" },
        { "NetworkTimeoutError", "network timeout" },
        { "QueryParserError", "query syntax error" },
        { "SerialisationError", "bad serialised data" },
        { "RangeError", "out of range" },
        { "WildcardError", "wildcard error" },
    };
    for (const auto &t : table)
        if (std::strcmp(type, t.type) == 0)
            return t.words;
    return nullptr;
}

// Xapian's messages may quote another exception by its description
// ("Modifications failed (DatabaseError: Error writing block 2 ...)"):
// each "<Class>Error: " inside becomes the class's plain words, or goes.
std::string plain_message(const std::string &msg)
{
    static const char tail[] = "Error: ";
    const size_t tail_len = sizeof tail - 1;
    std::string out;
    size_t from = 0, at;

    while ((at = msg.find(tail, from)) != std::string::npos) {
        size_t start = at;

        while (start > from && std::isalpha(static_cast<unsigned char>(msg[start - 1])))
            start--;
        if (start == at || !std::isupper(static_cast<unsigned char>(msg[start]))) {
            out.append(msg, from, at + tail_len - from);
            from = at + tail_len;
            continue;
        }
        // "Xapian::" in front of the class goes with it.
        size_t cut = start >= 8 && msg.compare(start - 8, 8, "Xapian::") == 0 && start - 8 >= from
                         ? start - 8
                         : start;
        std::string type(msg, start, at + tail_len - 2 - start);
        const char *words = error_words(type.c_str());

        out.append(msg, from, cut - from);
        if (words) {
            out += words;
            out += ": ";
        }
        from = at + tail_len;
    }
    out.append(msg, from, std::string::npos);
    return out;
}

// "what: plain words: message: system error", each part when there is one;
// words overrides the class's.
int set_xapian_error(int code, const char *what, const Xapian::Error &e,
                     const char *words = nullptr)
{
    if (!words)
        words = error_words(e.get_type());
    // Building the text allocates: nothing may escape to C.
    try {
        const char *sys = e.get_error_string();
        const std::string msg = plain_message(e.get_msg());
        std::string text;

        if (words)
            text += words;
        if (!msg.empty()) {
            if (!text.empty())
                text += ": ";
            text += msg;
        }
        // The context names a remote shard.
        if (!e.get_context().empty())
            text += " (" + e.get_context() + ")";
        // Some messages already end in the system's text.
        if (sys && *sys && msg.find(sys) == std::string::npos) {
            if (!text.empty())
                text += ": ";
            text += sys;
        }
        if (text.empty())
            text = sou_strerror(code);
        return sou__error_set(code, "%s: %s", what, text.c_str());
    } catch (...) {
        return sou__error_set(code, "%s: %s", what, words ? words : sou_strerror(code));
    }
}

// Whether e carries a system error at all.
bool has_system_error(const Xapian::Error &e)
{
    try {
        const char *sys = e.get_error_string();
        return sys && *sys;
    } catch (...) {
        return false;
    }
}

} // namespace

int sou__xapian_translate(const char *what)
{
    // Xapian::Error does not derive from std::exception, so it gets its own
    // branch; subclasses come before their bases.
    try {
        throw;
    } catch (const Xapian::DatabaseLockError &e) {
        // With a system error the lock file could not even be made (no
        // permission, a full disk): no other writer is involved.
        if (has_system_error(e))
            return set_xapian_error(SOU_EIO, what, e, "cannot lock the index");
        return set_xapian_error(SOU_ELOCKED, what, e);
    } catch (const Xapian::DatabaseVersionError &e) {
        return set_xapian_error(SOU_ECORRUPT, what, e);
    } catch (const Xapian::DatabaseNotFoundError &e) {
        return set_xapian_error(SOU_EIO, what, e);
    } catch (const Xapian::DatabaseOpeningError &e) {
        return set_xapian_error(SOU_EIO, what, e);
    } catch (const Xapian::DatabaseCreateError &e) {
        // The directory could not be made: a file in the way, no permission.
        return set_xapian_error(SOU_EIO, what, e);
    } catch (const Xapian::DatabaseCorruptError &e) {
        return set_xapian_error(SOU_ECORRUPT, what, e);
    } catch (const Xapian::DatabaseModifiedError &e) {
        return set_xapian_error(SOU_EMODIFIED, what, e);
    } catch (const Xapian::NetworkError &e) {
        // A remote shard down, unreachable or timed out (NetworkTimeoutError
        // is a subclass); the context names it.
        return set_xapian_error(SOU_EIO, what, e);
    } catch (const Xapian::DatabaseError &e) {
        // A full disk, a file size limit, a failing device: what a caller
        // can act on, unlike an unexplained failure.
        // A full disk, a file size limit, a block that could not be read:
        // an I/O failure, the system's reason in the message.
        return set_xapian_error(SOU_EIO, what, e);
    } catch (const Xapian::InvalidArgumentError &e) {
        return set_xapian_error(SOU_EINVAL, what, e);
    } catch (const Xapian::Error &e) {
        return set_xapian_error(SOU_ERROR, what, e);
    } catch (const std::bad_alloc &) {
        return sou__error_set(SOU_ENOMEM, "%s: out of memory", what);
    } catch (const std::length_error &) {
        // A string or vector past its maximum size.
        return sou__error_set(SOU_ENOMEM, "%s: too large for memory", what);
    } catch (const std::exception &e) {
        // The standard library's texts may name its own functions
        // ("basic_string::_M_create"): those stay out of the message.
        const char *text = e.what();
        if (!text || std::strstr(text, "::") || std::strstr(text, "std"))
            return sou__error_set(SOU_ERROR, "%s: internal error", what);
        return sou__error_set(SOU_ERROR, "%s: internal error: %s", what, text);
    } catch (...) {
        return sou__error_set(SOU_ERROR, "%s: unknown exception", what);
    }
}

namespace {

// Copy s into a sou__malloc'd, NUL-terminated buffer.
int copy_out(const std::string &s, char **out, size_t *len)
{
    char *p = sou__strndup(s.data(), s.size());
    if (!p)
        return SOU_ENOMEM;
    *out = p;
    if (len)
        *len = s.size();
    return SOU_OK;
}

int need_writable(const sou__xdb *db, const char *what)
{
    if (!db->writable)
        return sou__error_set(SOU_EREADONLY, "%s: index opened read-only", what);
    return SOU_OK;
}

template <typename F>
int read_retry(sou__xdb *db, const char *what, F fn)
{
    SOU__XAPIAN_TRY
        return sou__xapian_read_retry(db, what, fn);
    SOU__XAPIAN_CATCH(what)
}

} // namespace

extern "C" {

int sou__xdb_open(sou__xdb **out, const char *path, unsigned int flags)
{
    sou__xdb *db = nullptr;

    if (!out)
        return sou__error_set(SOU_EINVAL, "open: no output handle");
    *out = nullptr;
    if (!path || !*path)
        return sou__error_set(SOU_EINVAL, "open: empty path");
    if (flags != SOU_INDEX_READONLY && flags != SOU_INDEX_WRITE && flags != SOU_INDEX_CREATE)
        return sou__error_set(SOU_EINVAL, "open: unknown flags 0x%x", flags);
    SOU__XAPIAN_TRY
        db = new sou__xdb();
        db->writable = flags != SOU_INDEX_READONLY;
        db->in_txn = false;
        // The backend is named every time: Xapian then opens the glass
        // database in path and never reads a stub file (XAPIANDB) there.
        if (db->writable) {
            // No DB_RETRY_LOCK: a second writer must fail at once.
            int xflags = Xapian::DB_BACKEND_GLASS |
                         (flags == SOU_INDEX_CREATE ? Xapian::DB_CREATE_OR_OPEN : Xapian::DB_OPEN);
            db->wdb = Xapian::WritableDatabase(path, xflags);
            db->db = db->wdb;
            db->wshards.push_back(db->wdb);
        } else {
            db->db = Xapian::Database(path, Xapian::DB_BACKEND_GLASS);
        }
        *out = db;
        return SOU_OK;
    }
    catch (...) {
        delete db;
        return sou__xapian_translate("open");
    }
}

int sou__xdb_open_scratch(sou__xdb **out, const char *path)
{
    sou__xdb *db = nullptr;

    if (!out || !path || !*path)
        return sou__error_set(SOU_EINVAL, "open scratch: missing argument");
    *out = nullptr;
    SOU__XAPIAN_TRY
        db = new sou__xdb();
        db->writable = true;
        db->in_txn = false;
        // DB_NO_SYNC: a commit writes but does not wait for the disk.
        db->wdb = Xapian::WritableDatabase(
            path, Xapian::DB_BACKEND_GLASS | Xapian::DB_CREATE | Xapian::DB_NO_SYNC);
        db->db = db->wdb;
        db->wshards.push_back(db->wdb);
        *out = db;
        return SOU_OK;
    }
    catch (...) {
        delete db;
        return sou__xapian_translate("open");
    }
}

int sou__xdb_open_shards(sou__xdb **out, const sou__shard *shards, size_t n,
                         unsigned int connect_timeout_ms, int skip_failed, int *status,
                         char **messages)
{
    sou__xdb *db = nullptr;
    size_t up = 0;

    if (!out)
        return sou__error_set(SOU_EINVAL, "open: no output handle");
    *out = nullptr;
    if (!shards || !n || !status)
        return sou__error_set(SOU_EINVAL, "open: no shards");
    if (messages)
        for (size_t i = 0; i < n; i++)
            messages[i] = nullptr;
    try {
        db = new sou__xdb();
        db->writable = false;
        db->in_txn = false;
        db->shards.resize(n);
        db->shard_open.assign(n, false);
    } catch (...) {
        delete db;
        return sou__xapian_translate("open");
    }
    for (size_t i = 0; i < n; i++) {
        char name[300], what[340];
        int rc = SOU_OK;

        if (status[i] != SOU_OK)
            continue; // the caller found it unusable
        sou__shard_name(&shards[i], name, sizeof name);
        snprintf(what, sizeof what, "shard '%s'", name);
        try {
            // Only what the caller listed: a glass directory, or a TCP
            // server; never a stub, never a program.
            if (shards[i].remote)
                db->shards[i] = Xapian::Remote::open(shards[i].host, shards[i].port,
                                                     SOU__REMOTE_TIMEOUT_MS, connect_timeout_ms);
            else
                db->shards[i] = Xapian::Database(shards[i].path, Xapian::DB_BACKEND_GLASS);
            db->db.add_database(db->shards[i]);
            db->shard_open[i] = true;
            up++;
        } catch (...) {
            rc = sou__xapian_translate(what);
        }
        status[i] = rc;
        if (rc == SOU_OK)
            continue;
        if (messages && !(messages[i] = sou__strndup(sou_error_last()->message,
                                                     strlen(sou_error_last()->message)))) {
            rc = SOU_ENOMEM;
            skip_failed = 0;
        }
        if (!skip_failed) {
            sou__xdb_close(db);
            return rc == SOU_ENOMEM ? sou__error_code(SOU_ENOMEM) : rc;
        }
    }
    if (!up) {
        sou__xdb_close(db);
        return sou__error_set(SOU_EIO, "none of the %zu shards could be opened", n);
    }
    *out = db;
    return SOU_OK;
}

int sou__xdb_open_writable_shards(sou__xdb **out, const char *const *paths, size_t n, int create)
{
    sou__xdb *db = nullptr;
    size_t i = 0;

    if (!out)
        return sou__error_set(SOU_EINVAL, "open: no output handle");
    *out = nullptr;
    if (!paths || !n)
        return sou__error_set(SOU_EINVAL, "open: no shards");
    try {
        db = new sou__xdb();
        db->writable = true;
        db->in_txn = false;
        db->shards.resize(n);
        db->shard_open.assign(n, false);
        db->wshards.reserve(n);
    } catch (...) {
        delete db;
        return sou__xapian_translate("open");
    }
    try {
        int xflags = Xapian::DB_BACKEND_GLASS | (create ? Xapian::DB_CREATE_OR_OPEN : Xapian::DB_OPEN);
        for (; i < n; i++) {
            db->wshards.push_back(Xapian::WritableDatabase(paths[i], xflags));
            db->shards[i] = db->wshards[i];
            db->shard_open[i] = true;
            db->db.add_database(db->wshards[i]);
        }
        db->wdb = db->wshards[0];
    } catch (...) {
        char what[340];
        snprintf(what, sizeof what, "shard '%s'", i < n ? paths[i] : "");
        int rc = sou__xapian_translate(what);
        sou_error saved = *sou_error_last();
        char msg[512];
        snprintf(msg, sizeof msg, "%s", saved.message);
        sou__xdb_close(db);
        return sou__error_set(rc, "%s", msg);
    }
    *out = db;
    return SOU_OK;
}

size_t sou__xdb_writers(const sou__xdb *db)
{
    return db ? db->wshards.size() : 0;
}

int sou__xdb_shard_set_metadata(sou__xdb *db, size_t i, const char *key, const char *val,
                                size_t len)
{
    if (!db || !key || !*key || (!val && len))
        return sou__error_set(SOU_EINVAL, "set_metadata: missing argument");
    if (i >= db->wshards.size())
        return sou__error_set(SOU_EREADONLY, "set_metadata: shard %zu is not writable", i);
    SOU__XAPIAN_TRY
        db->wshards[i].set_metadata(key, std::string(val ? val : "", len));
        return SOU_OK;
    SOU__XAPIAN_CATCH("set_metadata")
}

int sou__xdb_shard_doc_count(sou__xdb *db, size_t i, uint64_t *out)
{
    if (!db || !out)
        return sou__error_set(SOU_EINVAL, "doc_count: missing argument");
    *out = 0;
    if (i >= db->shards.size() || !db->shard_open[i])
        return sou__error_set(SOU_ENOTFOUND, "doc_count: shard %zu is not open", i);
    SOU__XAPIAN_TRY
        *out = db->shards[i].get_doccount();
        return SOU_OK;
    SOU__XAPIAN_CATCH("doc_count")
}

// The writer of the document with this id term: the only one, or the shard
// the id routes to.
static Xapian::WritableDatabase &writer_for(sou__xdb *db, const char *idterm, size_t len)
{
    if (db->wshards.size() == 1)
        return db->wshards[0];
    return db->wshards[sou__route(idterm + 1, len - 1, db->wshards.size())];
}

int sou__xdb_shard_metadata(sou__xdb *db, size_t i, const char *key, char **out, size_t *len)
{
    if (!db || !key || !out)
        return sou__error_set(SOU_EINVAL, "get_metadata: missing argument");
    *out = nullptr;
    if (len)
        *len = 0;
    if (i >= db->shards.size() || !db->shard_open[i])
        return sou__error_set(SOU_ENOTFOUND, "get_metadata: shard %zu is not open", i);
    SOU__XAPIAN_TRY
        std::string v = db->shards[i].get_metadata(key);
        if (v.empty())
            return SOU_OK;
        return copy_out(v, out, len);
    SOU__XAPIAN_CATCH("get_metadata")
}


// The first failure of a commit of writer i: call from a catch (...)
// block only; rc is what the writers before it returned.
static int commit_failed(const sou__xdb *db, size_t i, int rc)
{
    char what[64];
    if (rc != SOU_OK)
        return rc;
    if (db->wshards.size() > 1)
        snprintf(what, sizeof what, "commit of shard %zu", i + 1);
    else
        snprintf(what, sizeof what, "commit");
    return sou__xapian_translate(what);
}
int sou__xdb_close(sou__xdb *db)
{
    int rc = SOU_OK;

    if (!db)
        return SOU_OK;
    // A failed commit leaves the last commit intact; the failure is the
    // caller's to report.
    // Every shard of a stub is closed, whichever failed; the first
    // failure is reported.
    for (size_t i = 0; i < db->wshards.size(); i++) {
        try {
            if (db->in_txn)
                db->wshards[i].cancel_transaction();
            else
                db->wshards[i].commit();
            db->wshards[i].close();
        } catch (...) {
            rc = commit_failed(db, i, rc);
        }
    }
    try {
        delete db;
    } catch (...) {
    }
    return rc;
}

int sou__xdb_writable(const sou__xdb *db)
{
    return db && db->writable;
}

int sou__xdb_reopen(sou__xdb *db)
{
    if (!db)
        return sou__error_set(SOU_EINVAL, "reopen: no index");
    SOU__XAPIAN_TRY
        db->db.reopen();
        return SOU_OK;
    SOU__XAPIAN_CATCH("reopen")
}

int sou__xdb_get_metadata(sou__xdb *db, const char *key, char **out, size_t *len)
{
    if (!db || !key || !out)
        return sou__error_set(SOU_EINVAL, "get_metadata: missing argument");
    *out = nullptr;
    if (len)
        *len = 0;
    return read_retry(db, "get_metadata", [&]() -> int {
        std::string v = db->db.get_metadata(key);
        if (v.empty())
            return SOU_OK;
        return copy_out(v, out, len);
    });
}

int sou__xdb_set_metadata(sou__xdb *db, const char *key, const char *val, size_t len)
{
    if (!db || !key || !*key || (!val && len))
        return sou__error_set(SOU_EINVAL, "set_metadata: missing argument");
    int rc = need_writable(db, "set_metadata");
    if (rc)
        return rc;
    SOU__XAPIAN_TRY
        // Names and settings are the same in every shard.
        for (auto &w : db->wshards)
            w.set_metadata(key, std::string(val ? val : "", len));
        return SOU_OK;
    SOU__XAPIAN_CATCH("set_metadata")
}

int sou__xdb_commit(sou__xdb *db)
{
    if (!db)
        return sou__error_set(SOU_EINVAL, "commit: no index");
    int rc = need_writable(db, "commit");
    if (rc)
        return rc;
    // Shard by shard: each commit is atomic, their sum is not. After a
    // failure the shards after it are still committed (or their
    // transaction cancelled), so none is left half way.
    bool txn = db->in_txn;
    // Whatever happens, the transaction is over (Xapian's contract).
    db->in_txn = false;
    for (size_t i = 0; i < db->wshards.size(); i++) {
        try {
            if (txn)
                db->wshards[i].commit_transaction();
            else
                db->wshards[i].commit();
        } catch (...) {
            rc = commit_failed(db, i, rc);
        }
    }
    return rc;
}

int sou__xdb_begin(sou__xdb *db)
{
    if (!db)
        return sou__error_set(SOU_EINVAL, "begin: no index");
    int rc = need_writable(db, "begin");
    if (rc)
        return rc;
    if (db->in_txn)
        return sou__error_set(SOU_EINVAL, "begin: a transaction is already open");
    size_t i = 0;
    try {
        // Flushed: the changes before it are committed first, and committing
        // it makes it durable.
        for (; i < db->wshards.size(); i++)
            db->wshards[i].begin_transaction(true);
        db->in_txn = true;
        return SOU_OK;
    } catch (...) {
        rc = sou__xapian_translate("begin");
    }
    // The shards that began take their transaction back.
    try {
        while (i-- > 0)
            db->wshards[i].cancel_transaction();
    } catch (...) {
    }
    return rc;
}

int sou__xdb_cancel(sou__xdb *db)
{
    if (!db)
        return sou__error_set(SOU_EINVAL, "cancel: no index");
    if (!db->in_txn)
        return sou__error_set(SOU_EINVAL, "cancel: no transaction is open");
    int rc = SOU_OK;
    db->in_txn = false;
    for (auto &w : db->wshards) {
        try {
            w.cancel_transaction();
        } catch (...) {
            if (rc == SOU_OK)
                rc = sou__xapian_translate("cancel");
        }
    }
    return rc;
}

int sou__xdb_stats(sou__xdb *db, sou__xstats *out)
{
    if (!db || !out)
        return sou__error_set(SOU_EINVAL, "stats: missing argument");
    return read_retry(db, "stats", [&]() -> int {
        // Xapian keeps no count of distinct terms: walk them.
        uint64_t terms = 0;
        for (Xapian::TermIterator t = db->db.allterms_begin(); t != db->db.allterms_end(); ++t)
            terms++;
        out->doc_count = db->db.get_doccount();
        out->term_count = terms;
        out->total_length = db->db.get_total_length();
        return SOU_OK;
    });
}

int sou__xdb_doc_count(sou__xdb *db, uint64_t *out)
{
    if (!db || !out)
        return sou__error_set(SOU_EINVAL, "doc count: missing argument");
    return read_retry(db, "doc count", [&]() -> int {
        *out = db->db.get_doccount();
        return SOU_OK;
    });
}

int sou__xdoc_new(sou__xdoc **out)
{
    if (!out)
        return sou__error_set(SOU_EINVAL, "document: no output handle");
    *out = nullptr;
    SOU__XAPIAN_TRY
        *out = new sou__xdoc();
        return SOU_OK;
    SOU__XAPIAN_CATCH("document")
}

void sou__xdoc_free(sou__xdoc *doc)
{
    try {
        delete doc;
    } catch (...) {
    }
}

int sou__xdoc_add_posting(sou__xdoc *doc, const char *term, size_t len, uint32_t pos,
                          uint32_t wdf_inc)
{
    if (!doc || !term || !len)
        return sou__error_set(SOU_EINVAL, "add_posting: empty term");
    SOU__XAPIAN_TRY
        doc->doc.add_posting(std::string(term, len), pos, wdf_inc);
        return SOU_OK;
    SOU__XAPIAN_CATCH("add_posting")
}

int sou__xdoc_add_term(sou__xdoc *doc, const char *term, size_t len, uint32_t wdf_inc)
{
    if (!doc || !term || !len)
        return sou__error_set(SOU_EINVAL, "add_term: empty term");
    SOU__XAPIAN_TRY
        if (wdf_inc == 0)
            doc->doc.add_boolean_term(std::string(term, len));
        else
            doc->doc.add_term(std::string(term, len), wdf_inc);
        return SOU_OK;
    SOU__XAPIAN_CATCH("add_term")
}

int sou__xdoc_set_data(sou__xdoc *doc, const char *data, size_t len)
{
    if (!doc || (!data && len))
        return sou__error_set(SOU_EINVAL, "set_data: missing argument");
    SOU__XAPIAN_TRY
        doc->doc.set_data(std::string(data ? data : "", len));
        return SOU_OK;
    SOU__XAPIAN_CATCH("set_data")
}

int sou__xdoc_set_value(sou__xdoc *doc, unsigned int slot, double value)
{
    if (!doc || slot == Xapian::BAD_VALUENO)
        return sou__error_set(SOU_EINVAL, "set_value: bad slot");
    SOU__XAPIAN_TRY
        // sortable_serialise orders bytes like the numbers, for sort_by.
        doc->doc.add_value(slot, Xapian::sortable_serialise(value));
        return SOU_OK;
    SOU__XAPIAN_CATCH("set_value")
}

int sou__xdb_replace(sou__xdb *db, const char *idterm, size_t len, sou__xdoc *doc)
{
    if (!db || !idterm || !len || !doc)
        return sou__error_set(SOU_EINVAL, "replace: missing argument");
    int rc = need_writable(db, "replace");
    if (rc)
        return rc;
    SOU__XAPIAN_TRY
        writer_for(db, idterm, len).replace_document(std::string(idterm, len), doc->doc);
        return SOU_OK;
    SOU__XAPIAN_CATCH("replace")
}

int sou__xdb_add(sou__xdb *db, sou__xdoc *doc)
{
    if (!db || !doc)
        return sou__error_set(SOU_EINVAL, "add: missing argument");
    int rc = need_writable(db, "add");
    if (rc)
        return rc;
    if (db->wshards.size() != 1)
        return sou__error_set(SOU_EINVAL, "add: only into one index directory");
    SOU__XAPIAN_TRY
        db->wshards[0].add_document(doc->doc);
        return SOU_OK;
    SOU__XAPIAN_CATCH("add")
}

int sou__xdb_delete(sou__xdb *db, const char *idterm, size_t len)
{
    if (!db || !idterm || !len)
        return sou__error_set(SOU_EINVAL, "delete: missing argument");
    int rc = need_writable(db, "delete");
    if (rc)
        return rc;
    SOU__XAPIAN_TRY
        std::string t(idterm, len);
        Xapian::WritableDatabase &w = writer_for(db, idterm, len);
        // Deleting by an absent term is a silent no-op in Xapian.
        if (!w.term_exists(t))
            return sou__error_set(SOU_ENOTFOUND, "delete: no document with this id");
        w.delete_document(t);
        return SOU_OK;
    SOU__XAPIAN_CATCH("delete")
}

int sou__xdb_get_data(sou__xdb *db, const char *idterm, size_t len, char **out, size_t *out_len)
{
    if (!db || !idterm || !len || !out)
        return sou__error_set(SOU_EINVAL, "get_data: missing argument");
    *out = nullptr;
    if (out_len)
        *out_len = 0;
    return read_retry(db, "get_data", [&]() -> int {
        std::string t(idterm, len);
        Xapian::PostingIterator p = db->db.postlist_begin(t);
        if (p == db->db.postlist_end(t))
            return sou__error_set(SOU_ENOTFOUND, "no document with this id");
        std::string data = db->db.get_document(*p).get_data();
        return copy_out(data, out, out_len);
    });
}

int sou__xdb_term_exists(sou__xdb *db, const char *term, size_t len, int *exists)
{
    if (!db || !exists || (!term && len))
        return sou__error_set(SOU_EINVAL, "term_exists: missing argument");
    *exists = 0;
    if (!len)
        return SOU_OK;
    return read_retry(db, "term_exists", [&]() -> int {
        *exists = db->db.term_exists(std::string(term, len)) ? 1 : 0;
        return SOU_OK;
    });
}

namespace {

// Ids are listed in batches: a batch's documents are looked up in each
// value slot in docid order with one value stream per slot (skip_to), which
// reads each chunk once where Document::get_value would seek per value.
const size_t IDS_BATCH = 4096;

struct id_entry {
    std::string term;
    Xapian::docid did;
    size_t pos; // in the batch, in term order
};

int ids_flush(sou__xdb *db, std::vector<id_entry> &batch, const unsigned int *slots,
              size_t nslots, int (*cb)(const char *, size_t, const double *, void *),
              void *payload, bool &called)
{
    std::vector<double> values(batch.size() * nslots, NAN);
    if (nslots) {
        std::vector<id_entry *> order(batch.size());
        for (size_t i = 0; i < batch.size(); i++)
            order[i] = &batch[i];
        std::sort(order.begin(), order.end(),
                  [](const id_entry *x, const id_entry *y) { return x->did < y->did; });
        for (size_t s = 0; s < nslots; s++) {
            if (!slots[s])
                continue;
            Xapian::ValueIterator v = db->db.valuestream_begin(slots[s]);
            Xapian::ValueIterator end = db->db.valuestream_end(slots[s]);
            for (const id_entry *e : order) {
                if (v == end)
                    break;
                if (v.get_docid() < e->did)
                    v.skip_to(e->did);
                if (v != end && v.get_docid() == e->did)
                    values[e->pos * nslots + s] = Xapian::sortable_unserialise(*v);
            }
        }
    }
    for (const id_entry &e : batch) {
        called = true;
        int rc = cb(e.term.data() + 1, e.term.size() - 1,
                    nslots ? values.data() + e.pos * nslots : nullptr, payload);
        if (rc)
            return rc;
    }
    batch.clear();
    return SOU_OK;
}

} // namespace

int sou__xdb_ids(sou__xdb *db, const char *prefix, size_t len, const unsigned int *slots,
                 size_t nslots, int (*cb)(const char *, size_t, const double *, void *),
                 void *payload)
{
    if (!db || !cb || (!prefix && len) || (!slots && nslots))
        return sou__error_set(SOU_EINVAL, "ids: missing argument");
    bool called = false;
    for (int attempt = 0;; attempt++) {
        try {
            std::string start("Q");
            start.append(prefix ? prefix : "", len);
            std::vector<id_entry> batch;
            for (Xapian::TermIterator t = db->db.allterms_begin(start);
                 t != db->db.allterms_end(start); ++t) {
                id_entry e;
                e.term = *t;
                e.did = 0;
                e.pos = batch.size();
                if (nslots) {
                    // The docid, for the values; an id term has one document.
                    Xapian::PostingIterator p = db->db.postlist_begin(e.term);
                    if (p == db->db.postlist_end(e.term))
                        continue;
                    e.did = *p;
                } else if (t.get_termfreq() == 0) {
                    continue;
                }
                batch.push_back(std::move(e));
                if (batch.size() == IDS_BATCH) {
                    int rc = ids_flush(db, batch, slots, nslots, cb, payload, called);
                    if (rc)
                        return rc;
                }
            }
            return ids_flush(db, batch, slots, nslots, cb, payload, called);
        } catch (const Xapian::DatabaseModifiedError &e) {
            if (called || attempt > 0 || db->writable)
                return sou__error_set(SOU_EMODIFIED, "ids: index modified while reading: %s",
                                      e.get_msg().c_str());
            try {
                db->db.reopen();
            } catch (...) {
                return sou__xapian_translate("ids");
            }
        } catch (...) {
            return sou__xapian_translate("ids");
        }
    }
}

int sou__xdb_compact(const char *const *srcs, size_t n, const char *dst)
{
    if (!srcs || !n || !dst || !*dst)
        return sou__error_set(SOU_EINVAL, "compact: missing argument");
    SOU__XAPIAN_TRY
        Xapian::Database all;
        for (size_t i = 0; i < n; i++)
            all.add_database(Xapian::Database(srcs[i], Xapian::DB_BACKEND_GLASS));
        // Full blocks, as xapian-compact makes by default; docids are
        // renumbered source after source.
        all.compact(dst, Xapian::Compactor::FULL);
        return SOU_OK;
    SOU__XAPIAN_CATCH("compact")
}

int sou__xdb_delete_ids_of(sou__xdb *db, const char *other_path, uint64_t *deleted)
{
    if (!db || !other_path || !deleted)
        return sou__error_set(SOU_EINVAL, "delete ids: missing argument");
    *deleted = 0;
    int rc = need_writable(db, "delete ids");
    if (rc)
        return rc;
    SOU__XAPIAN_TRY
        Xapian::Database other(other_path, Xapian::DB_BACKEND_GLASS);
        for (Xapian::TermIterator t = other.allterms_begin("Q"); t != other.allterms_end("Q"); ++t) {
            const std::string id = *t;
            if (db->wdb.term_exists(id)) {
                db->wdb.delete_document(id);
                (*deleted)++;
            }
        }
        return SOU_OK;
    SOU__XAPIAN_CATCH("delete ids")
}

} // extern "C"
