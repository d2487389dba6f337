# narrate_instrument(<target> [ALL_FUNCTIONS [EVERY_CALL] [HEADER_FUNCTIONS]]
#                    [INCLUDE <glob>...] [EXCLUDE <glob>...] [ACTOR <name>]
#                    [LEVEL TRACE|DEBUG|INFO|WARN|ERROR|FATAL|OFF])
#
# Runs narrate-gen on the target's C sources at build time and compiles the traced versions
# instead. Without ALL_FUNCTIONS only functions marked NARR_TRACE_FN are traced; INCLUDE and
# EXCLUDE are globs over function names. ALL_FUNCTIONS traces the calls the optimized build
# makes: static functions the compiler inlines at every call are left to it (each source is
# compiled once more with the target's flags to know) and counted in the build log, and at run
# time a function whose calls average under NARRATE_MIN_DURATION (1us) is switched off; EVERY_CALL
# traces the inlined ones too and never switches one off. HEADER_FUNCTIONS also traces the static inline functions of the project's own
# headers, in each source that includes them. ACTOR defaults to the target's name; a file can
# override it with '#define NARRATE_ACTOR "name"'. LEVEL is the target's build level (sites below it
# compile to nothing), whatever level narrate itself was built with. The target is linked with
# narrate::narrate unless it is already.
#
# How: the target's C compiles go through narrate-gen's compiler launcher (C_COMPILER_LAUNCHER; a
# launcher the target has, such as ccache, still runs), which generates each source's traced
# twin (<target's build folder>/narrate/<target>/<path>.traced.c) with the compile's own flags and
# compiles it instead. So any source CMake compiles for the target is traced: under its source
# folder or above it, made by the build (add_custom_command, configure_file), with its own
# source-file properties, from whichever directory the target was instrumented; the target's
# SOURCES stay as written. An object library is instrumented as a target of its own.
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

# narrate_instrument(<target> ...): see the top of this file. The sources are taken at the end of
# the directory's processing (CMake 3.19+), so sources added later with target_sources() are traced
# too; before 3.19, at the call.
function(narrate_instrument target)
  cmake_parse_arguments(NI "ALL_FUNCTIONS;EVERY_CALL;HEADER_FUNCTIONS" "ACTOR;LEVEL" "INCLUDE;EXCLUDE" ${ARGN})
  if(NI_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "narrate_instrument: unknown arguments: ${NI_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "narrate_instrument: '${target}' is not a target")
  endif()
  get_target_property(done ${target} NARRATE_INSTRUMENTED)
  if(done)
    message(FATAL_ERROR "narrate_instrument: '${target}' is instrumented already (one call per target)")
  endif()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY" OR type STREQUAL "UTILITY")
    message(FATAL_ERROR "narrate_instrument: '${target}' is a ${type}: it compiles no sources of its own")
  endif()
  set_target_properties(${target} PROPERTIES NARRATE_INSTRUMENTED TRUE)
  # the traced code needs narrate::narrate: linked here unless the target links it already, through
  # the properties (as target_link_libraries(PRIVATE) would), so either signature of
  # target_link_libraries the project uses stays its own
  get_target_property(links ${target} LINK_LIBRARIES)
  if(NOT links OR NOT "narrate::narrate" IN_LIST links)
    set_property(TARGET ${target} APPEND PROPERTY LINK_LIBRARIES narrate::narrate)
    if(type STREQUAL "STATIC_LIBRARY" OR type STREQUAL "OBJECT_LIBRARY")
      set_property(TARGET ${target} APPEND PROPERTY INTERFACE_LINK_LIBRARIES "$<LINK_ONLY:narrate::narrate>")
    endif()
  endif()
  if(DEFINED NI_LEVEL)
    if(NOT NI_LEVEL MATCHES "^(TRACE|DEBUG|INFO|WARN|ERROR|FATAL|OFF)$")
      message(FATAL_ERROR "narrate_instrument: LEVEL must be one of TRACE DEBUG INFO WARN ERROR FATAL OFF, not '${NI_LEVEL}'")
    endif()
    # NARRATE_LEVEL wins over the NARRATE_BUILD_LEVEL that narrate::narrate carries
    target_compile_definitions(${target} PRIVATE NARRATE_LEVEL=${NI_LEVEL})
  endif()
  if((NI_EVERY_CALL OR NI_HEADER_FUNCTIONS) AND NOT NI_ALL_FUNCTIONS)
    message(FATAL_ERROR "narrate_instrument: EVERY_CALL and HEADER_FUNCTIONS go with ALL_FUNCTIONS")
  endif()
  _narrate_find_python(py)
  if(NOT NI_ACTOR)
    set(NI_ACTOR ${target})
  endif()
  set(extra)
  if(NI_ALL_FUNCTIONS)
    list(APPEND extra --all-functions)
  endif()
  if(NI_EVERY_CALL)
    list(APPEND extra --every-call)
  endif()
  if(NI_HEADER_FUNCTIONS)
    list(APPEND extra --header-functions)
  endif()
  foreach(g IN LISTS NI_INCLUDE)
    list(APPEND extra --include "${g}")
  endforeach()
  foreach(g IN LISTS NI_EXCLUDE)
    list(APPEND extra --exclude "${g}")
  endforeach()
  get_target_property(bin_dir ${target} BINARY_DIR)
  set(out_dir "${bin_dir}/narrate/${target}")
  if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.19)
    cmake_language(EVAL CODE "cmake_language(DEFER CALL _narrate_instrument_sources [[${target}]] [[${py}]] [[${NI_ACTOR}]] [[${out_dir}]] [[${extra}]])")
  else()
    _narrate_instrument_sources("${target}" "${py}" "${NI_ACTOR}" "${out_dir}" "${extra}")
  endif()
