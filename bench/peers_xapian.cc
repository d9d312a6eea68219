// peers_xapian.cc: the Xapian rows of sou-bench, behind peers_xapian.h.
#include "peers_xapian.h"

#include <xapian.h>

#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <thread>
#include <vector>

namespace {

char last_error[512];

int fail(const char *what, const std::string &msg)
{
    std::snprintf(last_error, sizeof last_error, "%s: %s", what, msg.c_str());
    return -1;
}

// Xapian::Error is not a std::exception, so each entry catches both.
#define PEER_TRY try {
#define PEER_CATCH(op)                                           \
    }                                                            \
    catch (const Xapian::Error &e) {                             \
        return fail(op, e.get_description());                    \
    }                                                            \
    catch (const std::exception &e) {                            \
        return fail(op, e.what());                               \
    }                                                            \
    catch (...) {                                                \
        return fail(op, "unknown exception");                    \
    }

} // namespace

struct peer_xapian_tg {
    Xapian::TermGenerator tg;
};

struct peer_xapian_db {
    Xapian::WritableDatabase wdb; // unset when opened to search only
    Xapian::Database db;          // what searches read: wdb itself, or a reader
    Xapian::TermGenerator tg;
    Xapian::QueryParser qp;
    bool store = false;
};

struct peer_xapian_rank {
    Xapian::WritableDatabase db;
    Xapian::TermGenerator tg;
    Xapian::QueryParser qp;
    Xapian::SimpleStopper stopper;
    bool custom_bm25 = false;
    double k1 = 1, b = 0.5;
};

namespace {

void db_setup(peer_xapian_db *db)
{
    Xapian::Stem stem("english");
    db->tg.set_stemmer(stem);
    db->tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
    db->tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
    db->qp.set_stemmer(stem);
    db->qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    db->qp.set_default_op(Xapian::Query::OP_AND);
    db->qp.set_database(db->db);
}

Xapian::Query db_parse(peer_xapian_db *db, const char *query, size_t len)
{
    unsigned flags = Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_CJK_NGRAM;
    return db->qp.parse_query(std::string(query, len), flags);
}

} // namespace

extern "C" {

const char *peer_xapian_version(void)
{
    return Xapian::version_string();
}

const char *peer_xapian_error(void)
{
    return last_error;
}

int peer_xapian_tg_new(peer_xapian_tg **out, int cjk_ngram)
{
    *out = nullptr;
    PEER_TRY
    peer_xapian_tg *tg = new peer_xapian_tg;
    tg->tg.set_stemmer(Xapian::Stem("english"));
    if (cjk_ngram)
        tg->tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
    *out = tg;
    return 0;
    PEER_CATCH("TermGenerator")
}

void peer_xapian_tg_free(peer_xapian_tg *tg)
{
    delete tg;
}

int peer_xapian_tg_index(peer_xapian_tg *tg, const char *text, size_t len)
{
    PEER_TRY
    Xapian::Document doc;
    tg->tg.set_document(doc);
    tg->tg.set_termpos(0);
    tg->tg.index_text(Xapian::Utf8Iterator(text, len));
    return 0;
    PEER_CATCH("index_text")
}

int peer_xapian_tg_count(peer_xapian_tg *tg, const char *text, size_t len, uint64_t *terms)
{
    PEER_TRY
    Xapian::Document doc;
    tg->tg.set_document(doc);
    tg->tg.set_termpos(0);
    tg->tg.index_text(Xapian::Utf8Iterator(text, len));
    uint64_t n = 0;
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        const std::string &term = *t;
        if (term.empty() || term[0] != 'Z')
            n += t.get_wdf();
    }
    *terms = n;
    return 0;
    PEER_CATCH("index_text")
}

int peer_xapian_db_create(peer_xapian_db **out, const char *path, int store)
{
    *out = nullptr;
    PEER_TRY
    peer_xapian_db *db = new peer_xapian_db;
    try {
        db->wdb = Xapian::WritableDatabase(path, Xapian::DB_CREATE_OR_OVERWRITE);
    } catch (...) {
        delete db;
        throw;
    }
    db->db = db->wdb;
    db->store = store != 0;
    db_setup(db);
    *out = db;
    return 0;
    PEER_CATCH("WritableDatabase")
}

