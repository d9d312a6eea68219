// xapian_search.cc: query trees to Xapian::Query, matching, and the MSet
// copied into C memory.
#include <string.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "xapian_shim_internal.hh"

extern "C" {
#include "alloc.h"
#include "doc.h"
#include "error.h"
}

namespace {

// Wildcards expand to at most this many terms, the most frequent ones, so a
// one-letter prefix stays affordable on a large index.
const Xapian::termcount WILDCARD_MAX_EXPANSION = SOU__WILDCARD_MAX;

// The terms that start with prefix, at most WILDCARD_MAX_EXPANSION of them
// (the most frequent; of equal ones the first in term order), as one
// synonym. Expanded here over the whole database rather than by Xapian's
// OP_WILDCARD, which expands shard by shard, so each shard would weigh the
// synonym by its own statistics: scores would then depend on how the
// collection is split.
Xapian::Query expand_wildcard(const Xapian::Database &db, const std::string &prefix)
{
    std::vector<std::pair<Xapian::doccount, std::string>> terms;
    for (Xapian::TermIterator t = db.allterms_begin(prefix); t != db.allterms_end(prefix); ++t)
        terms.emplace_back(t.get_termfreq(), *t);
    if (terms.size() > WILDCARD_MAX_EXPANSION) {
        std::stable_sort(terms.begin(), terms.end(),
                         [](const std::pair<Xapian::doccount, std::string> &a,
                            const std::pair<Xapian::doccount, std::string> &b) {
                             return a.first > b.first;
                         });
        terms.resize(WILDCARD_MAX_EXPANSION);
    }
    std::vector<Xapian::Query> kids;
    kids.reserve(terms.size());
    for (const auto &t : terms)
        kids.emplace_back(t.second);
    if (kids.empty())
        return Xapian::Query::MatchNothing;
    return Xapian::Query(Xapian::Query::OP_SYNONYM, kids.begin(), kids.end());
}

// db: where wildcards expand; NULL leaves them as OP_WILDCARD (to describe
// a query only).
Xapian::Query to_query(const sou__qnode *n, const Xapian::Database *db)
{
    std::vector<Xapian::Query> kids;
    kids.reserve(n->nkids);
    for (size_t i = 0; i < n->nkids; i++)
        kids.push_back(to_query(n->kids[i], db));

    switch (n->op) {
    case SOU__Q_TERM:
        return Xapian::Query(std::string(n->term, n->term_len), n->wqf ? n->wqf : 1);
    case SOU__Q_WILDCARD:
        if (db)
            return expand_wildcard(*db, std::string(n->term, n->term_len));
        return Xapian::Query(Xapian::Query::OP_WILDCARD, std::string(n->term, n->term_len),
                             WILDCARD_MAX_EXPANSION, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
    case SOU__Q_PHRASE:
        // Window = number of terms: the terms at adjacent positions, in order.
        return Xapian::Query(Xapian::Query::OP_PHRASE, kids.begin(), kids.end(),
                             static_cast<Xapian::termcount>(kids.size()));
    case SOU__Q_NEAR:
        return Xapian::Query(Xapian::Query::OP_NEAR, kids.begin(), kids.end(),
                             static_cast<Xapian::termcount>(n->window ? n->window : kids.size()));
    case SOU__Q_AND: {
        // Ranges filter: they add no weight, and OP_FILTER says so.
        std::vector<Xapian::Query> scored, filters;
        for (size_t i = 0; i < n->nkids; i++)
            (n->kids[i]->op == SOU__Q_RANGE ? filters : scored).push_back(kids[i]);
        if (filters.empty() || scored.empty())
            return Xapian::Query(Xapian::Query::OP_AND, kids.begin(), kids.end());
        return Xapian::Query(Xapian::Query::OP_FILTER,
                             Xapian::Query(Xapian::Query::OP_AND, scored.begin(), scored.end()),
                             Xapian::Query(Xapian::Query::OP_AND, filters.begin(), filters.end()));
    }
    case SOU__Q_RANGE: {
        const Xapian::valueno slot = n->slot;
        if (n->has_lo && n->has_hi)
            return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot,
                                 Xapian::sortable_serialise(n->lo),
                                 Xapian::sortable_serialise(n->hi));
        if (n->has_lo)
            return Xapian::Query(Xapian::Query::OP_VALUE_GE, slot,
                                 Xapian::sortable_serialise(n->lo));
        if (n->has_hi)
            return Xapian::Query(Xapian::Query::OP_VALUE_LE, slot,
                                 Xapian::sortable_serialise(n->hi));
        // "name:..": the documents that have the value at all. Every
        // stored value sorts at or after "\0"; a missing one is empty.
        return Xapian::Query(Xapian::Query::OP_VALUE_GE, slot, std::string(1, '\0'));
    }
    case SOU__Q_OR:
        return Xapian::Query(Xapian::Query::OP_OR, kids.begin(), kids.end());
    case SOU__Q_SYNONYM:
        if (kids.size() == 1)
            return kids[0];
        return Xapian::Query(Xapian::Query::OP_SYNONYM, kids.begin(), kids.end());
    case SOU__Q_AND_NOT:
        if (kids.empty())
            return Xapian::Query::MatchNothing;
        return Xapian::Query(Xapian::Query::OP_AND_NOT, kids.begin(), kids.end());
    case SOU__Q_AND_MAYBE:
        if (kids.empty())
            return Xapian::Query::MatchNothing;
        return Xapian::Query(Xapian::Query::OP_AND_MAYBE, kids.begin(), kids.end());
    case SOU__Q_ALL:
        // Every document, weighing nothing: a browse comes in docid order.
        return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query::MatchAll, 0.0);
    case SOU__Q_NOTHING:
        return Xapian::Query::MatchNothing;
    case SOU__Q_SCALE:
        if (kids.empty())
            return Xapian::Query::MatchNothing;
        return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, kids[0],
                             static_cast<double>(n->wqf ? n->wqf : 1));
    }
    return Xapian::Query::MatchNothing;
}

