# tests/hosted/check_vm_dot.cmake: runs `umach --vm-dot=DOT --run PROGRAM`
# (regions.c) and checks that DOT is a Graphviz graph of its map: at least
# one map entry node, one the program can write, and an object it refers to.
file(REMOVE ${DOT})
execute_process(COMMAND ${UMACH} --vm-dot=${DOT} --run ${PROGRAM} 6
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "umach failed (${rc}): ${out}${err}")
endif()
if(NOT EXISTS ${DOT})
  message(FATAL_ERROR "umach wrote no ${DOT}: ${out}${err}")
endif()
file(READ ${DOT} dot)
foreach(want "^digraph vm_map {\n" "\n  e[0-9a-f]+ \\[label=\"[0-9a-f]+-[0-9a-f]+ rw-/"
             "\n  e[0-9a-f]+ -> o[0-9]+ " "\n  o[0-9]+ \\[shape=ellipse" "\n}\n$")
  if(NOT dot MATCHES "${want}")
    message(FATAL_ERROR "no '${want}' in the graph:\n${dot}")
  endif()
endforeach()
message(STATUS "${dot}")
