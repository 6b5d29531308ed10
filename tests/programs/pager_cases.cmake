# tests/programs/pager_cases.cmake: the sources of the pager scenarios'
# program (pager_cases.c and what it is made of), for the hosted tests
# (tests/programs/CMakeLists.txt) and the bare-metal images
# (platform/baremetal/CMakeLists.txt) alike.
set(UMACH_PAGER_CASES_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/pager_cases.c ${CMAKE_CURRENT_LIST_DIR}/pager_data_cases.c
  ${CMAKE_CURRENT_LIST_DIR}/pager_copy_cases.c ${CMAKE_CURRENT_LIST_DIR}/pager_checks.c
  ${CMAKE_CURRENT_LIST_DIR}/pager_harness.c ${PROJECT_SOURCE_DIR}/examples/thread_start.c
  ${CMAKE_BINARY_DIR}/mig/memory_objectServer.c ${CMAKE_BINARY_DIR}/mig/excServer.c)