Xapian::doccount clamp(uint64_t v)
{
    const uint64_t dc_max = Xapian::doccount(-1);
    return static_cast<Xapian::doccount>(v < dc_max ? v : dc_max);
}

// The match at it as the next hit of m (room for it made by the caller).
int copy_hit(sou__xmatch *m, const Xapian::MSetIterator &it, int level, double score)
{
    sou__xhit *h = &m->hits[m->count];
    std::string data = it.get_document().get_data();
    h->docid = *it;
    h->level = level;
    h->matched = 0;
    h->score = score;
    h->data = sou__strndup(data.data(), data.size());
    if (!h->data)
        return SOU_ENOMEM;
    h->data_len = data.size();
    m->count++;
    return SOU_OK;
}

int copy_hits(sou__xmatch *m, const Xapian::MSet &mset, int level, bool sorted)
{
    // All the page's documents in one go: a remote shard then sends them
    // in one round trip rather than one each. Not past the first page:
    // Xapian 1.4's fetch reads outside the MSet when it does not start at
    // the first match.
    if (mset.get_firstitem() == 0)
        mset.fetch();
    for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it)
        // The public contract: no relevance score when sorted by value.
        if (copy_hit(m, it, level, sorted ? 0.0 : it.get_weight()) != SOU_OK)
            return SOU_ENOMEM;
    return SOU_OK;
}

// Some documents of one database by their docids, weighing nothing: what
// a level scored again is restricted to. Local only (not serialisable).
class DocidSource : public Xapian::PostingSource {
    std::vector<Xapian::docid> dids; // ascending
    size_t at = 0;
    bool started = false;

