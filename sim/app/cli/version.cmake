# Writes footprint/version.hpp at every build (run by `cmake -P` from sim/CMakeLists.txt),
# so that `footprint --version` and every trace name the commit actually built, with
# "-dirty" when tracked files differ from it. configure_file leaves the header untouched
# when nothing changed, so nothing recompiles then.
# Inputs: SOURCE_DIR, TEMPLATE, OUTPUT, PROJECT_VERSION, GIT_EXECUTABLE (may be empty).
set(FOOTPRINT_GIT_COMMIT "unknown")
if(GIT_EXECUTABLE AND EXISTS "${SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --short=12 HEAD
    WORKING_DIRECTORY "${SOURCE_DIR}" OUTPUT_VARIABLE commit RESULT_VARIABLE rc
    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(rc EQUAL 0 AND commit)
    set(FOOTPRINT_GIT_COMMIT "${commit}")
    execute_process(COMMAND "${GIT_EXECUTABLE}" diff-index --quiet HEAD --
      WORKING_DIRECTORY "${SOURCE_DIR}" RESULT_VARIABLE dirty OUTPUT_QUIET ERROR_QUIET)
    if(NOT dirty EQUAL 0)
      string(APPEND FOOTPRINT_GIT_COMMIT "-dirty")
    endif()
  endif()
endif()
configure_file("${TEMPLATE}" "${OUTPUT}" @ONLY)
