# Compiler warnings for every target of the project. -Werror is on by default
# (SG_WERROR) so that CI and developers see the same failures.
set(SG_WARNING_FLAGS -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes
    -Wmissing-prototypes -Wno-unused-parameter)
if(SG_WERROR)
  list(APPEND SG_WARNING_FLAGS -Werror)
endif()
