// headertest.cc: sou.h compiles as C++ and links with C linkage.
#include "sou.h"

int sou_headertest_cxx();
int sou_headertest_cxx()
{
    sou_analyzer_options a = SOU_ANALYZER_OPTIONS_INIT;
    sou_search_options s = SOU_SEARCH_OPTIONS_INIT;
    const char *(*f)(int) = sou_strerror;
    return static_cast<int>(a.version + s.version) + (f != nullptr);
}
