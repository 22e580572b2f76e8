/*
 * cntk-v2-udf.c: user-defined function entries of a CNTK v2 model (role:
 * worker; internal to the model library).
 *
 * A UDF is code that CNTK runs while it loads the model: a native one is
 * a library it dlopen()s and a factory symbol it calls, a Python one is a
 * module and class it pastes into `exec` (cntk-format.md §2.13).  By
 * default every UDF is rejected.  A profile may admit some by the exact
 * name of that code, MODULE.CLASS or LIBRARY:SYMBOL; then the entry must
 * have exactly the keys CNTK writes, and the strings that CNTK hands to
 * dlopen() or exec must spell that name and nothing else.
 */
#include <stdio.h>
#include <string.h>

#include "cntk-v2.h"

typedef CNTK__Proto__DictionaryValue	value_t;

#define T(x)	CNTK__PROTO__VALUE_TYPE__VALUE_##x
#define NKEYS(a)	(sizeof(a) / sizeof((a)[0]))
#define UDF_TYPE	"UserDefinedFunction"
#define NATIVE_TYPE	"NativeUserDefinedFunction"

/* The function entry; sorted bytewise, as the tree pass sorts entries. */
static const struct cntk_v2_key udf_keys[] = {
	{ "inputs", T(VECTOR), K_REQ },
	{ "name", T(STRING), K_OPT },
	{ "native", T(BOOL), K_OPT },
	{ "type", T(STRING), K_REQ },
	{ "uid", T(STRING), K_REQ },
	{ "user_defined_state", T(DICTIONARY), K_REQ },
	{ "version", T(SIZE_T), K_REQ },
};
enum { UK_INPUTS, UK_NAME, UK_NATIVE, UK_TYPE, UK_UID, UK_STATE,
	UK_VERSION, UK__MAX };

/* A native UDF's payload: the library, its factory and their state. */
static const struct cntk_v2_key native_keys[] = {
	{ "deserialize_method", T(STRING), K_REQ },
	{ "module", T(STRING), K_REQ },
	{ "op", T(STRING), K_REQ },
	{ "type", T(STRING), K_REQ },
	{ "user_defined_state", T(DICTIONARY), K_REQ },
	{ "version", T(SIZE_T), K_REQ },
};
enum { NK_METHOD, NK_MODULE, NK_OP, NK_TYPE, NK_STATE, NK_VERSION,
	NK__MAX };

/*
 * A Python UDF's payload.  `version` is an Int or a SizeT, as SWIG's
 * overload resolution picked (cntk-format.md §7): its type is set from
 * the value before the keys are checked.
 */
static const struct cntk_v2_key python_keys[] = {
	{ "class", T(STRING), K_REQ },
	{ "module", T(STRING), K_REQ },
	{ "op_name", T(STRING), K_REQ },
	{ "state", T(DICTIONARY), K_REQ },
	{ "version", T(SIZE_T), K_REQ },
};
enum { PK_CLASS, PK_MODULE, PK_OP_NAME, PK_STATE, PK_VERSION, PK__MAX };

_Static_assert(UK__MAX == NKEYS(udf_keys), "udf slots");
_Static_assert(NK__MAX == NKEYS(native_keys), "native slots");
_Static_assert(PK__MAX == NKEYS(python_keys), "python slots");

static int
udf_reject_version(struct cntk_v2 *c, const char *what, const char *uid,
    unsigned long long v, unsigned want)
{
	return cntk_v2_reject(c, REASON_UNSUPPORTED_VERSION,
	    "%s of UDF '%s' has version %llu; CNTK wrote %u", what, uid, v,
	    want);
}

/*
 * LIBRARY:SYMBOL of a native payload.  A ':' in the library would make the
 * name ambiguous, a '/' would let the model choose the directory; the
 * name check refuses both.
 */
static int
native_name(struct cntk_v2 *c, const CNTK__Proto__Dictionary *st,
    const char *uid, char *name, size_t size)
{
	const value_t *slot[NK__MAX] = { NULL };
	int r;

	if ((r = cntk_v2_check_keys(c, st, native_keys, NKEYS(native_keys),
	    false, "native UDF payload", slot)) < 0)
		return r;
	if (strcmp(slot[NK_TYPE]->string_value, NATIVE_TYPE) != 0)
		return cntk_v2_reject(c, REASON_USER_DEFINED_FUNCTION,
		    "native UDF '%s' payload has type '%s'", uid,
		    slot[NK_TYPE]->string_value);
	if (slot[NK_VERSION]->size_t_value != CNTK_V2_UDF_STATE_VERSION)
		return udf_reject_version(c, "native payload", uid,
		    (unsigned long long)slot[NK_VERSION]->size_t_value,
		    CNTK_V2_UDF_STATE_VERSION);
	c->udf_markers_admitted++;	/* the payload's own type marker */
	if (strchr(slot[NK_MODULE]->string_value, ':') != NULL ||
	    (size_t)snprintf(name, size, "%s:%s", slot[NK_MODULE]->string_value,
	    slot[NK_METHOD]->string_value) >= size || !model_udf_name_ok(name))
		return cntk_v2_reject(c, REASON_USER_DEFINED_FUNCTION,
		    "native UDF '%s' names library '%s' and symbol '%s', "
		    "which no profile can admit (LIBRARY:SYMBOL, no '/')", uid,
		    slot[NK_MODULE]->string_value,
		    slot[NK_METHOD]->string_value);
	return 0;
}

