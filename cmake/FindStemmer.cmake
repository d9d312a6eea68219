# FindStemmer: Snowball's libstemmer, which ships neither a CMake package nor
# a pkg-config file on Debian.
#
# Defines Stemmer_FOUND, Stemmer_INCLUDE_DIR, Stemmer_LIBRARY and the
# imported target Stemmer::Stemmer. The target, not the path, is what sou's
# exported targets name, so an installed sou finds the library where the
# consuming machine keeps it.
find_path(Stemmer_INCLUDE_DIR libstemmer.h)
find_library(Stemmer_LIBRARY stemmer)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Stemmer REQUIRED_VARS Stemmer_LIBRARY Stemmer_INCLUDE_DIR)
mark_as_advanced(Stemmer_INCLUDE_DIR Stemmer_LIBRARY)
if(Stemmer_FOUND AND NOT TARGET Stemmer::Stemmer)
  add_library(Stemmer::Stemmer UNKNOWN IMPORTED)
  set_target_properties(Stemmer::Stemmer PROPERTIES
    IMPORTED_LOCATION "${Stemmer_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${Stemmer_INCLUDE_DIR}")
endif()