int peer_xapian_db_open(peer_xapian_db **out, const char *path)
{
    *out = nullptr;
    PEER_TRY
    peer_xapian_db *db = new peer_xapian_db;
    try {
        db->db = Xapian::Database(path);
    } catch (...) {
        delete db;
        throw;
    }
    db_setup(db);
    *out = db;
    return 0;
    PEER_CATCH("Database")
}

uint64_t peer_xapian_db_count(peer_xapian_db *db)
{
    try {
        return db->db.get_doccount();
    } catch (...) {
        return 0;
    }
}

int peer_xapian_db_add(peer_xapian_db *db, const char *text, size_t len)
{
    PEER_TRY
    Xapian::Document doc;
    db->tg.set_document(doc);
    db->tg.index_text(Xapian::Utf8Iterator(text, len));
    if (db->store)
        doc.set_data(std::string(text, len));
    db->wdb.add_document(doc);
    return 0;
    PEER_CATCH("add_document")
}

int peer_xapian_db_commit(peer_xapian_db *db)
{
    PEER_TRY
    db->wdb.commit();
    return 0;
    PEER_CATCH("commit")
}

int peer_xapian_db_search(peer_xapian_db *db, const char *query, size_t len,
                          uint32_t *docids, size_t cap, size_t *count)
{
    *count = 0;
    PEER_TRY
    Xapian::Query q = db_parse(db, query, len);
    Xapian::Enquire enquire(db->db);
    enquire.set_query(q);
    Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(cap));
    size_t n = 0;
    for (Xapian::MSetIterator m = mset.begin(); m != mset.end() && n < cap; ++m)
        docids[n++] = *m;
    *count = n;
    return 0;
    PEER_CATCH("search")
}

int peer_xapian_db_top(peer_xapian_db *db, const char *query, size_t len, uint32_t *docids,
                       size_t cap, size_t *count, uint64_t *data_bytes)
{
    *count = 0;
    PEER_TRY
    Xapian::Query q = db_parse(db, query, len);
    Xapian::Enquire enquire(db->db);
    enquire.set_query(q);
    Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(cap));
    size_t n = 0;
    uint64_t bytes = 0;
    for (Xapian::MSetIterator m = mset.begin(); m != mset.end() && n < cap; ++m) {
        docids[n++] = *m;
        bytes += m.get_document().get_data().size();
    }
    *count = n;
    *data_bytes += bytes;
    return 0;
    PEER_CATCH("search")
}

void peer_xapian_db_close(peer_xapian_db *db)
{
    if (!db)
        return;
    try {
        db->db.close();
    } catch (...) {
        // Closing only releases the lock and files here; nothing to report.
    }
    delete db;
}

int peer_xapian_compact(const char *src, const char *dst)
{
    PEER_TRY
    Xapian::Database db(src);
    db.compact(dst);
    return 0;
    PEER_CATCH("compact")
}

int peer_xapian_rank_new(peer_xapian_rank **out, const char *path, const char *const *stop,
                         size_t n_stop, double k1, double b)
{
    *out = nullptr;
    PEER_TRY
    peer_xapian_rank *r = new peer_xapian_rank;
    try {
        r->db = Xapian::WritableDatabase(path, Xapian::DB_CREATE_OR_OVERWRITE);
    } catch (...) {
        delete r;
        throw;
    }
    Xapian::Stem stem("english");
    r->tg.set_stemmer(stem);
    r->qp.set_stemmer(stem);
    r->qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    r->qp.set_default_op(Xapian::Query::OP_OR);
    r->qp.set_database(r->db);
    if (stop) {
        for (size_t i = 0; i < n_stop; i++)
            r->stopper.add(stop[i]);
        r->qp.set_stopper(&r->stopper);
    }
    if (k1 >= 0) {
        r->custom_bm25 = true;
        r->k1 = k1;
        r->b = b;
    }
    *out = r;
    return 0;
    PEER_CATCH("WritableDatabase")
}

int peer_xapian_rank_add(peer_xapian_rank *r, const char *text, size_t len)
{
    PEER_TRY
    Xapian::Document doc;
    r->tg.set_document(doc);
    r->tg.index_text(Xapian::Utf8Iterator(text, len));
    r->db.add_document(doc);
    return 0;
    PEER_CATCH("add_document")
}

