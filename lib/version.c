/* version.c: run-time version getters. */
#include "sou.h"

const char *sou_version(void)
{
    return SOU_VERSION_STRING;
}

int sou_version_number(void)
{
    return SOU_VERSION_NUMBER;
}
