# narrate_instrument(<target> [ALL_FUNCTIONS] [INCLUDE <glob>...] [EXCLUDE <glob>...] [ACTOR <name>]
#                    [LEVEL TRACE|DEBUG|INFO|WARN|ERROR|FATAL|OFF])
#
# Runs narrate-gen on the target's C sources at build time and compiles the traced versions
# instead. Without ALL_FUNCTIONS only functions marked NARR_TRACE_FN are traced; INCLUDE and
# EXCLUDE are globs over function names. ACTOR defaults to the target's name; a file can
# override it with '#define NARRATE_ACTOR "name"'. LEVEL is the target's build level (sites below it
# compile to nothing), whatever level narrate itself was built with. The target must link
# narrate::narrate.
include_guard(GLOBAL)

# gen/ sits beside this file's folder in the source tree and in the installed share/narrate/.
get_filename_component(_narr_gen_dir "${CMAKE_CURRENT_LIST_DIR}/../gen" ABSOLUTE)
set_property(GLOBAL PROPERTY NARRATE_GEN_DIR "${_narr_gen_dir}")

# An interpreter that can import clang.cindex and jinja2 (the first python3 on PATH may not).
# With QUIET, sets out to "" when there is none instead of stopping the configure.
# A NARRATE_PYTHON given by the user is the only candidate; one found here is checked once.
function(_narrate_find_python out)
  get_property(checked GLOBAL PROPERTY NARRATE_PYTHON_CHECKED)
  if(NARRATE_PYTHON AND checked STREQUAL NARRATE_PYTHON)
    set(${out} "${NARRATE_PYTHON}" PARENT_SCOPE)
    return()
  endif()
  if(NARRATE_PYTHON)
    set(candidates "${NARRATE_PYTHON}")
  else()
    find_program(_narr_py_path NAMES python3)
    set(candidates /usr/bin/python3 /usr/local/bin/python3 ${_narr_py_path})
  endif()
  foreach(py IN LISTS candidates)
    if(EXISTS "${py}")
      execute_process(COMMAND "${py}" -c "import clang.cindex, jinja2; clang.cindex.Index.create()"
                      RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
      if(rc EQUAL 0)
        set(NARRATE_PYTHON "${py}" CACHE FILEPATH "Python for narrate-gen (needs clang.cindex and jinja2)")
        set_property(GLOBAL PROPERTY NARRATE_PYTHON_CHECKED "${py}")
        set(${out} "${py}" PARENT_SCOPE)
        return()
      endif()
    endif()
  endforeach()
  set(${out} "" PARENT_SCOPE)
  if("QUIET" IN_LIST ARGN)
    return()
  endif()
  message(FATAL_ERROR "narrate_instrument: no Python here can import clang.cindex and jinja2 "
    "(tried: ${candidates}). On Debian: apt-get install python3-clang-14 libclang-14-dev python3-jinja2, "
    "or set NARRATE_PYTHON to an interpreter that has them.")
endfunction()

# narrate_generator_found(<var>): TRUE when narrate_instrument can run here (a Python with
# clang.cindex and jinja2), so a project can make its traced targets optional.
function(narrate_generator_found out)
  _narrate_find_python(py QUIET)
  if(py)
    set(${out} TRUE PARENT_SCOPE)
  else()
    set(${out} FALSE PARENT_SCOPE)
  endif()
endfunction()

function(narrate_instrument target)
  cmake_parse_arguments(NI "ALL_FUNCTIONS" "ACTOR;LEVEL" "INCLUDE;EXCLUDE" ${ARGN})
  if(NI_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "narrate_instrument: unknown arguments: ${NI_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "narrate_instrument: '${target}' is not a target")
  endif()
  if(DEFINED NI_LEVEL)
    if(NOT NI_LEVEL MATCHES "^(TRACE|DEBUG|INFO|WARN|ERROR|FATAL|OFF)$")
      message(FATAL_ERROR "narrate_instrument: LEVEL must be one of TRACE DEBUG INFO WARN ERROR FATAL OFF, not '${NI_LEVEL}'")
    endif()
    # NARRATE_LEVEL wins over the NARRATE_BUILD_LEVEL that narrate::narrate carries
    target_compile_definitions(${target} PRIVATE NARRATE_LEVEL=${NI_LEVEL})
  endif()
  _narrate_find_python(py)
  get_property(gen_dir GLOBAL PROPERTY NARRATE_GEN_DIR)
  if(NOT NI_ACTOR)
    set(NI_ACTOR ${target})
  endif()
  get_target_property(sources ${target} SOURCES)
  get_target_property(src_dir ${target} SOURCE_DIR)
  set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/narrate/${target}")
  set(flags_file "${out_dir}/flags.txt")
  set(incs "$<TARGET_PROPERTY:${target},INCLUDE_DIRECTORIES>")
  set(defs "$<TARGET_PROPERTY:${target},COMPILE_DEFINITIONS>")
  set(std "$<TARGET_PROPERTY:${target},C_STANDARD>")
  # C_EXTENSIONS unset means on (CMake's default): C_STANDARD 11 compiles as gnu11
  set(ext "$<TARGET_PROPERTY:${target},C_EXTENSIONS>")
  set(std_prefix "$<IF:$<OR:$<STREQUAL:${ext},>,$<BOOL:${ext}>>,gnu,c>")
  # what the compiler is given besides: the target's options (-include, -D, -f...) and CMAKE_C_FLAGS
  # with the build type's, so the parse sees the same code the compiler does
  set(opts "$<TARGET_PROPERTY:${target},COMPILE_OPTIONS>")
  set(cflags "${CMAKE_C_FLAGS}")
  if(CMAKE_BUILD_TYPE)
    string(TOUPPER "${CMAKE_BUILD_TYPE}" bt)
    string(APPEND cflags " ${CMAKE_C_FLAGS_${bt}}")
  endif()
  separate_arguments(cflags UNIX_COMMAND "${cflags}")
  list(JOIN cflags "\n" cflags)
  file(GENERATE OUTPUT "${flags_file}" CONTENT
    "${cflags}\n$<$<BOOL:${opts}>:$<JOIN:${opts},\n>>\n$<$<BOOL:${incs}>:-I$<JOIN:${incs},\n-I>>\n$<$<BOOL:${defs}>:-D$<JOIN:${defs},\n-D>>\n$<$<BOOL:${std}>:-std=${std_prefix}${std}>\n"
    TARGET ${target})
  file(GLOB_RECURSE gen_files CONFIGURE_DEPENDS "${gen_dir}/narrate_gen/*.py")
  file(GLOB templates CONFIGURE_DEPENDS "${gen_dir}/../templates/*.j2")
  set(extra)
  if(NI_ALL_FUNCTIONS)
    list(APPEND extra --all-functions)
  endif()
  foreach(g IN LISTS NI_INCLUDE)
    list(APPEND extra --include "${g}")
  endforeach()
  foreach(g IN LISTS NI_EXCLUDE)
    list(APPEND extra --exclude "${g}")
  endforeach()

  set(new_sources)
  foreach(src IN LISTS sources)
    get_filename_component(abs "${src}" ABSOLUTE BASE_DIR "${src_dir}")
    if(NOT abs MATCHES "\\.c$")
      list(APPEND new_sources "${src}")
      continue()
    endif()
    file(RELATIVE_PATH rel "${src_dir}" "${abs}")
    if(rel MATCHES "^\\.\\./")
      string(MD5 h "${abs}")
      string(SUBSTRING "${h}" 0 8 h)
      get_filename_component(base "${abs}" NAME)
      set(rel "external-${h}-${base}")
    endif()
    string(REGEX REPLACE "\\.c$" ".traced.c" rel "${rel}") # never the original's name: see narrate-gen
    set(out "${out_dir}/${rel}")
    get_filename_component(abs_dir "${abs}" DIRECTORY)
    add_custom_command(OUTPUT "${out}"
      COMMAND "${py}" "${gen_dir}/narrate-gen" -o "${out_dir}" --source-root "${src_dir}"
              --actor "${NI_ACTOR}" --flags-file "${flags_file}" --depfile "${out}.d" ${extra} "${abs}"
      DEPENDS "${abs}" "${flags_file}" ${gen_files} ${templates}
      DEPFILE "${out}.d"
      COMMENT "narrate-gen ${target}: ${rel}"
      VERBATIM)
    # the traced twin includes the user's headers as the original did
    set_source_files_properties("${out}" PROPERTIES GENERATED TRUE COMPILE_OPTIONS "-iquote;${abs_dir}")
    list(APPEND new_sources "${out}")
  endforeach()
  set_property(TARGET ${target} PROPERTY SOURCES ${new_sources})
endfunction()
