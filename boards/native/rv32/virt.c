/*
 * The replay tool on an RV32IMC core: QEMU's `virt` machine (qemu-system-riscv32 -M virt -cpu
 * rv32,a=false -bios none), the ESP32-C3's instruction set without atomics. The recording and the
 * report files go through semihosting (picolibc's --oslib=semihost); the run ends through the
 * virt test device, whose status QEMU exits with. Instructions are counted with the instret CSR
 * (QEMU: -icount shift=0, so one tick is one retired instruction).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "shell.h"

int shell_main(int argc, char** argv);

/* rdinstret/rdinstreth: read high, low, high again, so a carry between the reads is not lost. */
uint64_t shell_instret(void) {
  uint32_t hi, lo, hi2;
  do {
    __asm__ volatile("rdinstreth %0" : "=r"(hi));
    __asm__ volatile("rdinstret %0" : "=r"(lo));
    __asm__ volatile("rdinstreth %0" : "=r"(hi2));
  } while (hi != hi2);
  return (uint64_t)hi << 32 | lo;
}

/* The virt machine's test device (sifive_test at 0x100000): 0x5555 passes, (code << 16) | 0x3333
 * fails with that exit status. picolibc's exit() flushes stdio and calls this. */
#define VIRT_TEST_DEVICE ((volatile uint32_t*)0x100000u)
void _exit(int status) {
  *VIRT_TEST_DEVICE = status == 0 ? 0x5555u : ((uint32_t)(status & 0xffff) << 16) | 0x3333u;
  for (;;) {
  }
}

/* A CPU exception (illegal instruction, misaligned or faulting access): no OS to report to, so
 * end the run at once with status 4 (mcause in the upper bits is not kept: QEMU takes 16 bits). */
__attribute__((naked, aligned(4))) static void cpu_exception(void) {
  __asm__ volatile(
      "li t0, 0x100000\n"
      "li t1, 0x43333\n" /* (4 << 16) | 0x3333 */
      "sw t1, 0(t0)\n"
      "1: j 1b\n");
}

/* picolibc's semihosting crt0 passes argv[0] = "program-name", then QEMU's -semihosting-config arg=… */
int main(int argc, char** argv) {
  __asm__ volatile(".option push\n.option arch, +zicsr\ncsrw mtvec, %0\n.option pop" : : "r"(cpu_exception));
  if (argc > 1 && strcmp(argv[0], "program-name") == 0) {
    argc--;
    argv++;
  }
  return shell_main(argc, argv);
}
