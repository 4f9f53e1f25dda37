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
  install(TARGETS iamguard_lua LIBRARY DESTINATION ${IAMGUARD_LUA_CMOD_DIR})
endif()

# ---- Man page ----
install(FILES ${CMAKE_SOURCE_DIR}/docs/iamguard.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

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
")
install(SCRIPT ${CMAKE_SOURCE_DIR}/cmake/install_pc.cmake)

# ---- Debian package: cpack -G DEB in the build folder ----
set(CPACK_PACKAGE_NAME iamguard)
set(CPACK_PACKAGE_VENDOR "iamguard")
set(IAMGUARD_DEB_MAINTAINER "iamguard maintainers <maintainers@iamguard.invalid>" CACHE STRING
  "Maintainer field of the Debian package: set it to whoever publishes the package")
set(CPACK_PACKAGE_CONTACT "${IAMGUARD_DEB_MAINTAINER}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "AWS IAM policy guardrail scanner with Lua rules and SARIF output")
set(CPACK_PACKAGE_DESCRIPTION "iamguard checks AWS IAM policies (policy JSON, CloudFormation, \
Terraform plans, account dumps) against guardrails written in Lua and reports \
findings with exact positions as SARIF 2.1.0, JSON or text. The package holds the command, its \
man page, the C library with its headers and pkg-config file, and the Lua 5.4 module.")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Named, not computed with dpkg-shlibdeps, so the package builds the same
# without dpkg-dev; these are the run-time libraries of the link line.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libc6, libjansson4, liblua5.4-0, libyaml-0-2")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "lua5.4, libjansson-dev, liblua5.4-dev, libyaml-dev")
include(CPack)
