# narrate_instrument(<target> [ALL_FUNCTIONS [EVERY_CALL] [HEADER_FUNCTIONS]]
#                    [INCLUDE <glob>...] [EXCLUDE <glob>...] [ACTOR <name>]
#                    [LEVEL TRACE|DEBUG|INFO|WARN|ERROR|FATAL|OFF])
#
# Runs narrate-gen on the target's C sources at build time and compiles the traced versions
# instead. Without ALL_FUNCTIONS only functions marked NARR_TRACE_FN are traced; INCLUDE and
# EXCLUDE are globs over function names. ALL_FUNCTIONS traces the calls the optimized build
# makes: static functions the compiler inlines at every call are left to it (each source is
# compiled once more with the target's flags to know) and counted in the build log; EVERY_CALL
# traces them too. HEADER_FUNCTIONS also traces the static inline functions of the project's own
# headers, in each source that includes them. ACTOR defaults to the target's name; a file can
# override it with '#define NARRATE_ACTOR "name"'. LEVEL is the target's build level (sites below it
# compile to nothing), whatever level narrate itself was built with. The target is linked with
# narrate::narrate unless it is already.
#
# Any source CMake compiles for the target is traced: under its source folder or above it, made
# by the build (add_custom_command, configure_file), with its own source-file properties. Sources
# given as generator expressions are compiled as they are (a warning says so, except
# $<TARGET_OBJECTS:...>: instrument that target itself).
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
  elseif(NI_ALL_FUNCTIONS)
    # the compiler the target builds with tells what it inlines
    list(APPEND extra "--cc=${CMAKE_C_COMPILER}")
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

# A source file property as the target's directory sees it (source properties are per directory).
function(_narrate_source_property out target file prop)
  if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.18)
    get_source_file_property(v "${file}" TARGET_DIRECTORY ${target} ${prop})
  else()
    get_source_file_property(v "${file}" ${prop})
  endif()
  if(v STREQUAL "NOTFOUND")
    set(v "")
  endif()
  set(${out} "${v}" PARENT_SCOPE)
endfunction()

# Where CMake finds a source named in a target: an absolute path as it is; a relative one in the
# target's source folder, else (a generated file, a configure_file output) in its binary folder.
function(_narrate_source_path out target src)
  get_target_property(src_dir ${target} SOURCE_DIR)
  get_target_property(bin_dir ${target} BINARY_DIR)
  if(IS_ABSOLUTE "${src}")
    set(abs "${src}")
  elseif(EXISTS "${src_dir}/${src}")
    set(abs "${src_dir}/${src}")
  else()
    _narrate_source_property(generated ${target} "${src_dir}/${src}" GENERATED)
    if(NOT generated AND NOT EXISTS "${bin_dir}/${src}")
      set(abs "${src_dir}/${src}") # CMake itself reports a missing source
    else()
      set(abs "${bin_dir}/${src}")
    endif()
  endif()
  get_filename_component(abs "${abs}" ABSOLUTE)
  set(${out} "${abs}" PARENT_SCOPE)
endfunction()

