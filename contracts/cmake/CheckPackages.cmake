# ctest fixture: the contracts' npm packages must be installed (scripts/test does
# it with `npm ci`; CMake never downloads anything).
if(NOT EXISTS "${DIR}/.package-lock.json")
    message(FATAL_ERROR "contracts/node_modules is missing or incomplete: run scripts/test, "
                        "or `npm ci` in contracts/, then run the tests again")
endif()
