/* suites.h: every Check suite of the runner; one per lib module. */
#ifndef SOU_TESTS_SUITES_H
#define SOU_TESTS_SUITES_H

#include <check.h>

Suite *sou_error_suite(void);
Suite *sou_analyzer_suite(void);
Suite *sou_doc_suite(void);
Suite *sou_index_suite(void);
Suite *sou_query_suite(void);
Suite *sou_search_suite(void);
Suite *sou_snippet_suite(void);
Suite *sou_bulk_suite(void);
Suite *sou_match_suite(void);
Suite *sou_stub_suite(void);
Suite *sou_filter_suite(void);

#endif