  public:
    explicit DocidSource(std::vector<Xapian::docid> d) : dids(std::move(d))
    {
        std::sort(dids.begin(), dids.end());
        dids.erase(std::unique(dids.begin(), dids.end()), dids.end());
    }
    Xapian::doccount get_termfreq_min() const override { return 0; }
    Xapian::doccount get_termfreq_est() const override { return dids.size(); }
    Xapian::doccount get_termfreq_max() const override { return dids.size(); }
    void init(const Xapian::Database &) override
    {
        at = 0;
        started = false;
    }
    void next(double) override
    {
        if (started)
            at++;
        started = true;
    }
    void skip_to(Xapian::docid did, double) override
    {
        started = true;
        while (at < dids.size() && dids[at] < did)
            at++;
    }
    bool at_end() const override { return started && at >= dids.size(); }
    Xapian::docid get_docid() const override { return dids[at]; }
    DocidSource *clone() const override { return new DocidSource(dids); }
};

// Some matched documents, to find again in a later query: in one directory
// by their docids (no termlist or data to read); in a stub, where the
// joined database numbers documents apart from its shards, by their id
// terms, read from their data, which a remote shard sends for a whole
// MSet at once.
class DocSet {
    bool by_docid;
    std::vector<Xapian::docid> dids;
    std::vector<Xapian::Query> ids;

  public:
    explicit DocSet(const sou__xdb *db) : by_docid(db->shards.empty()) {}

    // The first n matches of mset.
    void add(const Xapian::MSet &mset, size_t n)
    {
        Xapian::MSetIterator end = mset.begin();
        for (size_t k = 0; k < n && end != mset.end(); k++)
            ++end;
        if (by_docid) {
            for (Xapian::MSetIterator it = mset.begin(); it != end; ++it)
                dids.push_back(*it);
            return;
        }
        mset.fetch(mset.begin(), end);
        for (Xapian::MSetIterator it = mset.begin(); it != end; ++it) {
            const std::string data = it.get_document().get_data();
            const char *id;
            size_t id_len;
            if (sou__doc_stored_id(data.data(), data.size(), &id, &id_len))
                ids.push_back(Xapian::Query("Q" + std::string(id, id_len)));
        }
    }

    // Document did of db.
    void add_docid(const Xapian::Database &db, Xapian::docid did)
    {
        if (by_docid) {
            dids.push_back(did);
            return;
        }
        Xapian::TermIterator t = db.termlist_begin(did);
        t.skip_to("Q");
        if (t != db.termlist_end(did) && !(*t).empty() && (*t)[0] == 'Q')
            ids.push_back(Xapian::Query(*t));
    }

    // The documents as a query that weighs nothing.
    Xapian::Query query() const
    {
        if (by_docid) // release(): the query owns the source.
            return Xapian::Query((new DocidSource(dids))->release());
        return Xapian::Query(Xapian::Query::OP_OR, ids.begin(), ids.end());
    }
};

// The first window matches of base (a level's query q), scored again as
// q AND_MAYBE proximity: a match of q has the same weight there plus what
// its words close together add, so only they need their positions read.
Xapian::MSet proximity_top(sou__xdb *db, const Xapian::Query &q, const Xapian::Query &proximity,
                           const Xapian::MSet &base, size_t window, const sou__xsearch *params)
{
    DocSet only(db);
    only.add(base, window);
    Xapian::Enquire enquire(db->db);
    enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER,
                                    Xapian::Query(Xapian::Query::OP_AND_MAYBE, q, proximity),
                                    only.query()));
    enquire.set_weighting_scheme(Xapian::BM25Weight(params->k1, 0, 1, params->b, 0.5));
    return enquire.get_mset(0, clamp(window));
}

// Hits [from, to) of a level whose first window matches were scored again
// into top (best first): those come from top, the rest from base, whose
// weights are all at or below the window's.
int copy_rescored(sou__xmatch *m, const Xapian::MSet &top, size_t window,
                  const Xapian::MSet &base, size_t from, size_t to, int level)
{
    // The window's documents up to the page's end in one go (a remote
    // shard's in one round trip), from top's first match on.
    if (from < window && top.size() > 0) {
        Xapian::MSetIterator end = top.begin();
        for (size_t i = 0; i < to && i < window && end != top.end(); i++)
            ++end;
        top.fetch(top.begin(), end);
    }
    for (size_t i = from; i < to; i++) {
        const bool in_top = i < window;
        Xapian::MSetIterator it = in_top ? top[static_cast<Xapian::doccount>(i)]
                                         : base[static_cast<Xapian::doccount>(i)];
        if (copy_hit(m, it, level, it.get_weight()) != SOU_OK)
            return SOU_ENOMEM;
    }
    return SOU_OK;
}

