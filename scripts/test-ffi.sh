#!/usr/bin/env bash
# The C ABI tests: the committed header matches the code, then every C test program under
# ffi/tests/c is built with gcc -Wall -Wextra -Werror -std=c11 (the C++ one with g++ -std=c++17)
# and run three ways: against the shared library found with pkg-config, statically linked under
# AddressSanitizer and UBSan, and under valgrind (zero errors, zero leaks). Last line:
# "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
passed=0
failed=0
record() { # name, status
  if [ "$2" = 0 ]; then passed=$((passed + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1"; fi
}

scripts/ffi-header.sh --check
record "header up to date" $?

libdir=$(scripts/build-ffi.sh --debug) || { echo "0 passed, 1 failed"; exit 1; }
export PKG_CONFIG_PATH=$libdir
others=$(nm -D --defined-only "$libdir/libsheetseal.so" | awk '{print $3}' | grep -v '^sheetseal_')
[ -z "$others" ]; record "every exported symbol starts with sheetseal_" $?
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo run --quiet --locked -p sheetseal-cli -- corpus --letters 20 --out "$work/corpus" >/dev/null
pdf=$work/corpus/letters.pdf
csv=$work/corpus/letters.csv

cflags=(-Wall -Wextra -Werror -g -Iffi/tests/c $(pkg-config --cflags sheetseal))
dynamic_libs=($(pkg-config --libs sheetseal) -Wl,-rpath,"$libdir" -lpthread)
static_libs=("$libdir/libsheetseal.a" $(pkg-config --libs-only-l --static sheetseal | sed 's/-lsheetseal//'))
sanitize=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)

args_for() { # the arguments each test program takes
  case "$1" in
    test_job*|test_threads*) echo "$pdf $csv $work/$1" ;;
    test_mark*|test_template*) echo "$work/$1" ;;
    *) echo "" ;;
  esac
}

for src in ffi/tests/c/*.c ffi/tests/c/*.cpp; do
  name=$(basename "${src%.*}")
  case "$src" in
    *.cpp) cc=(g++ -std=c++17) ;;
    *) cc=(gcc -std=c11) ;;
  esac
  mkdir -p "$work/$name"
  if "${cc[@]}" "${cflags[@]}" -o "$work/$name.dyn" "$src" "${dynamic_libs[@]}"; then
    # shellcheck disable=SC2046
    "$work/$name.dyn" $(args_for "$name"); record "$name" $?
    if [ "$name" = test_mark ] || [ "$name" = test_template ]; then
      python3 scripts/decode-raster.py "$work/$name"; record "$name: rendered marks decoded by zxing-cpp and dmtxread" $?
    fi
    mkdir -p "$work/$name.vg"
    # shellcheck disable=SC2046
    valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
      --errors-for-leak-kinds=definite,indirect "$work/$name.dyn" $(args_for "$name.vg")
    record "$name (valgrind)" $?
  else
    record "$name (build)" 1
  fi
  if "${cc[@]}" "${cflags[@]}" "${sanitize[@]}" -o "$work/$name.asan" "$src" "${static_libs[@]}"; then
    mkdir -p "$work/$name.asan.d"
    # shellcheck disable=SC2046
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 "$work/$name.asan" $(args_for "$name.asan.d")
    record "$name (asan+ubsan)" $?
  else
    record "$name (asan build)" 1
  fi
done

for src in examples/c/*.c; do
  gcc -std=c11 "${cflags[@]}" -o "$work/example-$(basename "${src%.c}")" "$src" "${dynamic_libs[@]}"
  record "example $(basename "$src") builds" $?
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
