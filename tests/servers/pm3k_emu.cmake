# The PM3K emulator (fixture "pm3k_emu"): tests/servers/pm3k_emu.c, a C
# server on libmicrohttpd + cJSON that implements PM3K's documented contract
# with its own tables (it links nothing of pm3k), over HTTPS on 127.0.0.1.
#
# fixture/pm3k_emu-start makes a CA and a certificate, starts the emulator on
# a port chosen by the kernel and writes ${PM3K_FIXTURE_DIR}/pm3k_emu.env
# (NAME=VALUE lines, {NAME} in CLI cases; tests/servers/README.md lists
# them). Without libmicrohttpd the emulator is not built and the fixture
# skips (77). fixture/pm3k_emu-stop kills it by pid and waits.
pkg_check_modules(MHD IMPORTED_TARGET libmicrohttpd)

set(PM3K_EMU_STATE ${CMAKE_BINARY_DIR}/fixtures/pm3k_emu)
set(PM3K_EMU_ENV ${PM3K_FIXTURE_DIR}/pm3k_emu.env)

if(MHD_FOUND)
    add_executable(pm3k_emu ${CMAKE_CURRENT_LIST_DIR}/pm3k_emu.c)
    target_compile_options(pm3k_emu PRIVATE ${PM3K_WARNINGS})
    target_compile_definitions(pm3k_emu PRIVATE _POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)
    target_link_libraries(pm3k_emu PRIVATE PkgConfig::MHD PkgConfig::CJSON Threads::Threads)
    set(PM3K_EMU_BIN $<TARGET_FILE:pm3k_emu>)
else()
    message(STATUS "libmicrohttpd not found: the PM3K emulator tests will skip "
                   "(apt-get install libmicrohttpd-dev)")
    set(PM3K_EMU_BIN missing)
endif()

add_test(NAME fixture/pm3k_emu-start
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/pm3k_emu-start.sh ${PM3K_EMU_STATE} ${PM3K_EMU_ENV}
                 ${PM3K_EMU_BIN})
set_tests_properties(fixture/pm3k_emu-start PROPERTIES FIXTURES_SETUP pm3k_emu TIMEOUT 60
                     SKIP_RETURN_CODE 77)

add_test(NAME fixture/pm3k_emu-stop
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/stop-by-pid.sh --log ${PM3K_EMU_STATE}/run/emu.log
                 ${PM3K_EMU_ENV}
                 ${PM3K_EMU_STATE}/run/emu.pid)
set_tests_properties(fixture/pm3k_emu-stop PROPERTIES FIXTURES_CLEANUP pm3k_emu TIMEOUT 30)