// Add every document of a level (n of them, all fewer than a page) to
// done. A later level leaves them out by that set rather than by the
// level's query: Xapian 1.4 reads uninitialised memory (valgrind shows it,
// and under AddressSanitizer it returns wrong matches) when an AND_MAYBE
// over a phrase stands on both sides of an AND_NOT.
void exclude_level(sou__xdb *db, const Xapian::Query &q, uint64_t n, DocSet &done)
{
    if (n == 0)
        return;
    Xapian::Enquire enquire(db->db);
    enquire.set_query(q);
    enquire.set_weighting_scheme(Xapian::BoolWeight());
    Xapian::MSet all = enquire.get_mset(0, clamp(n));
    done.add(all, all.size());
}

// The counts of a spy into f, the most frequent value first.
int copy_facet(const Xapian::ValueCountMatchSpy &spy, sou__xfacet *f)
{
    std::vector<std::pair<double, uint64_t> > v;
    for (Xapian::TermIterator t = spy.values_begin(); t != spy.values_end(); ++t)
        v.push_back(std::make_pair(Xapian::sortable_unserialise(*t),
                                   static_cast<uint64_t>(t.get_termfreq())));
    std::sort(v.begin(), v.end(),
              [](const std::pair<double, uint64_t> &a, const std::pair<double, uint64_t> &b) {
                  return a.second != b.second ? a.second > b.second : a.first < b.first;
              });
    f->n = 0;
    if (v.empty())
        return SOU_OK;
    f->values = static_cast<double *>(sou__malloc(v.size() * sizeof *f->values));
    f->counts = static_cast<uint64_t *>(sou__malloc(v.size() * sizeof *f->counts));
    if (!f->values || !f->counts)
        return SOU_ENOMEM;
    for (size_t i = 0; i < v.size(); i++) {
        f->values[i] = v[i].first;
        f->counts[i] = v[i].second;
    }
    f->n = v.size();
    return SOU_OK;
}