int peer_xapian_rank_commit(peer_xapian_rank *r)
{
    PEER_TRY
    r->db.commit();
    return 0;
    PEER_CATCH("commit")
}

int peer_xapian_rank_search(peer_xapian_rank *r, const char *query, size_t len,
                            uint32_t *docids, size_t cap, size_t *count)
{
    *count = 0;
    PEER_TRY
    Xapian::Query q = r->qp.parse_query(std::string(query, len));
    Xapian::Enquire enquire(r->db);
    enquire.set_query(q);
    if (r->custom_bm25)
        enquire.set_weighting_scheme(Xapian::BM25Weight(r->k1, 0, 1, r->b, 0.5));
    Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(cap));
    size_t n = 0;
    for (Xapian::MSetIterator m = mset.begin(); m != mset.end() && n < cap; ++m)
        docids[n++] = *m;
    *count = n;
    return 0;
    PEER_CATCH("search")
}

void peer_xapian_rank_free(peer_xapian_rank *r)
{
    if (!r)
        return;
    try {
        r->db.close();
    } catch (...) {
        // Closing only releases the lock and files here; nothing to report.
    }
    delete r;
}

struct peer_xapian_docs {
    // One vector per shard, so that no two threads share a Document (its
    // reference count is not atomic).
    std::vector<std::vector<Xapian::Document> > shard;
    uint64_t n = 0;
};

int peer_xapian_docs_load(peer_xapian_docs **out, const char *path, unsigned shards)
{
    *out = NULL;
    PEER_TRY
    Xapian::Database db(path);
    peer_xapian_docs *d = new peer_xapian_docs;
    d->shard.resize(shards ? shards : 1);
    for (Xapian::PostingIterator p = db.postlist_begin(""); p != db.postlist_end(""); ++p) {
        Xapian::Document in = db.get_document(*p), doc;
        doc.set_data(in.get_data());
        for (Xapian::ValueIterator v = in.values_begin(); v != in.values_end(); ++v)
            doc.add_value(v.get_valueno(), *v);
        for (Xapian::TermIterator t = in.termlist_begin(); t != in.termlist_end(); ++t) {
            const std::string term = *t;
            for (Xapian::PositionIterator q = t.positionlist_begin(); q != t.positionlist_end();
                 ++q)
                doc.add_posting(term, *q, 0);
            doc.add_term(term, t.get_wdf());
        }
        d->shard[d->n++ % d->shard.size()].push_back(doc);
    }
    *out = d;
    return 0;
    PEER_CATCH("load")
}

uint64_t peer_xapian_docs_count(const peer_xapian_docs *d)
{
    return d->n;
}

int peer_xapian_docs_write(const peer_xapian_docs *d, const char *work, const char *out)
{
    const size_t n = d->shard.size();
    std::vector<std::string> paths(n), errors(n);
    std::vector<std::thread> threads;
    PEER_TRY
    for (size_t k = 0; k < n; k++)
        paths[k] = std::string(work) + "/shard" + std::to_string(k);
    try {
        for (size_t k = 0; k < n; k++)
            threads.emplace_back([&, k] {
            try {
                Xapian::WritableDatabase w(paths[k], Xapian::DB_CREATE_OR_OVERWRITE |
                                                         Xapian::DB_NO_SYNC);
                for (const Xapian::Document &doc : d->shard[k])
                    w.add_document(doc);
                w.commit();
            } catch (const Xapian::Error &e) {
                errors[k] = e.get_description();
            } catch (const std::exception &e) {
                errors[k] = e.what();
            }
        });
    } catch (...) {
        // A thread that could not start: wait for the others, then report.
        for (std::thread &t : threads)
            t.join();
        throw;
    }
    for (std::thread &t : threads)
        t.join();
    for (size_t k = 0; k < n; k++)
        if (!errors[k].empty())
            return fail("write", errors[k]);
    Xapian::Database all;
    for (size_t k = 0; k < n; k++)
        all.add_database(Xapian::Database(paths[k]));
    all.compact(out);
    return 0;
    PEER_CATCH("write")
}

void peer_xapian_docs_free(peer_xapian_docs *d)
{
    delete d;
}

} // extern "C"
