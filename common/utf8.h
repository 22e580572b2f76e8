/*
 * utf8.h: one UTF-8 sequence, checked (role: library; used by the worker's
 * wire walk and by the client's JSON output).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * Length (1-4) of the well-formed UTF-8 sequence at s[0..n), n >= 1, or 0
 * if it is not one: a bad lead or continuation byte, a sequence cut short
 * by n, an overlong form, a UTF-16 surrogate or a code point beyond
 * U+10FFFF.  NUL is a one-byte sequence; callers that refuse it check.
 */
size_t	utf8_seq_len(const uint8_t *s, size_t n);
