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
