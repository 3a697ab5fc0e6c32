# Passed to llama.cpp's CMake build by .ci/run (CMAKE_PROJECT_INCLUDE: CMake
# includes it after every project() call; llama-cpp-sys-2's build script
# hands CMAKE_* environment variables on to CMake as -D options).
#
# It turns off llama.cpp's `common` library (argument parsing, chat
# templates, Jinja, an HTTP client, downloads): over half of the llama.cpp
# build's CPU time. llama-cpp-sys-2 builds it because llama-cpp-2 depends on
# it with default features, which include `common`, but only llama-cpp-2's
# own `common` feature (off for jig-local) calls into it, so nothing jig
# links uses it. If that ever changes, linking fails on the missing
# symbols rather than anything passing silently.
if(PROJECT_NAME STREQUAL "llama.cpp")
  set(LLAMA_BUILD_COMMON OFF CACHE BOOL "llama: build common utils library" FORCE)
endif()