endfunction()

# Where the target's C compiles go: through narrate-gen's launcher (CMake's C_COMPILER_LAUNCHER),
# which generates each source's traced twin with the compile's own flags and compiles the twin
# instead. So every source CMake compiles for the target is traced, wherever it is and whoever made
# it (above the target's folder, add_custom_command, configure_file, object libraries), and from
# whichever directory the target was instrumented; its SOURCES stay as the project wrote them.
function(_narrate_instrument_sources target py actor out_dir extra)
  get_property(gen_dir GLOBAL PROPERTY NARRATE_GEN_DIR)
  get_target_property(src_dir ${target} SOURCE_DIR)
  get_target_property(bin_dir ${target} BINARY_DIR)
  set(json_args "")
  foreach(a IN LISTS extra)
    string(REPLACE "\\" "\\\\" a "${a}")
    string(REPLACE "\"" "\\\"" a "${a}")
    string(APPEND json_args "${json_args_sep}\"${a}\"")
    set(json_args_sep ", ")
  endforeach()
  foreach(v actor out_dir src_dir bin_dir)
    string(REPLACE "\\" "\\\\" j_${v} "${${v}}")
    string(REPLACE "\"" "\\\"" j_${v} "${j_${v}}")
  endforeach()
  file(MAKE_DIRECTORY "${out_dir}")
  set(info "${out_dir}/launch.json")
  set(content "{\"actor\": \"${j_actor}\", \"out_dir\": \"${j_out_dir}\", \"source_root\": \"${j_src_dir}\", \"binary_root\": \"${j_bin_dir}\", \"args\": [${json_args}]}\n")
  set(was "")
  if(EXISTS "${info}")
    file(READ "${info}" was)
  endif()
  if(NOT was STREQUAL content) # (rewritten only when it changes: it is every object's dependency)
    file(WRITE "${info}" "${content}")
  endif()
  # a launcher the target has already (ccache) runs the compile narrate-gen gives it
  get_target_property(old ${target} C_COMPILER_LAUNCHER)
  if(NOT old)
    set(old)
  endif()
  set_property(TARGET ${target} PROPERTY C_COMPILER_LAUNCHER "${py}" "${gen_dir}/narrate-gen" --launch "${info}" -- ${old})
  # a changed generator, template or setting compiles the sources again
  file(GLOB_RECURSE gen_files CONFIGURE_DEPENDS "${gen_dir}/narrate_gen/*.py")
  file(GLOB templates CONFIGURE_DEPENDS "${gen_dir}/../templates/*.j2")
  get_target_property(sources ${target} SOURCES)
  set(scope)
  if(NOT src_dir STREQUAL CMAKE_CURRENT_SOURCE_DIR AND CMAKE_VERSION VERSION_GREATER_EQUAL 3.18)
    set(scope TARGET_DIRECTORY ${target})
  endif()
  foreach(src IN LISTS sources)
    if(src MATCHES "\\$<" OR NOT src MATCHES "\\.c$")
      continue()
    endif()
    if(NOT IS_ABSOLUTE "${src}" AND NOT EXISTS "${src_dir}/${src}" AND EXISTS "${bin_dir}/${src}")
      set(src "${bin_dir}/${src}")
    elseif(NOT IS_ABSOLUTE "${src}")
      set(src "${src_dir}/${src}")
    endif()
    if(scope OR src_dir STREQUAL CMAKE_CURRENT_SOURCE_DIR)
      set_property(SOURCE "${src}" ${scope} APPEND PROPERTY OBJECT_DEPENDS "${info}" ${gen_files} ${templates})
    endif()
  endforeach()
endfunction()
