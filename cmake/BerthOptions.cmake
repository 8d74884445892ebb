# One INTERFACE target carries the compile options of every Berth target,
# generated code included (see STYLE.md, "Build").
add_library(berth_options INTERFACE)
add_library(Berth::Options ALIAS berth_options)

target_compile_features(berth_options INTERFACE cxx_std_20)
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)

target_compile_definitions(berth_options INTERFACE
    QT_NO_CAST_FROM_ASCII
    QT_NO_CAST_TO_ASCII
    QT_NO_CAST_FROM_BYTEARRAY
    QT_NO_URL_CAST_FROM_STRING
    QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
    QT_NO_FOREACH
    QT_USE_QSTRINGBUILDER
    QT_DISABLE_DEPRECATED_BEFORE=0x060400
    BERTH_VERSION="${PROJECT_VERSION}")
# QT_NO_CONTEXTLESS_CONNECT arrives with Qt 6.7; Debian 12 ships 6.4.

target_compile_options(berth_options INTERFACE
    -Wall -Wextra -Wpedantic
    -Wold-style-cast -Wnon-virtual-dtor -Woverloaded-virtual
    -Wimplicit-fallthrough -Wformat=2
    $<$<COMPILE_LANG_AND_ID:CXX,GNU>:-Wshadow=local>
    $<$<COMPILE_LANG_AND_ID:CXX,Clang>:-Wshadow>)

# Fuzzing builds instrument every target for coverage; the fuzz targets link
# libFuzzer itself (tests/fuzz).
if(BERTH_FUZZ)
    target_compile_options(berth_options INTERFACE -fsanitize=fuzzer-no-link)
endif()

if(BERTH_WARNINGS_AS_ERRORS)
    target_compile_options(berth_options INTERFACE -Werror)
endif()

if(BERTH_SANITIZE)
    target_compile_options(berth_options INTERFACE
        -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    target_link_options(berth_options INTERFACE -fsanitize=address,undefined)
endif()

# qmlcachegen output shadows freely: keep -Wshadow for our own code and turn it off
# only for the generated .rcc/qmlcache/<target>_*_qml.cpp sources of a QML module
# (GCC needs -Wno-shadow=local: -Wno-shadow leaves -Wshadow=local on).
# Runs at the end of the calling directory, so QML files added after the call count.
function(berth_relax_generated target)
    cmake_language(EVAL CODE "
        cmake_language(DEFER CALL _berth_relax_generated_now [[${target}]])")
endfunction()

function(_berth_relax_generated_now target)
    get_target_property(_sources ${target} SOURCES)
    foreach(_source IN LISTS _sources)
        if(_source MATCHES "/\\.rcc/qmlcache/${target}_.*_(qml|js|mjs)\\.cpp$")
            set_property(SOURCE ${_source} TARGET_DIRECTORY ${target}
                APPEND PROPERTY COMPILE_OPTIONS
                    -Wno-shadow $<$<CXX_COMPILER_ID:GNU>:-Wno-shadow=local>)
        endif()
    endforeach()
endfunction()
