# Signing and credentials: pure functions, no network. The AWS SigV4 suite is read from
# $STREAMCACHE_SOURCE_DIR/../shared/testdata (CTest sets the variable; the default covers a
# binary run by hand).
streamcache_add_test(aws_auth_tests LABEL unit
  SOURCES
    ${CMAKE_CURRENT_SOURCE_DIR}/auth/raw_request.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/auth/raw_request_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/auth/sigv4_suite_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/auth/sigv4_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/auth/credentials_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/auth/elasticache_iam_test.cpp
  LIBS streamcache_aws_auth streamcache_json streamcache_test_support OpenSSL::Crypto)
target_compile_definitions(aws_auth_tests PRIVATE
  STREAMCACHE_SOURCE_DIR_DEFAULT="${PROJECT_SOURCE_DIR}")
