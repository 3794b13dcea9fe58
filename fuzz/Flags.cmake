# Compiler flags of the fuzz build (VERDICT_FUZZ=ON, the fuzz preset): every stage is built with
# libFuzzer's coverage instrumentation, AddressSanitizer and UndefinedBehaviorSanitizer, so a
# fuzz target finds memory errors, undefined behaviour and leaks anywhere in the code it reaches.
# Any UBSan finding aborts (-fno-sanitize-recover), which libFuzzer reports as a crash.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "VERDICT_FUZZ needs clang (libFuzzer): use `cmake --preset fuzz` or "
                      "-DCMAKE_CXX_COMPILER=clang++")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                    -fno-omit-frame-pointer -g)
add_link_options(-fsanitize=address,undefined)
