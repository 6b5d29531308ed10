# defs/msgid_names.cmake: the table of message ids and routine names that
# `umach --trace ipc` prints (ipc/trace.cc), made from defs/msgids.txt at
# configure time (included by defs/generate.cmake; a changed msgids.txt
# reconfigures). Writes ${UMACH_MIG_KERNEL_INCLUDE_DIR}/msgid_names.inc: one
# `{request-id, reply-id, "routine"},` line per routine.
set(_msgids ${PROJECT_SOURCE_DIR}/defs/msgids.txt)
set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_msgids})
file(STRINGS ${_msgids} _lines REGEX "^[0-9]")
set(_table "// Generated from defs/msgids.txt by defs/msgid_names.cmake: do not edit.\n")
foreach(_line ${_lines})
  string(REGEX MATCH "^([0-9]+) ([0-9]+) [^ ]+ ([A-Za-z0-9_]+)" _m "${_line}")
  if(_m)
    string(APPEND _table "{${CMAKE_MATCH_1}, ${CMAKE_MATCH_2}, \"${CMAKE_MATCH_3}\"},\n")
  endif()
endforeach()
# Written only when it changed, so a reconfigure does not rebuild ipc/.
file(CONFIGURE OUTPUT ${UMACH_MIG_KERNEL_INCLUDE_DIR}/msgid_names.inc CONTENT "${_table}" @ONLY)
