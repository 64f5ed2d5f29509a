# The S3-compatible server for the s3:// upload tests (fixture "s3"):
# @20minutes/s3rver 4.0.4, pinned in tests/s3/package-lock.json, which
# verifies SigV4 (s3rver 3 does not). fixture/s3-start installs it into the
# build tree with `npm ci` when needed, starts it over HTTPS on 127.0.0.1
# and writes ${PM3K_FIXTURE_DIR}/s3.env (tests/servers/README.md lists the
# names). It skips (77) when node >= 20 (or npm, to install) is missing.
set(PM3K_S3_STATE ${CMAKE_BINARY_DIR}/fixtures/s3)
set(PM3K_S3_ENV ${PM3K_FIXTURE_DIR}/s3.env)

add_test(NAME fixture/s3-start
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/s3-start.sh ${PM3K_S3_STATE} ${PM3K_S3_ENV}
                 ${CMAKE_SOURCE_DIR}/tests/s3)
# npm ci takes about 10 s on the first run of a build tree.
set_tests_properties(fixture/s3-start PROPERTIES FIXTURES_SETUP s3 TIMEOUT 300
                     SKIP_RETURN_CODE 77)

add_test(NAME fixture/s3-stop
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/stop-by-pid.sh ${PM3K_S3_ENV}
                 ${PM3K_S3_STATE}/run/s3rver.pid)
set_tests_properties(fixture/s3-stop PROPERTIES FIXTURES_CLEANUP s3 TIMEOUT 30)
