/* check_main.c: the runner for every suite. CK_RUN_SUITE and CK_RUN_CASE
 * pick a suite or a case; fork mode is on unless CK_FORK=no. */
#include <stdlib.h>

#include "suites.h"

int main(void)
{
    SRunner *sr = srunner_create(sou_error_suite());
    int failed;

    srunner_add_suite(sr, sou_analyzer_suite());
    srunner_add_suite(sr, sou_doc_suite());
    srunner_add_suite(sr, sou_index_suite());
    srunner_add_suite(sr, sou_query_suite());
    srunner_add_suite(sr, sou_search_suite());
    srunner_add_suite(sr, sou_snippet_suite());
    srunner_add_suite(sr, sou_bulk_suite());
    srunner_add_suite(sr, sou_match_suite());
    srunner_add_suite(sr, sou_stub_suite());
    srunner_add_suite(sr, sou_filter_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
