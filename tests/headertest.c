/* headertest.c: sou.h is clean C99 on its own. */
#include "sou.h"

int sou_headertest_c(void);
int sou_headertest_c(void)
{
    sou_analyzer_options a = SOU_ANALYZER_OPTIONS_INIT;
    sou_index_options i = SOU_INDEX_OPTIONS_INIT;
    sou_search_options s = SOU_SEARCH_OPTIONS_INIT;
    return (int)(a.version + i.version + s.version);
}
