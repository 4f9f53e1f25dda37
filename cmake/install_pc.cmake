# Writes and installs iamguard.pc at install time (see cmake/ecosystem.cmake):
# CMAKE_INSTALL_PREFIX is then the prefix really installed to. The IAMG_PC_*
# variables are set by the install(CODE) that precedes this script.
function(iamg_pc_dir out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "\${prefix}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

set(IAMG_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
iamg_pc_dir(IAMG_PC_LIBDIR_FULL "${IAMG_PC_LIBDIR}")
iamg_pc_dir(IAMG_PC_INCLUDEDIR_FULL "${IAMG_PC_INCLUDEDIR}")
if(IS_ABSOLUTE "${IAMG_PC_LIBDIR}")
  set(iamg_pc_dest "${IAMG_PC_LIBDIR}/pkgconfig")
else()
  set(iamg_pc_dest "${CMAKE_INSTALL_PREFIX}/${IAMG_PC_LIBDIR}/pkgconfig")
endif()
configure_file("${IAMG_PC_IN}" "${IAMG_PC_OUT}" @ONLY)
file(INSTALL DESTINATION "${iamg_pc_dest}" TYPE FILE FILES "${IAMG_PC_OUT}")