function(_narrate_instrument_sources target py actor out_dir extra)
  get_property(gen_dir GLOBAL PROPERTY NARRATE_GEN_DIR)
  get_target_property(sources ${target} SOURCES)
  get_target_property(src_dir ${target} SOURCE_DIR)
  get_target_property(bin_dir ${target} BINARY_DIR)
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

  # files the build makes for this target (generated headers among them): the generator parses a
  # source only after they exist
  set(made)
  foreach(src IN LISTS sources)
    if(src MATCHES "\\$<")
      continue()
    endif()
    _narrate_source_path(abs ${target} "${src}")
    _narrate_source_property(generated ${target} "${abs}" GENERATED)
    if(generated)
      list(APPEND made "${abs}")
    endif()
  endforeach()

  # called from another directory than the target's (a project that instruments its library from
  # the top): the twins' rules live here, so a target of this directory makes them before the
  # target compiles them, and their properties are set in the target's directory
  set(elsewhere FALSE)
  if(NOT src_dir STREQUAL CMAKE_CURRENT_SOURCE_DIR)
    if(CMAKE_VERSION VERSION_LESS 3.18)
      message(FATAL_ERROR "narrate_instrument(${target}): call it in the directory that defines "
        "${target} (${src_dir}); CMake ${CMAKE_VERSION} cannot set its sources' properties from here (3.18 can)")
    endif()
    set(elsewhere TRUE)
    set(dir_scope TARGET_DIRECTORY ${target})
  else()
    set(dir_scope)
  endif()
  set(new_sources)
  set(outputs)
  foreach(src IN LISTS sources)
    if(src MATCHES "\\$<")
      # a generator expression: objects of another target, or a source chosen per configuration
      if(NOT src MATCHES "^\\$<TARGET_OBJECTS:")
        message(WARNING "narrate_instrument(${target}): source '${src}' is a generator expression; "
          "it is compiled as it is, not traced (name the file itself to trace it)")
      endif()
      list(APPEND new_sources "${src}")
      continue()
    endif()
    _narrate_source_path(abs ${target} "${src}")
    _narrate_source_property(lang ${target} "${abs}" LANGUAGE)
    _narrate_source_property(header_only ${target} "${abs}" HEADER_FILE_ONLY)
    if(header_only OR (lang AND NOT lang STREQUAL "C") OR (NOT lang AND NOT abs MATCHES "\\.c$"))
      list(APPEND new_sources "${src}")
      continue()
    endif()
    # the twin's name: the source's path under the target's source folder, or its binary folder
    # (generated sources), else external/<hash>/<name>; always *.traced.c, never the original's
    # name (a quoted #include in a traced file must not pick up a twin)
    file(RELATIVE_PATH rel "${src_dir}" "${abs}")
    file(RELATIVE_PATH rel_bin "${bin_dir}" "${abs}")
    if(rel MATCHES "^\\.\\./" OR IS_ABSOLUTE "${rel}")
      set(inside FALSE)
    else()
      set(inside TRUE)
    endif()
    if(inside)
      # (under the source folder)
    elseif(NOT rel_bin MATCHES "^\\.\\./" AND NOT IS_ABSOLUTE "${rel_bin}")
      set(rel "generated/${rel_bin}")
    else()
      string(MD5 h "${abs}")
      string(SUBSTRING "${h}" 0 8 h)
      get_filename_component(base "${abs}" NAME)
      set(rel "external/${h}/${base}")
    endif()
    string(REGEX REPLACE "\\.[^./]*$" "" rel "${rel}")
    set(out "${out_dir}/${rel}.traced.c")
    # what the source itself is compiled with besides the target's flags
    set(src_flags)
    foreach(prop COMPILE_DEFINITIONS COMPILE_OPTIONS INCLUDE_DIRECTORIES COMPILE_FLAGS)
      _narrate_source_property(v_${prop} ${target} "${abs}" ${prop})
    endforeach()
    foreach(d IN LISTS v_COMPILE_DEFINITIONS)
      list(APPEND src_flags "--flag=-D${d}")
    endforeach()
    foreach(d IN LISTS v_INCLUDE_DIRECTORIES)
      list(APPEND src_flags "--flag=-I${d}")
    endforeach()
    separate_arguments(flags_list UNIX_COMMAND "${v_COMPILE_FLAGS}")
    foreach(o IN LISTS v_COMPILE_OPTIONS flags_list)
      list(APPEND src_flags "--flag=${o}")
    endforeach()
    get_filename_component(abs_dir "${abs}" DIRECTORY)
    add_custom_command(OUTPUT "${out}"
      COMMAND "${py}" "${gen_dir}/narrate-gen" --output "${out}" --source-root "${src_dir}"
              --actor "${actor}" --flags-file "${flags_file}" ${src_flags} --depfile "${out}.d" ${extra} "${abs}"
      DEPENDS "${abs}" "${flags_file}" ${made} ${gen_files} ${templates}
      DEPFILE "${out}.d"
      COMMENT "narrate-gen ${target}: ${rel}.c"
      VERBATIM)
    # the traced twin includes the user's headers as the original did, and is compiled as it was
    list(APPEND outputs "${out}")
    set_source_files_properties("${out}" ${dir_scope} PROPERTIES GENERATED TRUE
      COMPILE_OPTIONS "-iquote;${abs_dir};${v_COMPILE_OPTIONS}"
      COMPILE_DEFINITIONS "${v_COMPILE_DEFINITIONS}" INCLUDE_DIRECTORIES "${v_INCLUDE_DIRECTORIES}"
      COMPILE_FLAGS "${v_COMPILE_FLAGS}")
    list(APPEND new_sources "${out}")
  endforeach()
  if(elsewhere AND outputs)
    add_custom_target(narrate_gen_${target} DEPENDS ${outputs})
    add_dependencies(${target} narrate_gen_${target})
  endif()
  set_property(TARGET ${target} PROPERTY SOURCES ${new_sources})
endfunction()
