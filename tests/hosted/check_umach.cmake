# tests/hosted/check_umach.cmake: runs ${UMACH} with the arguments ${ARGS}
# (joined by '|') and checks its exit status is ${STATUS} and its output (stdout
# and stderr together) matches ${REGEX}.
#   cmake -DUMACH=... -DSTATUS=0 -DREGEX=... "-DARGS=run|sieve" -P check_umach.cmake
string(REPLACE "|" ";" ARGS "${ARGS}")
execute_process(COMMAND ${UMACH} ${ARGS} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out TIMEOUT 240)
if(NOT "${status}" STREQUAL "${STATUS}")
  message(FATAL_ERROR "umach ${ARGS}: exit status ${status}, expected ${STATUS}; output:\n${out}")
endif()
if(NOT out MATCHES "${REGEX}")
  message(FATAL_ERROR "umach ${ARGS}: output does not match '${REGEX}':\n${out}")
endif()