/*
 * MODULE.CLASS of a Python payload.  The class must be one identifier, so
 * that the name splits one way only: at its last dot.
 */
static int
python_name(struct cntk_v2 *c, const CNTK__Proto__Dictionary *st,
    const char *uid, char *name, size_t size)
{
	struct cntk_v2_key keys[NKEYS(python_keys)];
	const value_t *slot[PK__MAX] = { NULL }, *v;
	uint64_t version = 0;
	int r;

	memcpy(keys, python_keys, sizeof(keys));
	if ((v = cntk_v2_get(st, "version")) != NULL) {
		if (v->value_type == T(INT) && v->int_value >= 0)
			version = (uint64_t)v->int_value;
		else if (v->value_type == T(SIZE_T))
			version = v->size_t_value;
		if (v->value_type == T(INT))
			keys[PK_VERSION].type = T(INT);
	}
	if ((r = cntk_v2_check_keys(c, st, keys, NKEYS(keys), false,
	    "Python UDF payload", slot)) < 0)
		return r;
	if (version != CNTK_V2_UDF_STATE_VERSION)
		return udf_reject_version(c, "Python payload", uid,
		    (unsigned long long)version, CNTK_V2_UDF_STATE_VERSION);
	if (strpbrk(slot[PK_CLASS]->string_value, ".:") != NULL ||
	    strchr(slot[PK_MODULE]->string_value, ':') != NULL ||
	    (size_t)snprintf(name, size, "%s.%s", slot[PK_MODULE]->string_value,
	    slot[PK_CLASS]->string_value) >= size || !model_udf_name_ok(name))
		return cntk_v2_reject(c, REASON_USER_DEFINED_FUNCTION,
		    "Python UDF '%s' names module '%s' and class '%s', which "
		    "are not plain identifiers (CNTK pastes them into exec)",
		    uid, slot[PK_MODULE]->string_value,
		    slot[PK_CLASS]->string_value);
	return 0;
}

static int
udf_name(struct cntk_v2 *c, const value_t **slot, const char *uid,
    char *name, size_t size)
{
	const CNTK__Proto__Dictionary *st = slot[UK_STATE]->dictionary_value;

	/* CNTK takes an absent `native` as a language-binding UDF. */
	if (slot[UK_NATIVE] != NULL && slot[UK_NATIVE]->bool_value)
		return native_name(c, st, uid, name, size);
	return python_name(c, st, uid, name, size);
}

int
cntk_v2_check_udf(struct cntk_v2 *c, const CNTK__Proto__Dictionary *d,
    const char *type, const char *uid, struct cntk_v2_fn *f)
{
	const value_t *slot[UK__MAX] = { NULL };
	char name[MODEL_UDF_NAME_MAX + 2];
	int r;

	if (c->udfs == NULL || c->udfs->n == 0 || strcmp(type, UDF_TYPE) != 0)
		return cntk_v2_reject(c, REASON_USER_DEFINED_FUNCTION,
		    "function '%s' has type '%s'", uid, type);
	c->udf_markers_admitted++;	/* the entry's own type marker */
	if ((r = cntk_v2_check_keys(c, d, udf_keys, NKEYS(udf_keys), false,
	    uid, slot)) < 0)
		return r;
	if (slot[UK_VERSION]->size_t_value != CNTK_V2_UDF_VERSION)
		return udf_reject_version(c, "function entry", uid,
		    (unsigned long long)slot[UK_VERSION]->size_t_value,
		    CNTK_V2_UDF_VERSION);
	if ((r = cntk_v2_check_inputs(c, slot[UK_INPUTS]->vector_value,
	    uid)) < 0 || (r = udf_name(c, slot, uid, name, sizeof(name))) < 0)
		return r;
	if (!model_udfs_admit(c->udfs, name))
		return cntk_v2_reject(c, REASON_USER_DEFINED_FUNCTION,
		    "UDF '%s' runs '%s', which this profile's "
		    "user_defined_functions does not list", uid, name);
	*f = (struct cntk_v2_fn){ .d = d, .uid = uid, .op = CNTK_V2_OP_UDF,
	    .inputs = slot[UK_INPUTS]->vector_value };
	report_count_op(c->rep, UDF_TYPE);
	c->rep->stats.functions++;
	return 0;
}

int
cntk_v2_check_udf_markers(struct cntk_v2 *c)
{
	if (c->udf_markers == c->udf_markers_admitted)
		return 0;
	return cntk_v2_reject(c, REASON_USER_DEFINED_FUNCTION,
	    "%llu of the model's %llu user-defined-function markers are "
	    "outside an admitted UDF entry",
	    (unsigned long long)(c->udf_markers - c->udf_markers_admitted),
	    (unsigned long long)c->udf_markers);
}
