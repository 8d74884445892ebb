set(CPACK_PACKAGE_NAME "berth")
set(CPACK_PACKAGE_VENDOR "Berth")
set(CPACK_PACKAGE_CONTACT "Berth maintainers <maintainers@berth.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
    "berthd runs paid container pods for providers and deploys pods for publishers; \
berthctl is its command line; berth is the Qt Quick dashboard.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_HOMEPAGE_URL "${PROJECT_HOMEPAGE_URL}")
set(CPACK_GENERATOR "DEB")
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# dpkg-shlibdeps finds the shared libraries the binaries link (Qt, yaml-cpp, ...).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)

# What the dashboard loads at run time and dpkg-shlibdeps cannot see: the QML modules
# it imports (the qml6-module-* packages do not pull each other in), the platform
# plugins (xcb, wayland, offscreen) and the SVG icon engine for its window icon.
if(BERTH_BUILD_APP)
    set(BERTH_DEB_RUNTIME_DEPENDS
        qml6-module-qtquick
        qml6-module-qtquick-controls
        qml6-module-qtquick-templates
        qml6-module-qtquick-layouts
        qml6-module-qtquick-window
        qml6-module-qtqml-workerscript
        qml6-module-qtcharts
        qt6-qpa-plugins
        libqt6svg6)
    list(JOIN BERTH_DEB_RUNTIME_DEPENDS ", " CPACK_DEBIAN_PACKAGE_DEPENDS)
endif()

include(CPack)
