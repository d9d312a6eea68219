/* analyzer.h: internals of the analyzer that tests reach. */
#ifndef SOU_LIB_ANALYZER_H
#define SOU_LIB_ANALYZER_H

#include "sou.h"

/* Turn the ASCII byte scanner off (0) or on (1, the default), so tests can
 * prove that it segments exactly as ICU does. */
void sou__analyzer_set_fast_ascii(sou_analyzer *a, int on);

#endif
