# tests/mig/expect_error.cmake: runs mig on a broken .defs; passes when it
# fails with "<the file>:<EXPECT>", EXPECT being "<line>: error: <message>"
# from the file's "/* expect: ... */" line.
execute_process(COMMAND ${MIG} -I${INCLUDE} -msgids ${DEFS}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "mig accepted ${DEFS}")
endif()
string(REGEX MATCH "^${DEFS}:[0-9]+: error: " where "${err}")
if(NOT where)
  message(FATAL_ERROR "no file:line in: ${err}")
endif()
string(FIND "${err}" "${DEFS}:${EXPECT}" found)
if(found EQUAL -1)
  message(FATAL_ERROR "expected '${EXPECT}' in: ${err}")
endif()
message(STATUS "${err}")
