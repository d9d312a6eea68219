// xapian_search.cc: query trees to Xapian::Query, matching, and the MSet
// copied into C memory.
#include <string.h>

#include <string>
#include <vector>

#include "xapian_shim_internal.hh"

extern "C" {
#include "alloc.h"
#include "error.h"
}

namespace {

// Wildcards expand to at most this many terms, the most frequent ones, so a
// one-letter prefix stays affordable on a large index.
const Xapian::termcount WILDCARD_MAX_EXPANSION = 1000;

Xapian::Query to_query(const sou__qnode *n)
{
    std::vector<Xapian::Query> kids;
    kids.reserve(n->nkids);
    for (size_t i = 0; i < n->nkids; i++)
        kids.push_back(to_query(n->kids[i]));

    switch (n->op) {
    case SOU__Q_TERM:
        return Xapian::Query(std::string(n->term, n->term_len), n->wqf ? n->wqf : 1);
    case SOU__Q_WILDCARD:
        return Xapian::Query(Xapian::Query::OP_WILDCARD, std::string(n->term, n->term_len),
                             WILDCARD_MAX_EXPANSION, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
    case SOU__Q_PHRASE:
        // Window = number of terms: the terms at adjacent positions, in order.
        return Xapian::Query(Xapian::Query::OP_PHRASE, kids.begin(), kids.end(),
                             static_cast<Xapian::termcount>(kids.size()));
    case SOU__Q_AND:
        return Xapian::Query(Xapian::Query::OP_AND, kids.begin(), kids.end());
    case SOU__Q_OR:
        return Xapian::Query(Xapian::Query::OP_OR, kids.begin(), kids.end());
    case SOU__Q_AND_NOT:
        if (kids.empty())
            return Xapian::Query::MatchNothing;
        return Xapian::Query(Xapian::Query::OP_AND_NOT, kids.begin(), kids.end());
    case SOU__Q_AND_MAYBE:
        if (kids.empty())
            return Xapian::Query::MatchNothing;
        return Xapian::Query(Xapian::Query::OP_AND_MAYBE, kids.begin(), kids.end());
    case SOU__Q_ALL:
        return Xapian::Query::MatchAll;
    case SOU__Q_NOTHING:
        return Xapian::Query::MatchNothing;
    }
    return Xapian::Query::MatchNothing;
}

// One attempt at the match; DatabaseModifiedError escapes to the caller.
sou__xmatch *run(sou__xdb *db, const Xapian::Query &query, const sou__xsearch *params)
{
    Xapian::Enquire enquire(db->db);
    enquire.set_query(query);
    enquire.set_weighting_scheme(Xapian::BM25Weight(params->k1, 0, 1, params->b, 0.5));
    if (params->sort_slot >= 0)
        enquire.set_sort_by_value_then_relevance(static_cast<Xapian::valueno>(params->sort_slot),
                                                 !params->sort_ascending);

    const uint64_t dc_max = Xapian::doccount(-1);
    uint64_t first = params->offset < dc_max ? params->offset : dc_max;
    uint64_t max = params->limit < dc_max ? params->limit : dc_max;
    // Looking a little past the page keeps the total exact on small indexes.
    uint64_t check = first + max + 100 < dc_max ? first + max + 100 : dc_max;
    Xapian::MSet mset = enquire.get_mset(static_cast<Xapian::doccount>(first),
                                         static_cast<Xapian::doccount>(max),
                                         static_cast<Xapian::doccount>(check));

    sou__xmatch *m = static_cast<sou__xmatch *>(sou__calloc(1, sizeof *m));
    if (!m)
        return NULL;
    m->total = mset.get_matches_estimated();
    if (mset.size() > 0) {
        m->hits = static_cast<sou__xhit *>(sou__calloc(mset.size(), sizeof *m->hits));
        if (!m->hits) {
            sou__xmatch_free(m);
            return NULL;
        }
    }
    try {
        for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it) {
            sou__xhit *h = &m->hits[m->count];
            std::string data = it.get_document().get_data();
            h->docid = *it;
            // The public contract: no relevance score when sorted by value.
            h->score = params->sort_slot >= 0 ? 0.0 : it.get_weight();
            h->data = sou__strndup(data.data(), data.size());
            if (!h->data) {
                sou__xmatch_free(m);
                return NULL;
            }
            h->data_len = data.size();
            m->count++;
        }
    } catch (...) {
        sou__xmatch_free(m);
        throw;
    }
    return m;
}

} // namespace

extern "C" int sou__xdb_search(sou__xdb *db, const sou__qnode *q, const sou__xsearch *params,
                               sou__xmatch **out)
{
    if (!out)
        return sou__error_set(SOU_EINVAL, "search: out is NULL");
    *out = NULL;
    if (!db || !q || !params)
        return sou__error_set(SOU_EINVAL, "search: invalid arguments");
    SOU__XAPIAN_TRY
    Xapian::Query query = to_query(q);
    for (int attempt = 0;; attempt++) {
        try {
            sou__xmatch *m = run(db, query, params);
            if (!m)
                return SOU_ENOMEM;
            *out = m;
            return SOU_OK;
        } catch (const Xapian::DatabaseModifiedError &e) {
            if (attempt > 0)
                return sou__error_set(SOU_EMODIFIED, "search: %s", e.get_msg().c_str());
            db->db.reopen();
        }
    }
    SOU__XAPIAN_CATCH("search")
}

extern "C" void sou__xmatch_free(sou__xmatch *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->count; i++)
        sou__free(m->hits[i].data);
    sou__free(m->hits);
    sou__free(m);
}

extern "C" int sou__xquery_describe(const sou__qnode *q, char **out)
{
    if (!out)
        return sou__error_set(SOU_EINVAL, "describe: out is NULL");
    *out = NULL;
    if (!q)
        return sou__error_set(SOU_EINVAL, "describe: query is NULL");
    SOU__XAPIAN_TRY
    std::string d = to_query(q).get_description();
    *out = sou__strndup(d.data(), d.size());
    return *out ? SOU_OK : SOU_ENOMEM;
    SOU__XAPIAN_CATCH("describe")
}
