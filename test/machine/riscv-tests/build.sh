#!/bin/sh
# Builds the official riscv-tests for rrvm's conformance run (never commit the results):
#   test/machine/riscv-tests/build.sh SRC OUT
# SRC is a riscv-tests checkout with its env/ submodule (riscv-test-env) in place; OUT gets
# one ELF per test, named like upstream's (rv32ui-p-add, rv32ui-v-add, ...): the -p tests of
# rv32ui, rv32um, rv32ua, rv32uc, rv32mi, rv32si and the -v (Sv32 virtual memory) tests of
# rv32ui, rv32um, rv32ua, rv32uc. Then: RRVM_RISCV_TESTS=OUT npx vitest run test/machine/riscv-tests
set -eu
SRC=$1
OUT=$2
CC=${CROSS:-riscv64-unknown-elf-}gcc
MARCH="-march=rv32imac_zicsr_zifencei -mabi=ilp32"
OPTS="-static -mcmodel=medany -fvisibility=hidden -nostdlib -nostartfiles"
# GCC 12 picks no multilib for z-extension -march strings: name libgcc by path (TOOL-NOTES).
LIBGCC=$($CC -march=rv32imac -mabi=ilp32 -print-libgcc-file-name)
# vm.c probes for an FPU with an inline `fssr` it only compares against, never executes: it is
# compiled with F allowed (it has no floating-point code); everything else is RV32IMAC.
VM_MARCH="-march=rv32imafc_zicsr_zifencei -mabi=ilp32"
# The -v env's C files need libc headers (only headers: it brings its own string functions).
LIBC_INCLUDE=${LIBC_INCLUDE:-/usr/lib/picolibc/riscv64-unknown-elf/include}
ISA=$SRC/isa
mkdir -p "$OUT"

# The test names of a suite, as its Makefrag lists them.
names() {
  printf 'include %s/%s/Makefrag\nall:\n\t@echo $(%s_sc_tests)\n' "$ISA" "$1" "$1" | make -s -f -
}

for suite in rv32ui rv32um rv32ua rv32uc rv32mi rv32si; do
  for t in $(names $suite); do
    $CC $MARCH $OPTS -I"$SRC/env/p" -I"$ISA/macros/scalar" -T"$SRC/env/p/link.ld" \
      "$ISA/$suite/$t.S" -o "$OUT/$suite-p-$t"
  done
done
for suite in rv32ui rv32um rv32ua rv32uc; do
  for t in $(names $suite); do
    entropy=0x$(echo "$suite-v-$t" | md5sum | cut -c 1-7)
    flags="$OPTS -DENTROPY=$entropy -std=gnu99 -O2 -isystem $LIBC_INCLUDE -I$SRC/env/v -I$ISA/macros/scalar"
    $CC $VM_MARCH $flags -c "$SRC/env/v/vm.c" -o "$OUT/vm.o"
    $CC $MARCH $flags -T"$SRC/env/v/link.ld" "$SRC/env/v/entry.S" "$SRC/env/v/string.c" "$OUT/vm.o" \
      "$ISA/$suite/$t.S" "$LIBGCC" -o "$OUT/$suite-v-$t"
  done
done
rm -f "$OUT/vm.o"
ls "$OUT" | wc -l
