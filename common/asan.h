/*
 * asan.h: whether this is an AddressSanitizer build (role: library;
 * header-only).
 *
 * ASan reserves terabytes of shadow address space at startup, so any
 * RLIMIT_AS makes every later mmap fail.  Sanitizer builds (CI only) go
 * without RLIMIT_AS, release builds always set it, and the tests that
 * read the limits back need to know which one they run in.  gcc says so
 * with __SANITIZE_ADDRESS__, clang with __has_feature.
 */
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define SAFELOAD_ASAN	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SAFELOAD_ASAN	1
#endif
#endif
#ifndef SAFELOAD_ASAN
#define SAFELOAD_ASAN	0
#endif
