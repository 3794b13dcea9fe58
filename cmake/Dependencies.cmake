# Third-party dependencies.
#   LibTorch:        the pip torch wheel in the project virtual environment (VERDICT_PYTHON).
#   Arrow, Parquet:  the pip pyarrow wheel in the same environment (headers and .so inside;
#                    the wheel has no CMake package, so imported targets are made here).
#   Everything else: Debian packages (nlohmann-json, GoogleTest, cairo, libjpeg).

if(NOT EXISTS "${VERDICT_PYTHON}")
  message(FATAL_ERROR "Python environment not found at ${VERDICT_PYTHON}; run 'make setup' first")
endif()

function(_verdict_python_query OUT CODE)
  execute_process(COMMAND "${VERDICT_PYTHON}" -c "${CODE}"
    OUTPUT_VARIABLE _out OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
  set(${OUT} "${_out}" PARENT_SCOPE)
endfunction()

# --- LibTorch (located without importing torch, which is slow) -------------------------------
_verdict_python_query(VERDICT_TORCH_DIR
  "import importlib.util,os;s=importlib.util.find_spec('torch');print(s.submodule_search_locations[0])")
list(APPEND CMAKE_PREFIX_PATH "${VERDICT_TORCH_DIR}/share/cmake")
find_package(Torch REQUIRED)
set(VERDICT_TORCH_LIB_DIR "${VERDICT_TORCH_DIR}/lib")
# Torch's exported flags carry the ABI define; keep every target on the same ABI.
separate_arguments(_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
add_compile_options(${_torch_flags})

# --- Arrow and Parquet from pyarrow ----------------------------------------------------------
_verdict_python_query(_pa
  "import importlib.util,os;s=importlib.util.find_spec('pyarrow');d=s.submodule_search_locations[0];print(os.path.join(d,'include'));print(d)")
string(REPLACE "\n" ";" _pa "${_pa}")
list(GET _pa 0 VERDICT_ARROW_INCLUDE)
list(GET _pa 1 VERDICT_ARROW_LIB_DIR)
foreach(lib arrow parquet arrow_compute)
  file(GLOB _so "${VERDICT_ARROW_LIB_DIR}/lib${lib}.so.[0-9]*")
  list(FILTER _so EXCLUDE REGEX "\\.so\\.[0-9]+\\.[0-9]")
  if(NOT _so)
    file(GLOB _so "${VERDICT_ARROW_LIB_DIR}/lib${lib}.so.[0-9]*")
  endif()
  if(NOT _so)
    if(lib STREQUAL "arrow_compute")
      continue()
    endif()
    message(FATAL_ERROR "lib${lib}.so not found in ${VERDICT_ARROW_LIB_DIR}")
  endif()
  list(GET _so 0 _so)
  add_library(verdict_ext_${lib} SHARED IMPORTED GLOBAL)
  set_target_properties(verdict_ext_${lib} PROPERTIES
    IMPORTED_LOCATION "${_so}"
    INTERFACE_INCLUDE_DIRECTORIES "${VERDICT_ARROW_INCLUDE}")
  message(STATUS "verdict: ${lib} -> ${_so}")
endforeach()

# --- Debian packages --------------------------------------------------------------------------
find_package(nlohmann_json 3.10 REQUIRED)
if(VERDICT_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
find_package(PkgConfig REQUIRED)
pkg_check_modules(CAIRO IMPORTED_TARGET cairo)
find_package(JPEG)

# Executables link the wheels' libraries in place; RUNPATH makes them loadable without
# LD_LIBRARY_PATH.
set(CMAKE_BUILD_RPATH "${VERDICT_TORCH_LIB_DIR};${VERDICT_ARROW_LIB_DIR}")
set(CMAKE_INSTALL_RPATH "${VERDICT_TORCH_LIB_DIR};${VERDICT_ARROW_LIB_DIR}")
