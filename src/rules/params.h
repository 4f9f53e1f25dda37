/*
 * rules/params.h - rule parameters: what a rule declares in `params`, the
 * values configuration sets, and the table check() receives.
 *
 * A rule declares each parameter by its default (`name = default`), or as
 * `name = { default = ..., description = "..." }`. The default's type is the
 * parameter's type: boolean, integer, number, string, or list of strings.
 */
#ifndef IAMG_RULES_PARAMS_H
#define IAMG_RULES_PARAMS_H

#include <stddef.h>

#include <lua.h>

#include "iamguard/engine.h"

/* Most parameters one rule may declare, and the sizes of their values. */
#define PARAMS_MAX 64
#define PARAM_NAME_MAX 64
#define PARAM_STRING_MAX 4096
#define PARAM_LIST_MAX 10000

/* Read the `params` field of the rule table at index t (raw access only)
 * into a new array sorted by name (*out NULL and *n 0 when absent). 0, or
 * -1 with a message in err (the array is then freed). */
int ig_params_read(lua_State *L, int t, iamg_rule_param **out, size_t *n, char *err, size_t errcap);

void ig_params_free(iamg_rule_param *p, size_t n);

/* Copy src into *dst (new strings); 0 or -1 when out of memory (*dst is then
 * empty). */
int ig_param_value_copy(iamg_param_value *dst, const iamg_param_value *src);
void ig_param_value_free(iamg_param_value *v);

/* Push a new table name -> value of the values in effect (lists are new
 * arrays). Allocates in L: call under a protected call. */
void ig_params_push(lua_State *L, const iamg_rule_param *p, size_t n);

/* Push the read-only table of the values in effect that the state keeps in
 * the registry at *ref, making it first when *ref is LUA_NOREF (or ref is
 * NULL: then a new table every time). Read-only, it can be shared by every
 * call: a rule cannot leave anything in it for the next document. Allocates
 * in L: call under a protected call. */
void ig_params_push_cached(lua_State *L, int *ref, const iamg_rule_param *p, size_t n);

/* Describe v for people ("[a, b]", "true", "\"text\"") into out. */
void ig_param_value_text(const iamg_param_value *v, char *out, size_t cap);

#endif