// One attempt at the match over the levels; DatabaseModifiedError escapes
// to the caller.
sou__xmatch *run(sou__xdb *db, sou__qnode *const *levels, size_t nlevels,
                 const sou__xsearch *params)
{
    const uint64_t need = static_cast<uint64_t>(params->offset) + params->limit;
    uint64_t skip = params->offset;
    size_t left = params->limit;
    // The documents of the levels run so far: fewer than the page needs,
    // since otherwise no later level runs.
    DocSet done(db);
    Xapian::Query before;
    bool any_before = false;

    sou__xmatch *m = static_cast<sou__xmatch *>(sou__calloc(1, sizeof *m));
    if (!m)
        return NULL;
    m->total_exact = 1;
    size_t cap = 0;
    // One spy per facet, shared by the levels: they match apart, so the
    // counts add up. A spy sees every match only when the match is
    // counted exactly to its end: check_at_least of the whole database.
    std::vector<std::unique_ptr<Xapian::ValueCountMatchSpy> > spies;
    const uint64_t all_docs = params->nfacets ? db->db.get_doccount() : 0;
    try {
        for (size_t f = 0; f < params->nfacets; f++)
            spies.emplace_back(new Xapian::ValueCountMatchSpy(params->facet_slots[f]));
        for (size_t l = 0; l < nlevels && l < 3; l++) {
            if (!levels[l])
                continue;
            // A later level only fills a page the earlier ones left short;
            // facets count the levels run, the matches the total counts.
            if (any_before && m->total >= need)
                break;
            Xapian::Query level_q = to_query(levels[l], &db->db);
            Xapian::Query q = any_before
                                  ? Xapian::Query(Xapian::Query::OP_AND_NOT, level_q, before)
                                  : level_q;
            Xapian::Enquire enquire(db->db);
            enquire.set_query(q);
            enquire.set_weighting_scheme(Xapian::BM25Weight(params->k1, 0, 1, params->b, 0.5));
            if (params->sort_slot >= 0)
                enquire.set_sort_by_value_then_relevance(
                    static_cast<Xapian::valueno>(params->sort_slot), !params->sort_ascending);
            // Exact up to the threshold, and always past the page, so that
            // a level left short is counted exactly and the next level
            // knows where to start.
            uint64_t check = skip + left;
            if (params->exact_up_to > check)
                check = params->exact_up_to;
            if (all_docs > check)
                check = all_docs;
            for (size_t f = 0; f < spies.size(); f++)
                enquire.add_matchspy(spies[f].get());
            const bool rescore = l == 0 && params->proximity && params->sort_slot < 0 &&
                                 params->proximity_window > 0;
            Xapian::MSet mset, top;
            size_t from = 0, window = 0;
            if (rescore) {
                // Level 0 from its first match, through the window and the
                // page; the window is then scored again with proximity.
                uint64_t want = skip + left;
                if (want < params->proximity_window)
                    want = params->proximity_window;
                if (check < want)
                    check = want;
                mset = enquire.get_mset(0, clamp(want), clamp(check));
                window = std::min<size_t>(mset.size(), params->proximity_window);
                top = proximity_top(db, level_q, to_query(params->proximity, &db->db), mset,
                                    window, params);
                if (top.size() != window)
                    window = 0; // a match without its id term: keep the order of q

                from = static_cast<size_t>(std::min<uint64_t>(skip, mset.size()));
            } else {
                mset = enquire.get_mset(clamp(skip), clamp(left), clamp(check));
            }
            uint64_t lower = mset.get_matches_lower_bound();
            uint64_t upper = mset.get_matches_upper_bound();
            uint64_t est = mset.get_matches_estimated();
            bool exact = lower == upper;
            m->level_total[l] = exact ? lower : (params->exact_up_to ? lower : est);
            m->total += m->level_total[l];
            if (!exact)
                m->total_exact = 0;
            m->levels_run = static_cast<int>(l) + 1;
            size_t got = rescore ? std::min<size_t>(mset.size() - from, left) : mset.size();
            if (got > 0 &&
                sou__grow(reinterpret_cast<void **>(&m->hits), &cap, m->count + got,
                          sizeof *m->hits) != SOU_OK) {
                sou__xmatch_free(m);
                return NULL;
            }
            int crc = rescore ? copy_rescored(m, top, window, mset, from, from + got, static_cast<int>(l))
                              : copy_hits(m, mset, static_cast<int>(l), params->sort_slot >= 0);
            if (crc != SOU_OK) {
                sou__xmatch_free(m);
                return NULL;
            }
            left -= got;
            skip = skip > m->level_total[l] ? skip - m->level_total[l] : 0;
            bool later = false;
            for (size_t k = l + 1; k < nlevels && k < 3; k++)
                later = later || levels[k] != NULL;
            if (later && m->total < need)
                exclude_level(db, q, m->level_total[l], done);
            before = done.query();
            any_before = true;
        }
        if (!spies.empty()) {
            m->facets = static_cast<sou__xfacet *>(sou__calloc(spies.size(), sizeof *m->facets));
            if (!m->facets) {
                sou__xmatch_free(m);
                return NULL;
            }
            m->nfacets = spies.size();
            for (size_t f = 0; f < spies.size(); f++)
                if (copy_facet(*spies[f], &m->facets[f]) != SOU_OK) {
                    sou__xmatch_free(m);
                    return NULL;
                }
        }
    } catch (...) {
        sou__xmatch_free(m);
        throw;
    }
    return m;
}

} // namespace

