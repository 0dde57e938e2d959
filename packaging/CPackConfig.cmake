# The Debian package: `cpack -G DEB` in a built tree (or `cmake --build build
# --target package`) writes sockscope_<version>_<arch>.deb from the install
# rules. Included from the top-level CMakeLists.txt.

set(SOCKSCOPE_PACKAGE_MAINTAINER "Sockscope maintainers <maintainers@sockscope.invalid>"
    CACHE STRING "Maintainer field of the .deb (name <email>)")

set(CPACK_GENERATOR DEB)
set(CPACK_VERBATIM_VARIABLES ON)
set(CPACK_PACKAGE_NAME sockscope)
set(CPACK_PACKAGE_VENDOR "Sockscope")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${SOCKSCOPE_PACKAGE_MAINTAINER})
# A RelWithDebInfo build's binaries are mostly debug information.
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "WebSocket inspector for packet captures and live traffic
Sockscope decodes WebSocket (RFC 6455) traffic from pcap and pcapng captures
and from live capture: every handshake, frame, fragment, message and close
code, masked bytes beside unmasked ones and permessage-deflate payloads
decompressed, with every protocol violation named by its RFC section.

The package holds the desktop inspector (sockscope), its command-line
counterpart with text and JSON Lines output and a WebSocket test client
and server (sockscope-cli), and a capture helper that members of the group
sockscope may run to capture without root.")

# The libraries come from dpkg-shlibdeps; the maintainer scripts need adduser
# (addgroup, delgroup) and setcap. The GUI needs a Qt platform plugin, which
# libqt6gui6 only recommends.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, libcap2-bin")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "qt6-qpa-plugins")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_LIST_DIR}/debian/postinst ${CMAKE_CURRENT_LIST_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# include(CPack) also defines `package_source`, which would otherwise pack
# every build directory in the source tree.
set(CPACK_SOURCE_GENERATOR TXZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\.git/" "/build[^/]*/" "/\\.cache/")

include(CPack)
