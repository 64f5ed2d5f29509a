# nginx over HTTPS for the URL and domain tests (fixture "nginx").
#
# fixture/nginx-start makes a CA and certificates, starts nginx on 127.0.0.1
# on ports chosen at run time and writes ${PM3K_FIXTURE_DIR}/nginx.env, whose
# NAME=VALUE lines the CLI cases use as {NAME}. It skips (77) when nginx is
# not installed. fixture/nginx-stop kills it by pid and waits.
set(PM3K_NGINX_STATE ${CMAKE_BINARY_DIR}/fixtures/nginx)
set(PM3K_NGINX_ENV ${PM3K_FIXTURE_DIR}/nginx.env)

add_test(NAME fixture/nginx-start
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/nginx-start.sh ${PM3K_NGINX_STATE} ${PM3K_NGINX_ENV}
                 ${PM3K_TESTDATA_DIR})
set_tests_properties(fixture/nginx-start PROPERTIES FIXTURES_SETUP nginx
                     FIXTURES_REQUIRED media TIMEOUT 60 SKIP_RETURN_CODE 77)

add_test(NAME fixture/nginx-stop
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/nginx-stop.sh ${PM3K_NGINX_STATE} ${PM3K_NGINX_ENV})
set_tests_properties(fixture/nginx-stop PROPERTIES FIXTURES_CLEANUP nginx TIMEOUT 30)

# --deep must reach the same video/image verdicts over HTTP as the local
# probe does on the same files (every generated test file).
add_test(NAME url/deep-equals-local
         COMMAND ${PM3K_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/deep_compare.py
                 --pm3k $<TARGET_FILE:pm3k_cli> --env ${PM3K_NGINX_ENV})
set_tests_properties(url/deep-equals-local PROPERTIES FIXTURES_REQUIRED "media;nginx"
                     TIMEOUT 600 SKIP_RETURN_CODE 77)