extern "C" int sou__xdb_search(sou__xdb *db, sou__qnode *const *levels, size_t nlevels,
                               const sou__xsearch *params, sou__xmatch **out)
{
    if (!out)
        return sou__error_set(SOU_EINVAL, "search: out is NULL");
    *out = NULL;
    if (!db || !levels || !nlevels || !params)
        return sou__error_set(SOU_EINVAL, "search: invalid arguments");
    SOU__XAPIAN_TRY
    return sou__xapian_read_retry(db, "search", [&]() -> int {
        sou__xmatch *m = run(db, levels, nlevels, params);
        if (!m)
            return SOU_ENOMEM;
        *out = m;
        return SOU_OK;
    });
    SOU__XAPIAN_CATCH("search")
}

extern "C" int sou__xdb_words_matched(sou__xdb *db, sou__qnode *const *words, size_t nwords,
                                      const uint32_t *docids, size_t ndocs, uint32_t *matched)
{
    if (!db || (!words && nwords) || (!docids && ndocs) || (!matched && ndocs))
        return sou__error_set(SOU_EINVAL, "words matched: invalid arguments");
    for (size_t i = 0; i < ndocs; i++)
        matched[i] = 0;
    if (!nwords || !ndocs)
        return SOU_OK;
    SOU__XAPIAN_TRY
    return sou__xapian_read_retry(db, "words matched", [&]() -> int {
        // The page's documents, each word filtered by them: a match is a
        // document of the page that has the word.
        DocSet page(db);
        for (size_t i = 0; i < ndocs; i++)
            page.add_docid(db->db, docids[i]);
        const Xapian::Query only = page.query();
        // Where each docid stands on the page, sorted for look-up.
        std::vector<std::pair<Xapian::docid, size_t>> at;
        at.reserve(ndocs);
        for (size_t i = 0; i < ndocs; i++)
            at.emplace_back(docids[i], i);
        std::sort(at.begin(), at.end());
        for (size_t i = 0; i < ndocs; i++)
            matched[i] = 0;
        for (size_t w = 0; w < nwords; w++) {
            Xapian::Enquire enquire(db->db);
            enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER, to_query(words[w], &db->db), only));
            enquire.set_weighting_scheme(Xapian::BoolWeight());
            Xapian::MSet mset = enquire.get_mset(0, clamp(ndocs));
            for (Xapian::MSetIterator it = mset.begin(); it != mset.end(); ++it) {
                auto lo = std::lower_bound(at.begin(), at.end(),
                                           std::make_pair(*it, static_cast<size_t>(0)));
                for (; lo != at.end() && lo->first == *it; ++lo)
                    matched[lo->second]++;
            }
        }
        return SOU_OK;
    });
    SOU__XAPIAN_CATCH("words matched")
}

extern "C" void sou__xmatch_free(sou__xmatch *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->count; i++)
        sou__free(m->hits[i].data);
    sou__free(m->hits);
    for (size_t f = 0; f < m->nfacets; f++) {
        sou__free(m->facets[f].values);
        sou__free(m->facets[f].counts);
    }
    sou__free(m->facets);
    sou__free(m);
}

extern "C" int sou__xdb_count(sou__xdb *db, const sou__qnode *q, uint64_t check,
                              uint64_t *count, int *exact)
{
    if (!db || !q || !count || !exact)
        return sou__error_set(SOU_EINVAL, "count: invalid arguments");
    *count = 0;
    *exact = 1;
    SOU__XAPIAN_TRY
    return sou__xapian_read_retry(db, "count", [&]() -> int {
        Xapian::Enquire enquire(db->db);
        enquire.set_query(to_query(q, &db->db));
        enquire.set_weighting_scheme(Xapian::BoolWeight());
        Xapian::MSet mset = enquire.get_mset(0, 0, clamp(check ? check : 1));
        *exact = mset.get_matches_lower_bound() == mset.get_matches_upper_bound();
        *count = *exact ? mset.get_matches_lower_bound() : mset.get_matches_estimated();
        return SOU_OK;
    });
    SOU__XAPIAN_CATCH("count")
}

