# verdict_add_stage(NAME SOURCES ... [DEPS stage ...] [LIBS target ...] [TESTS file ...])
#
# Builds src/NAME as the static library verdict_NAME. DEPS are other stages (linked as
# verdict_<dep>); LIBS are external targets. TESTS are GoogleTest sources linked into
# verdict_NAME_test and registered with ctest under the label NAME.
# The warnings every verdict target compiles with. Designated initializers that leave members to
# their default member initializers are meant; GCC 12 still reports them under -Wextra's
# -Wmissing-field-initializers (later GCCs do not).
set(VERDICT_WARNINGS -Wall -Wextra -Wno-missing-field-initializers)

function(verdict_add_stage NAME)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LIBS;PRIVATE_LIBS;TESTS" ${ARGN})
  set(target verdict_${NAME})
  add_library(${target} STATIC ${ARG_SOURCES})
  target_include_directories(${target} PUBLIC "${PROJECT_SOURCE_DIR}/src")
  target_compile_options(${target} PRIVATE ${VERDICT_WARNINGS})
  set(dep_targets "")
  foreach(dep ${ARG_DEPS})
    list(APPEND dep_targets verdict_${dep})
  endforeach()
  target_link_libraries(${target} PUBLIC ${dep_targets} ${ARG_LIBS} PRIVATE ${ARG_PRIVATE_LIBS})
  if(VERDICT_BUILD_TESTS AND ARG_TESTS)
    add_executable(${target}_test ${ARG_TESTS})
    target_link_libraries(${target}_test PRIVATE ${target} ${ARG_PRIVATE_LIBS} GTest::gtest_main)
    gtest_discover_tests(${target}_test
      WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
      PROPERTIES LABELS ${NAME}
      DISCOVERY_MODE PRE_TEST)
  endif()
endfunction()
