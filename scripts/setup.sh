#!/usr/bin/env bash
# Installs what building the workspace needs and the machine may lack:
# cmake, clang and libclang for llama.cpp's build (Debian packages). With
# --with-browser also Chromium and ChromeDriver, which the report's browser
# test drives (scripts/test.sh asks for them). Safe to run again: it installs
# only what is missing.
set -euo pipefail

missing=()
if [ "${1:-}" = "--with-browser" ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
fi
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v clang >/dev/null 2>&1 || missing+=(clang)
# bindgen needs libclang.so; Debian ships it in libclang-dev (via libclang1-N).
if ! ldconfig -p 2>/dev/null | grep -q 'libclang\(-[0-9.]*\)\?\.so'; then
  missing+=(libclang-dev)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
