/*
 * match/glob.h - IAM wildcard patterns, for callers inside the library that
 * hold strings by pointer and length (decoded JSON strings may contain NUL
 * bytes: "a\u0000b" is one three-byte string, and a matcher that stopped at
 * the NUL would read "ssm:*\u0000x" as "ssm:*").
 *
 * The public iamg_action_match / iamg_arn_match are these functions applied
 * to NUL-terminated strings.
 */
#ifndef IAMG_MATCH_GLOB_H
#define IAMG_MATCH_GLOB_H

#include <stddef.h>

/* iamg_action_match and iamg_arn_match on p[0..pn) and s[0..sn). */
int ig_glob_action_match(const char *p, size_t pn, const char *s, size_t sn);
int ig_glob_arn_match(const char *p, size_t pn, const char *s, size_t sn);

/* Bytes of the character at s[0..n) (n > 0): a well-formed UTF-8 sequence,
 * or one byte of anything else. Both matchers step over whole characters. */
size_t ig_glob_char_len(const char *s, size_t n);

/* One token of a pattern, as the matchers read it. */
typedef enum glob_tok_kind {
    GLOB_END,  /* end of the pattern */
    GLOB_STAR, /* '*' */
    GLOB_ONE,  /* '?' */
    GLOB_LIT,  /* one character (an escape "${*}", "${?}", "${$}" gives its character) */
    GLOB_VAR   /* ARN patterns: a policy variable "${...}", matched as its literal text */
} glob_tok_kind;

typedef struct glob_tok {
    glob_tok_kind kind;
    const char *lit; /* LIT: the character's bytes; VAR: the whole "${...}" */
    size_t len;
    const char *next; /* pattern position after the token */
} glob_tok;

typedef struct glob_reader {
    int arn;                /* ARN pattern: variables and escapes are recognised */
    const char *end;        /* one past the pattern's last byte */
    const char *last_close; /* last '}' of the pattern, NULL when none */
} glob_reader;

/* Prepare to read the tokens of p[0..n) (arn: as an ARN pattern). */
void ig_glob_reader_init(glob_reader *r, int arn, const char *p, size_t n);

/* The token at p (r->end: GLOB_END). */
glob_tok ig_glob_read(const glob_reader *r, const char *p);

#endif