namespace {

// Levenshtein distance of a and b, or more than max when it exceeds max
// (one row, cut short once every cell of a row is over max).
size_t edit_distance(const std::string &a, const char *b, size_t blen, size_t max)
{
    size_t alen = a.size();
    if ((alen > blen ? alen - blen : blen - alen) > max)
        return max + 1;
    std::vector<size_t> row(blen + 1);
    for (size_t j = 0; j <= blen; j++)
        row[j] = j;
    for (size_t i = 1; i <= alen; i++) {
        size_t diag = row[0], best = i;
        row[0] = i;
        for (size_t j = 1; j <= blen; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t v = diag + cost;
            if (up + 1 < v)
                v = up + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            row[j] = v;
            diag = up;
            if (v < best)
                best = v;
        }
        if (best > max)
            return max + 1;
    }
    return row[blen];
}

bool all_lower_ascii(const std::string &s, size_t from)
{
    if (s.size() <= from)
        return false;
    for (size_t i = from; i < s.size(); i++)
        if (s[i] < 'a' || s[i] > 'z')
            return false;
    return true;
}

} // namespace

namespace {
int suggest_once(sou__xdb *db, const char *const *prefixes, size_t nprefixes, const char *word,
                 size_t len, char **out);
} // namespace

extern "C" int sou__xdb_suggest(sou__xdb *db, const char *const *prefixes, size_t nprefixes,
                                const char *word, size_t len, char **out)
{
    if (!db || !prefixes || !word || !out)
        return sou__error_set(SOU_EINVAL, "suggest: invalid arguments");
    *out = NULL;
    if (len < 3 || len > 64)
        return SOU_OK;
    SOU__XAPIAN_TRY
    return sou__xapian_read_retry(
        db, "suggest", [&]() -> int { return suggest_once(db, prefixes, nprefixes, word, len, out); });
    SOU__XAPIAN_CATCH("suggest")
}

namespace {

int suggest_once(sou__xdb *db, const char *const *prefixes, size_t nprefixes, const char *word,
                 size_t len, char **out)
{
    const size_t max = len >= 5 ? 2 : 1;
    std::string best;
    size_t best_d = max + 1;
    Xapian::doccount best_f = 0;
    for (size_t p = 0; p < nprefixes; p++) {
        const std::string prefix(prefixes[p]);
        // Latin words of the field: the prefix, then lower-case letters.
        Xapian::TermIterator t = db->db.allterms_begin(prefix);
        Xapian::TermIterator end = db->db.allterms_end(prefix);
        t.skip_to(prefix + "a");
        for (; t != end; ++t) {
            const std::string term = *t;
            if (term.size() <= prefix.size() || term[prefix.size()] > 'z')
                break;
            if (!all_lower_ascii(term, prefix.size()))
                continue;
            std::string w = term.substr(prefix.size());
            if (w.size() == len && memcmp(w.data(), word, len) == 0)
                continue;
            size_t d = edit_distance(w, word, len, max);
            if (d > max)
                continue;
            Xapian::doccount f = t.get_termfreq();
            if (d < best_d || (d == best_d && f > best_f)) {
                best = w;
                best_d = d;
                best_f = f;
            }
        }
    }
    if (best.empty())
        return SOU_OK;
    *out = sou__strndup(best.data(), best.size());
    return *out ? SOU_OK : SOU_ENOMEM;
}

} // namespace

extern "C" int sou__xquery_describe(const sou__qnode *q, char **out)
{
    if (!out)
        return sou__error_set(SOU_EINVAL, "describe: out is NULL");
    *out = NULL;
    if (!q)
        return sou__error_set(SOU_EINVAL, "describe: query is NULL");
    SOU__XAPIAN_TRY
    std::string d = to_query(q, nullptr).get_description();
    *out = sou__strndup(d.data(), d.size());
    return *out ? SOU_OK : SOU_ENOMEM;
    SOU__XAPIAN_CATCH("describe")
}
