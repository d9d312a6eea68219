// xapian_shim_internal.hh: what the shim's C++ files share. Included only by
// xapian_shim.cc and xapian_search.cc.
#ifndef SOU_LIB_XAPIAN_SHIM_INTERNAL_HH
#define SOU_LIB_XAPIAN_SHIM_INTERNAL_HH

#include <vector>

#include <xapian.h>

#include "xapian_shim.h"

extern "C" {
#include "error.h"
}
#include "sou.h"

struct sou__xdb {
    Xapian::Database db;         // the reading handle (the writer when writable)
    Xapian::WritableDatabase wdb; // valid when writable
    bool writable;
    bool in_txn;
    // A stub's shards, in the order listed; those not open are left out of db.
    std::vector<Xapian::Database> shards;
    std::vector<bool> shard_open;
    // The writers: wdb alone for a directory; a writable stub's shards, in
    // the order listed, a document going to the one its id routes to.
    std::vector<Xapian::WritableDatabase> wshards;
};

struct sou__xdoc {
    Xapian::Document doc;
};

// Turn the exception in flight into a sou code and message; call from a
// catch (...) block only. what names the operation ("open", "commit", ...).
int sou__xapian_translate(const char *what);

// Every shim entry point is wrapped in this, so nothing is thrown to C.
#define SOU__XAPIAN_TRY try {
#define SOU__XAPIAN_CATCH(what)           \
    }                                     \
    catch (...)                           \
    {                                     \
        return sou__xapian_translate(what); \
    }

// Run a read; a reader whose revision was recycled under it by a writer gets
// DatabaseModifiedError, which a reopen cures unless the writer is fast
// enough to do it again. fn returns a sou code; other exceptions escape to
// the caller's SOU__XAPIAN_CATCH.
template <typename F>
int sou__xapian_read_retry(sou__xdb *db, const char *what, F fn)
{
    try {
        return fn();
    } catch (const Xapian::DatabaseModifiedError &) {
        db->db.reopen();
    }
    try {
        return fn();
    } catch (const Xapian::DatabaseModifiedError &e) {
        return sou__error_set(SOU_EMODIFIED, "%s: index modified twice while reading: %s", what,
                              e.get_msg().c_str());
    }
}

#endif
