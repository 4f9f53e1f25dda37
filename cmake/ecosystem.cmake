# How iamguard fits other tools: the Lua module, the man page, the
# pkg-config file and the Debian package. Included from the top-level
# CMakeLists.txt after the library and command targets exist.

# ---- Lua module: require "iamguard" from a stock lua5.4 ----
# Built from the same objects as libiamguard, as iamguard.so without the
# "lib" prefix, which is the name package.cpath looks for. It does not link
# liblua: the interpreter that loads it provides the Lua API (Debian's lua5.4
# is linked statically and exports it), and a second copy of Lua in the
# process would break the interpreter's assumptions about its own state.
option(IAMGUARD_LUA_MODULE "Build the Lua 5.4 module iamguard.so" ON)
if(IAMGUARD_LUA_MODULE)
  file(GLOB IAMG_LUAMOD_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/luamod/*.c)
  add_library(iamguard_lua MODULE ${IAMG_LUAMOD_SOURCES} $<TARGET_OBJECTS:iamguard_obj>)
  set_target_properties(iamguard_lua PROPERTIES OUTPUT_NAME iamguard PREFIX ""
    C_VISIBILITY_PRESET hidden POSITION_INDEPENDENT_CODE ON)
  target_include_directories(iamguard_lua PRIVATE ${CMAKE_SOURCE_DIR}/include
    ${CMAKE_SOURCE_DIR}/src ${LUA_INCLUDE_DIRS})
  target_compile_options(iamguard_lua PRIVATE ${IAMG_WARNINGS} ${IAMG_SAN_FLAGS})
  target_compile_definitions(iamguard_lua PRIVATE _XOPEN_SOURCE=700 IAMG_BUILDING
    IAMG_VERSION="${PROJECT_VERSION}")
  target_link_libraries(iamguard_lua PRIVATE PkgConfig::JANSSON PkgConfig::YAML
    Threads::Threads m)
  target_link_options(iamguard_lua PRIVATE ${IAMG_SAN_FLAGS}
    "LINKER:--version-script=${CMAKE_SOURCE_DIR}/cmake/luamod.map")
  set_property(TARGET iamguard_lua APPEND PROPERTY LINK_DEPENDS ${CMAKE_SOURCE_DIR}/cmake/luamod.map)
  # Where Debian's lua5.4 looks for C modules: /usr/local/lib/lua/5.4 and
  # /usr/lib/<multiarch>/lua/5.4 (GNUInstallDirs picks the multiarch
  # libdir for the /usr prefix), or /usr/lib/lua/5.4.
  set(IAMGUARD_LUA_CMOD_DIR "${CMAKE_INSTALL_LIBDIR}/lua/5.4" CACHE STRING
    "Where the Lua module is installed, relative to the prefix")
  install(TARGETS iamguard_lua LIBRARY DESTINATION ${IAMGUARD_LUA_CMOD_DIR} COMPONENT command)
endif()

# ---- Man page ----
# Installed as it is by `cmake --install`; the Debian package holds it
# compressed, as Debian policy wants (gzip -9n: no name or time stamp, so the
# same page always gives the same bytes).
install(FILES ${CMAKE_SOURCE_DIR}/docs/iamguard.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
  COMPONENT manual)
set(IAMG_MAN_GZ ${CMAKE_BINARY_DIR}/man/iamguard.1.gz)
add_custom_command(OUTPUT ${IAMG_MAN_GZ}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
  COMMAND sh -c "gzip -9n <\"$0\" >\"$1\"" ${CMAKE_SOURCE_DIR}/docs/iamguard.1 ${IAMG_MAN_GZ}
  DEPENDS ${CMAKE_SOURCE_DIR}/docs/iamguard.1 VERBATIM)
add_custom_target(iamguard_man ALL DEPENDS ${IAMG_MAN_GZ})
install(FILES ${IAMG_MAN_GZ} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT command
  EXCLUDE_FROM_ALL)

# ---- pkg-config ----
# The file is written when installing, not when configuring, so that its
# paths are those of the prefix actually installed to
# (cmake --install --prefix P, or the /usr of the Debian package).
install(CODE "
  set(IAMG_PC_IN \"${CMAKE_SOURCE_DIR}/cmake/iamguard.pc.in\")
  set(IAMG_PC_OUT \"${CMAKE_BINARY_DIR}/pkgconfig/iamguard.pc\")
  set(IAMG_PC_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")
  set(IAMG_PC_INCLUDEDIR \"${CMAKE_INSTALL_INCLUDEDIR}\")
  set(IAMG_PC_VERSION \"${PROJECT_VERSION}\")
  set(IAMG_PC_DESCRIPTION \"${PROJECT_DESCRIPTION}\")
" COMPONENT development)
install(SCRIPT ${CMAKE_SOURCE_DIR}/cmake/install_pc.cmake COMPONENT development)

# ---- Debian packages: cpack -G DEB in the build folder ----
# Three packages, one per install component, as Debian policy splits a
# library: iamguard (the command, its man page and the Lua module; the
# built-in rules are compiled in), libiamguard<soversion> (the shared
# library, named after its soname, with shlibs and the ldconfig trigger) and
# libiamguard-dev (headers, static library, the .so link, iamguard.pc). Each
# holds /usr/share/doc/<package>/copyright and changelog.Debian.gz. Configure
# with -DCMAKE_INSTALL_PREFIX=/usr so that libraries go to the multiarch
# folder (/usr/lib/<triplet>). Maintainer, release and copyright are cache
# variables, so whoever publishes the packages names themselves.
set(IAMGUARD_DEB_MAINTAINER "iamguard maintainers <maintainers@iamguard.invalid>" CACHE STRING
  "Maintainer field of the Debian packages: set it to whoever publishes them")
set(IAMGUARD_DEB_RELEASE 1 CACHE STRING
  "Debian revision of the packages (the version is <project version>-<release>)")
string(TIMESTAMP IAMG_YEAR "%Y" UTC)
set(IAMGUARD_DEB_COPYRIGHT "${IAMG_YEAR} iamguard authors" CACHE STRING
  "Copyright notice (years and holder) in debian/copyright")
set(IAMGUARD_DEB_LICENSE "unspecified" CACHE STRING
  "License short name in debian/copyright (the sources do not state one yet)")
set(IAMG_DEB_VERSION "${PROJECT_VERSION}-${IAMGUARD_DEB_RELEASE}")
set(IAMG_DEB_LIBPKG "libiamguard${IAMG_SOVERSION}")
set(IAMG_DEB_RUNTIME "libc6, libjansson4, liblua5.4-0, libyaml-0-2")

# copyright and changelog.Debian.gz, written when configuring.
string(TIMESTAMP IAMG_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
set(IAMG_DEB_DIR ${CMAKE_BINARY_DIR}/debian)
configure_file(${CMAKE_SOURCE_DIR}/cmake/debian/copyright.in ${IAMG_DEB_DIR}/copyright @ONLY)
configure_file(${CMAKE_SOURCE_DIR}/cmake/debian/changelog.in ${IAMG_DEB_DIR}/changelog.Debian
  @ONLY)
execute_process(COMMAND gzip -9n INPUT_FILE ${IAMG_DEB_DIR}/changelog.Debian
  OUTPUT_FILE ${IAMG_DEB_DIR}/changelog.Debian.gz RESULT_VARIABLE iamg_gzip_rc)
if(NOT iamg_gzip_rc EQUAL 0)
  message(FATAL_ERROR "gzip failed on ${IAMG_DEB_DIR}/changelog.Debian")
endif()
# Lintian overrides, for what is deliberate: these packages are built for
# direct installation, not uploaded to Debian, so there is no ITP bug to
# close; CPack always adds ldconfig calls to a library's postinst/postrm,
# and the ldconfig trigger Debian wants is there as well (cmake/debian/triggers).
foreach(iamg_comp_pkg command:iamguard library:${IAMG_DEB_LIBPKG} development:libiamguard-dev)
  string(REPLACE ":" ";" iamg_comp_pkg "${iamg_comp_pkg}")
  list(GET iamg_comp_pkg 0 iamg_comp)
  list(GET iamg_comp_pkg 1 iamg_pkg)
  set(iamg_overrides "${iamg_pkg}: initial-upload-closes-no-bugs\n")
  if(iamg_comp STREQUAL "library")
    string(APPEND iamg_overrides "${iamg_pkg}: maintscript-calls-ldconfig\n")
  endif()
  file(WRITE ${IAMG_DEB_DIR}/overrides/${iamg_pkg} "${iamg_overrides}")
  install(FILES ${IAMG_DEB_DIR}/copyright ${IAMG_DEB_DIR}/changelog.Debian.gz
    DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${iamg_pkg} COMPONENT ${iamg_comp}
    EXCLUDE_FROM_ALL)
  install(FILES ${IAMG_DEB_DIR}/overrides/${iamg_pkg}
    DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides COMPONENT ${iamg_comp}
    EXCLUDE_FROM_ALL)
endforeach()

set(CPACK_PACKAGE_NAME iamguard)
set(CPACK_PACKAGE_VENDOR "iamguard")
set(CPACK_PACKAGE_CONTACT "${IAMGUARD_DEB_MAINTAINER}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# Each package has its own synopsis (the first line of its description);
# CPack would prefix every description with this one unless it is CPack's
# own default, which it then leaves out.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${CMAKE_PROJECT_NAME} built using CMake")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL command library development)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${IAMGUARD_DEB_RELEASE})
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# shlibs: programs built against this version need at least this version.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(IAMG_DEB_ABOUT "iamguard checks AWS IAM policies (policy JSON, CloudFormation, Terraform
plans and state, account dumps) against guardrails written in Lua and reports
findings with exact positions as SARIF 2.1.0, JSON or text.")

set(CPACK_DEBIAN_COMMAND_PACKAGE_NAME iamguard)
set(CPACK_DEBIAN_COMMAND_PACKAGE_SECTION devel)
set(CPACK_COMPONENT_COMMAND_DESCRIPTION "AWS IAM policy guardrail scanner with Lua rules and SARIF output
${IAMG_DEB_ABOUT}
This package holds the iamguard command with its built-in rules, its manual
page and the Lua 5.4 module (require of iamguard from lua5.4).")
# Dependencies are named, not computed with dpkg-shlibdeps, so the packages
# build the same without dpkg-dev; they are the run-time libraries of the
# link line.
if(BUILD_SHARED_LIBS)
  set(CPACK_DEBIAN_COMMAND_PACKAGE_DEPENDS "${IAMG_DEB_LIBPKG} (= ${IAMG_DEB_VERSION}), ${IAMG_DEB_RUNTIME}")
else()
  set(CPACK_DEBIAN_COMMAND_PACKAGE_DEPENDS "${IAMG_DEB_RUNTIME}")
endif()
set(CPACK_DEBIAN_COMMAND_PACKAGE_SUGGESTS "lua5.4")

set(CPACK_DEBIAN_LIBRARY_PACKAGE_NAME ${IAMG_DEB_LIBPKG})
set(CPACK_DEBIAN_LIBRARY_PACKAGE_SECTION libs)
set(CPACK_COMPONENT_LIBRARY_DESCRIPTION "AWS IAM policy guardrail scanner - shared library
${IAMG_DEB_ABOUT}
This package holds the shared library, for programs that scan policies
through iamguard's C API.")
set(CPACK_DEBIAN_LIBRARY_PACKAGE_DEPENDS "${IAMG_DEB_RUNTIME}")
set(CPACK_DEBIAN_LIBRARY_PACKAGE_CONTROL_EXTRA ${CMAKE_SOURCE_DIR}/cmake/debian/triggers)

set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_NAME libiamguard-dev)
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEVELOPMENT_DESCRIPTION "AWS IAM policy guardrail scanner - development files
${IAMG_DEB_ABOUT}
This package holds the C headers, the static library and the pkg-config
file (pkg-config --cflags --libs iamguard).")
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_DEPENDS
  "${IAMG_DEB_LIBPKG} (= ${IAMG_DEB_VERSION}), libjansson-dev, liblua5.4-dev, libyaml-dev")
include(CPack)
