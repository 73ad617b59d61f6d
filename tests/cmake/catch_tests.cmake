# cmake -D PROGRAM=... -D WORKING_DIR=... -D LABEL=... -D TIMEOUT=... -D OUTPUT=... -P
# Writes OUTPUT, a ctest script with one test per test case of the Catch2 program PROGRAM
# (hidden cases excluded), each named as its case and running only it; it fails if it runs
# no test case (--warn NoTests). Names may hold ';' (a list separator in CMake: kept as the
# ASCII unit separator until written) and ',' '[' ']' (escaped in the argument, where Catch2
# reads them as a test spec).
execute_process(COMMAND "${PROGRAM}" --list-test-names-only
  OUTPUT_VARIABLE listing RESULT_VARIABLE result WORKING_DIRECTORY "${WORKING_DIR}")
# Catch2 exits with the number of test cases listed (at most 255).
if(NOT result MATCHES "^[0-9]+$" OR result EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} --list-test-names-only: ${result}\n${listing}")
endif()
string(ASCII 31 separator)
string(REPLACE ";" "${separator}" listing "${listing}")
string(REPLACE "\n" ";" lines "${listing}")
set(script "")
set(count 0)
foreach(line IN LISTS lines)
  if(line STREQUAL "")
    continue()
  endif()
  string(REPLACE "${separator}" ";" name "${line}")
  set(spec "${name}")
  foreach(char , [ ])
    string(REPLACE "${char}" "\\${char}" spec "${spec}")
  endforeach()
  string(APPEND script
    "add_test([==[${name}]==] [==[${PROGRAM}]==] [==[${spec}]==] --warn NoTests)\n"
    "set_tests_properties([==[${name}]==] PROPERTIES WORKING_DIRECTORY [==[${WORKING_DIR}]==]"
    " LABELS ${LABEL} TIMEOUT ${TIMEOUT})\n")
  math(EXPR count "${count} + 1")
endforeach()
if(NOT (count EQUAL result OR (result EQUAL 255 AND count GREATER 255)))
  message(FATAL_ERROR "${PROGRAM}: ${result} test cases, ${count} names read")
endif()
file(WRITE "${OUTPUT}" "${script}")
