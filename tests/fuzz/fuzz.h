// SPDX-License-Identifier: MIT
// What the fuzz targets share: the way a target reports a broken invariant.
#ifndef BUDGETD_FUZZ_H
#define BUDGETD_FUZZ_H

/* Prints "target: message" and abort()s, so that libFuzzer keeps the input. */
void fuzz_die(const char *target, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

#endif
