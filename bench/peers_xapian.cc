// peers_xapian.cc: the Xapian rows of sou-bench, behind peers_xapian.h.
#include "peers_xapian.h"

#include <xapian.h>

#include <cstdio>
#include <exception>
#include <new>
#include <string>

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
    Xapian::WritableDatabase db;
    Xapian::TermGenerator tg;
    Xapian::QueryParser qp;
};

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

int peer_xapian_db_create(peer_xapian_db **out, const char *path)
{
    *out = nullptr;
    PEER_TRY
    peer_xapian_db *db = new peer_xapian_db;
    try {
        db->db = Xapian::WritableDatabase(path, Xapian::DB_CREATE_OR_OVERWRITE);
    } catch (...) {
        delete db;
        throw;
    }
    Xapian::Stem stem("english");
    db->tg.set_stemmer(stem);
    db->tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
    db->qp.set_stemmer(stem);
    db->qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    db->qp.set_default_op(Xapian::Query::OP_AND);
    db->qp.set_database(db->db);
    *out = db;
    return 0;
    PEER_CATCH("WritableDatabase")
}

int peer_xapian_db_add(peer_xapian_db *db, const char *text, size_t len)
{
    PEER_TRY
    Xapian::Document doc;
    db->tg.set_document(doc);
    db->tg.index_text(Xapian::Utf8Iterator(text, len));
    db->db.add_document(doc);
    return 0;
    PEER_CATCH("add_document")
}

int peer_xapian_db_commit(peer_xapian_db *db)
{
    PEER_TRY
    db->db.commit();
    return 0;
    PEER_CATCH("commit")
}

int peer_xapian_db_search(peer_xapian_db *db, const char *query, size_t len,
                          uint32_t *docids, size_t cap, size_t *count)
{
    *count = 0;
    PEER_TRY
    unsigned flags = Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_CJK_NGRAM;
    Xapian::Query q = db->qp.parse_query(std::string(query, len), flags);
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

} // extern "C"
