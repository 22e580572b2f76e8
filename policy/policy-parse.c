/*
 * policy-parse.c: the policy file's pure parser (role: library; the fuzz
 * target for policy text).
 *
 * libinih splits the text into sections and `key = value` lines; this file
 * owns the schema.  A table names every key, the section it belongs in,
 * its type and where it lands, so an unknown section or key, a repeated
 * scalar or a bad value stops the parse with the line that caused it.
 * No I/O and no NSS here: user and group names and the files a policy
 * names are resolved by policy.c after the parse.
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-internal.h"
#include "report.h"

enum sect { SECT_NONE, SECT_DAEMON, SECT_ACCESS, SECT_PROFILE };

enum ktype {
	K_U32, K_U64, K_SIZE, K_MS, K_SEC, K_BOOL, K_IDS, K_NAMES, K_UDF,
	K_FORMATS, K_KEY, K_KEYFILE, K_PATH, K_FLOOR
};

struct pkey {
	const char	*name;
	size_t		 off;	/* into struct policy or policy_profile */
	uint64_t	 min, max;
	enum sect	 sect;
	enum ktype	 type;
};

#define PD(f)	offsetof(struct policy, f)
#define PP(f)	offsetof(struct policy_profile, f)
#define K(s, n, t, o, lo, hi) \
	{ .name = (n), .off = (o), .min = (lo), .max = (hi), .sect = (s), \
	    .type = (t) }

static const struct pkey pkeys[] = {
	K(SECT_DAEMON, "idle_workers", K_U32, PD(idle_workers), 0, WORKERS_MAX),
	K(SECT_DAEMON, "max_concurrent", K_U32, PD(max_workers), 1,
	    WORKERS_MAX),
	K(SECT_DAEMON, "queue_length", K_U32, PD(queue_length), 0,
	    POLICY_QUEUE_MAX),
	K(SECT_DAEMON, "cache_size", K_SIZE, PD(cache_bytes), 0,
	    POLICY_CACHE_MAX),
	K(SECT_DAEMON, "worker_timeout", K_MS, PD(worker_timeout_ms), 1,
	    WORKER_TIMEOUT_MS),
	K(SECT_DAEMON, "worker_memory", K_SIZE, PD(worker_mem), 1,
	    WORKER_AS_MAX),
	K(SECT_DAEMON, "worker_cpu", K_SEC, PD(worker_cpu), 1,
	    WORKER_CPU_SEC),
	K(SECT_ACCESS, "users", K_IDS, PD(users), 0, 0),
	K(SECT_ACCESS, "groups", K_IDS, PD(groups), 0, 0),
	K(SECT_PROFILE, "users", K_IDS, PP(users), 0, 0),
	K(SECT_PROFILE, "groups", K_IDS, PP(groups), 0, 0),
	K(SECT_PROFILE, "formats", K_FORMATS, PP(formats), 0, 0),
	K(SECT_PROFILE, "max_file_size", K_SIZE, PP(limits.max_bytes), 1,
	    MODEL_MAX_BYTES),
	K(SECT_PROFILE, "max_depth", K_U32, PP(limits.max_depth), 1,
	    MODEL_MAX_DEPTH),
	K(SECT_PROFILE, "max_nodes", K_U32, PP(limits.max_nodes), 1,
	    MODEL_MAX_NODES),
	K(SECT_PROFILE, "max_tensor_elements", K_U64,
	    PP(limits.max_elements), 1, MODEL_MAX_ELEMENTS),
	K(SECT_PROFILE, "max_parameters", K_U64, PP(max_parameters), 1,
	    POLICY_PARAMS_MAX),
	K(SECT_PROFILE, "max_string", K_SIZE, PP(limits.max_string), 1,
	    MODEL_MAX_STRING),
	K(SECT_PROFILE, "max_entries", K_U32, PP(limits.max_entries), 1,
	    MODEL_MAX_ENTRIES),
	K(SECT_PROFILE, "max_decode_memory", K_SIZE, PP(limits.max_alloc), 1,
	    (uint64_t)MODEL_ALLOC_FACTOR * MODEL_MAX_BYTES + MODEL_ALLOC_SLACK),
	K(SECT_PROFILE, "max_graph_steps", K_U64, PP(limits.max_graph_steps),
	    1, MODEL_GRAPH_STEPS_MAX),
	K(SECT_PROFILE, "max_dynamic_axes", K_U32, PP(limits.max_dynamic_axes),
	    1, MODEL_MAX_DYNAMIC_AXES),
	K(SECT_PROFILE, "allow_ops", K_NAMES, PP(allow_ops), 0, 0),
	K(SECT_PROFILE, "deny_ops", K_NAMES, PP(deny_ops), 0, 0),
	K(SECT_PROFILE, "user_defined_functions", K_UDF, PP(udfs), 0, 0),
	K(SECT_PROFILE, "trusted_digests", K_PATH, PP(digests_file), 0, 0),
	K(SECT_PROFILE, "require_signature", K_BOOL, PP(require_signature),
	    0, 1),
	K(SECT_PROFILE, "public_key", K_KEY, 0, 0, 0),
	K(SECT_PROFILE, "public_key_file", K_KEYFILE, 0, 0, 0),
	K(SECT_PROFILE, "sandbox_floor", K_FLOOR, PP(sandbox_floor), 0, 0),
};
#define NKEYS	(sizeof(pkeys) / sizeof(pkeys[0]))

static const char *const layer_names[POLICY_LAYER__MAX] = {
	[POLICY_LAYER_RLIMITS] = "rlimits",
	[POLICY_LAYER_UID] = "uid",
	[POLICY_LAYER_NO_NEW_PRIVS] = "no-new-privs",
	[POLICY_LAYER_SECCOMP] = "seccomp",
	[POLICY_LAYER_LANDLOCK] = "landlock",
	[POLICY_LAYER_PIDNS] = "pidns",
	[POLICY_LAYER_USERNS] = "userns",
	[POLICY_LAYER_MNTNS] = "mntns",
	[POLICY_LAYER_NETNS] = "netns",
	[POLICY_LAYER_IPCNS] = "ipcns",
	[POLICY_LAYER_UTSNS] = "utsns",
	[POLICY_LAYER_CGROUPNS] = "cgroupns",
};

struct pctx {
	const char		*text;
	size_t			 len, pos;
	unsigned		 line;
	struct policy		*p;
	struct policy_err	*err;
	enum sect		 sect;
	struct policy_profile	*prof;	/* SECT_PROFILE */
	uint64_t		*seen;
};

static int __attribute__((format(printf, 2, 3)))
perr(struct pctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err->line != 0)
		return -EINVAL;		/* the first error is the useful one */
	c->err->line = c->line;
	va_start(ap, fmt);
	(void)vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const char *
policy_layer_name(enum policy_layer l)
{
	if ((unsigned)l >= POLICY_LAYER__MAX)
		return NULL;
	return layer_names[l];
}

/* Plain decimal, no sign, then an optional unit from `units`. */
static int
parse_scaled(const char *v, const char *const *units, const uint64_t *mul,
    uint64_t *ret)
{
	unsigned long long n;
	char *end;
	size_t i;

	if (!isdigit((unsigned char)v[0]))
		return -EINVAL;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0)
		return -ERANGE;
	for (i = 0; units[i] != NULL; i++)
		if (strcmp(end, units[i]) == 0)
			break;
	if (units[i] == NULL)
		return -EINVAL;
	if (mul[i] != 0 && n > UINT64_MAX / mul[i])
		return -ERANGE;
	*ret = n * mul[i];
	return 0;
}

static const char *const size_units[] = { "", "K", "KiB", "M", "MiB", "G",
	"GiB", NULL };
static const uint64_t size_mul[] = { 1, 1ull << 10, 1ull << 10, 1ull << 20,
	1ull << 20, 1ull << 30, 1ull << 30 };
static const char *const ms_units[] = { "", "s", "ms", "min", NULL };
static const uint64_t ms_mul[] = { 1000, 1000, 1, 60000 };
static const char *const sec_units[] = { "", "s", "min", NULL };
static const uint64_t sec_mul[] = { 1, 1, 60 };

static int
parse_number(struct pctx *c, const struct pkey *k, const char *v,
    uint64_t *ret)
{
	const char *what = "a number", *unit = "";
	int r;

	switch (k->type) {
	case K_SIZE:
		r = parse_scaled(v, size_units, size_mul, ret);
		what = "a size (bytes, or with K, M, G)";
		unit = " bytes";
		break;
	case K_MS:
		r = parse_scaled(v, ms_units, ms_mul, ret);
		what = "a duration (seconds, or with s, ms, min)";
		unit = "ms";
		break;
	case K_SEC:
		r = parse_scaled(v, sec_units, sec_mul, ret);
		what = "a duration (seconds, or with s, min)";
		unit = "s";
		break;
	default:
		r = parse_scaled(v, size_units, size_mul, ret);
		/* Counts take no unit. */
		if (r == 0 && strspn(v, "0123456789") != strlen(v))
			r = -EINVAL;
		break;
	}
	if (r < 0 || *ret < k->min || *ret > k->max)
		return perr(c, "%s: '%s' is not %s from %llu%s to %llu%s",
		    k->name, v, what, (unsigned long long)k->min, unit,
		    (unsigned long long)k->max, unit);
	return 0;
}

static int	add_path(struct pctx *, const struct pkey *,
		    struct policy_path *, const char *);

static int
parse_scalar(struct pctx *c, const struct pkey *k, void *dst, const char *v)
{
	uint64_t n = 0;
	int r;

	if (k->type == K_PATH)
		return add_path(c, k, dst, v);
	if (k->type == K_BOOL) {
		if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
			n = 1;
		else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
			n = 0;
		else
			return perr(c, "%s: '%s' is not yes or no", k->name,
			    v);
	} else if ((r = parse_number(c, k, v, &n)) < 0)
		return r;
	if (k->type == K_U64 || (k->type == K_SIZE && k->max > UINT32_MAX))
		*(uint64_t *)dst = n;
	else if (k->type == K_BOOL)
		*(int *)dst = (int)n;
	else
		*(uint32_t *)dst = (uint32_t)n;
	return 0;
}

/* User, group, op and UDF names: a portable, printable subset. */
static int
name_ok(const char *w, const char *extra)
{
	size_t i, n = strlen(w);

	if (n == 0 || n > POLICY_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)w[i]) &&
		    strchr(extra, w[i]) == NULL)
			return 0;
	return 1;
}

static int
add_id(struct pctx *c, const struct pkey *k, struct policy_idlist *l,
    const char *w)
{
	struct policy_id *id;
	unsigned long v;
	char *end;

	if (!name_ok(w, "._-"))
		return perr(c, "%s: '%s' is not a user or group name", k->name,
		    w);
	if (l->n >= POLICY_IDS_MAX)
		return perr(c, "%s: more than %u entries", k->name,
		    POLICY_IDS_MAX);
	id = &l->ids[l->n++];
	memcpy(id->name, w, strlen(w) + 1);
	id->line = c->line;
	if (isdigit((unsigned char)w[0])) {
		errno = 0;
		v = strtoul(w, &end, 10);
		/* (uid_t)-1 means "no change" to the kernel: never an id. */
		if (errno != 0 || *end != '\0' || v >= UINT32_MAX)
			return perr(c, "%s: '%s' is not a valid id", k->name,
			    w);
		id->resolved = 1;
		id->id = (uint32_t)v;
	}
	return 0;
}

static int
add_name(struct pctx *c, const struct pkey *k, struct policy_names *l,
    const char *w)
{
	size_t i;

	if (!name_ok(w, "._-:"))
		return perr(c, "%s: '%s' is not a valid name", k->name, w);
	for (i = 0; i < l->n; i++)
		if (strcmp(l->names[i], w) == 0)
			return perr(c, "%s: '%s' is listed twice", k->name, w);
	if (l->n >= POLICY_NAMES_MAX)
		return perr(c, "%s: more than %u names", k->name,
		    POLICY_NAMES_MAX);
	memcpy(l->names[l->n++], w, strlen(w) + 1);
	return 0;
}

/* A UDF is admitted by the exact name of the code CNTK would run. */
static int
add_udf(struct pctx *c, const struct pkey *k, struct model_udfs *u,
    const char *w)
{
	if (!model_udf_name_ok(w))
		return perr(c, "%s: '%s' is neither MODULE.CLASS (a Python "
		    "UDF) nor LIBRARY:SYMBOL without '/' (a native one)",
		    k->name, w);
	if (model_udfs_admit(u, w))
		return perr(c, "%s: '%s' is listed twice", k->name, w);
	if (u->n >= MODEL_UDFS_MAX)
		return perr(c, "%s: more than %u names", k->name,
		    MODEL_UDFS_MAX);
	memcpy(u->names[u->n++], w, strlen(w) + 1);
	return 0;
}

static int
add_format(struct pctx *c, const struct pkey *k, uint32_t *mask,
    const char *w)
{
	int f;

	for (f = REPORT_FORMAT_UNKNOWN + 1; f < REPORT_FORMAT__MAX; f++)
		if (strcmp(w, report_format_name((enum report_format)f)) == 0) {
			*mask |= 1u << f;
			return 0;
		}
	return perr(c, "%s: unknown format '%s' (cntk-v2, cntk-v1, onnx)",
	    k->name, w);
}

static int
add_layer(struct pctx *c, const struct pkey *k, uint32_t *mask,
    const char *w)
{
	int l;

	for (l = 0; l < POLICY_LAYER__MAX; l++)
		if (strcmp(w, layer_names[l]) == 0) {
			*mask |= 1u << l;
			return 0;
		}
	return perr(c, "%s: unknown sandbox layer '%s' (rlimits, uid, "
	    "no-new-privs, seccomp, landlock, pidns)", k->name, w);
}

static int
add_key(struct pctx *c, const struct pkey *k, const char *w)
{
	struct policy_profile *pr = c->prof;

	if (pr->n_keys >= POLICY_KEYS_MAX)
		return perr(c, "%s: more than %u keys", k->name,
		    POLICY_KEYS_MAX);
	if (policy_key_decode(w, &pr->keys[pr->n_keys]) < 0)
		return perr(c, "%s: '%.60s' is not a minisign public key",
		    k->name, w);
	pr->n_keys++;
	return 0;
}

static int
add_path(struct pctx *c, const struct pkey *k, struct policy_path *dst,
    const char *w)
{
	size_t n = strlen(w);

	if (w[0] != '/' || n > POLICY_PATH_MAX)
		return perr(c, "%s: '%.60s' is not an absolute path", k->name,
		    w);
	memcpy(dst->path, w, n + 1);
	dst->line = c->line;
	return 0;
}

static int
add_keyfile(struct pctx *c, const struct pkey *k, const char *w)
{
	struct policy_profile *pr = c->prof;

	if (pr->n_key_files >= POLICY_KEYS_MAX)
		return perr(c, "%s: more than %u key files", k->name,
		    POLICY_KEYS_MAX);
	return add_path(c, k, &pr->key_files[pr->n_key_files++], w);
}

/* One word of a list value. */
static int
parse_word(struct pctx *c, const struct pkey *k, void *dst, const char *w)
{
	switch (k->type) {
	case K_IDS:
		return add_id(c, k, dst, w);
	case K_NAMES:
		return add_name(c, k, dst, w);
	case K_UDF:
		/* udf_allow: -1 after 'reject', 1 after a name. */
		if ((strcmp(w, "reject") == 0 && c->prof->udf_allow > 0) ||
		    (strcmp(w, "reject") != 0 && c->prof->udf_allow < 0))
			return perr(c, "%s: 'reject' mixed with names",
			    k->name);
		if (strcmp(w, "reject") == 0) {
			c->prof->udf_allow = -1;
			return 0;
		}
		c->prof->udf_allow = 1;
		return add_udf(c, k, dst, w);
	case K_FORMATS:
		return add_format(c, k, dst, w);
	case K_FLOOR:
		return add_layer(c, k, dst, w);
	case K_KEY:
		return add_key(c, k, w);
	case K_KEYFILE:
		return add_keyfile(c, k, w);
	default:
		return add_path(c, k, dst, w);
	}
}

static int
is_list(enum ktype t)
{
	return t == K_IDS || t == K_NAMES || t == K_UDF || t == K_FORMATS ||
	    t == K_KEY || t == K_KEYFILE || t == K_FLOOR;
}

/* Lists split on blanks and commas; repeating a list key appends to it. */
static int
parse_list(struct pctx *c, const struct pkey *k, void *dst, const char *v)
{
	char buf[INI_MAX_LINE + 1], *w, *save = NULL;
	int r, any = 0;

	(void)snprintf(buf, sizeof(buf), "%s", v);
	/* A list given in the file replaces the built-in one. */
	if (k->type == K_IDS && !((struct policy_idlist *)dst)->set)
		((struct policy_idlist *)dst)->n = 0;
	if (k->type == K_IDS)
		((struct policy_idlist *)dst)->set = 1;
	if (k->type == K_NAMES)
		((struct policy_names *)dst)->set = 1;
	if ((k->type == K_FORMATS || k->type == K_FLOOR) &&
	    !(*c->seen & (1ull << (k - pkeys))))
		*(uint32_t *)dst = 0;
	for (w = strtok_r(buf, " \t,", &save); w != NULL;
	    w = strtok_r(NULL, " \t,", &save)) {
		if ((r = parse_word(c, k, dst, w)) < 0)
			return r;
		any = 1;
	}
	if (!any && k->type != K_IDS && k->type != K_NAMES)
		return perr(c, "%s: needs a value", k->name);
	return 0;
}

static const struct pkey *
find_key(enum sect s, const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (pkeys[i].sect == s && strcmp(pkeys[i].name, name) == 0)
			return &pkeys[i];
	return NULL;
}

static int
ini_cb(void *user, const char *section, const char *name, const char *value)
{
	struct pctx *c = user;
	const struct pkey *k;
	uint64_t bit;
	void *dst;

	(void)section;		/* tracked by the reader, which sees the line */
	if (c->err->line != 0)
		return 0;
	if (c->sect == SECT_NONE) {
		(void)perr(c, "'%s' before the first [section]", name);
		return 0;
	}
	if ((k = find_key(c->sect, name)) == NULL) {
		(void)perr(c, "unknown key '%s' in [%s]", name, section);
		return 0;
	}
	bit = 1ull << (k - pkeys);
	if ((*c->seen & bit) && !is_list(k->type)) {
		(void)perr(c, "'%s' is set twice in [%s]", name, section);
		return 0;
	}
	dst = (char *)(c->sect == SECT_PROFILE ? (void *)c->prof :
	    (void *)c->p) + k->off;
	if ((is_list(k->type) ? parse_list(c, k, dst, value) :
	    parse_scalar(c, k, dst, value)) < 0)
		return 0;
	*c->seen |= bit;
	return 1;
}

static int
profile_start(struct pctx *c, const char *name)
{
	struct policy *p = c->p;
	size_t i;

	if (!name_ok(name, "._-") || strlen(name) > PROFILE_NAME_MAX)
		return perr(c, "'%s' is not a valid profile name", name);
	for (i = 0; i < p->n_profiles; i++)
		if (strcmp(p->profiles[i].name, name) == 0)
			break;
	if (i < p->n_profiles && p->profiles[i].line != 0)
		return perr(c, "[profile %s] appears twice (first on line %u)",
		    name, p->profiles[i].line);
	if (i == p->n_profiles) {
		if (p->n_profiles >= POLICY_PROFILES_MAX)
			return perr(c, "more than %u profiles",
			    POLICY_PROFILES_MAX);
		policy_profile_defaults(&p->profiles[p->n_profiles++], name);
	}
	c->prof = &p->profiles[i];
	c->prof->line = c->line;
	c->seen = &c->prof->seen;
	c->sect = SECT_PROFILE;
	return 0;
}

/* "[ name ]": the reader sees every header, even of empty sections. */
static int
section_start(struct pctx *c, const char *line)
{
	char name[INI_MAX_LINE + 1];
	const char *end = strchr(line, ']');
	size_t n;

	if (end == NULL || end - line - 1 >= (ptrdiff_t)sizeof(name))
		return perr(c, "section header without ']'");
	n = (size_t)(end - line - 1);
	memcpy(name, line + 1, n);
	name[n] = '\0';
	if (end[1 + strspn(end + 1, " \t\r\n")] != '\0')
		return perr(c, "text after the section header");
	if (strcmp(name, "daemon") == 0 || strcmp(name, "access") == 0) {
		c->sect = name[0] == 'd' ? SECT_DAEMON : SECT_ACCESS;
		c->seen = c->sect == SECT_DAEMON ? &c->p->daemon_seen :
		    &c->p->access_seen;
		if (*c->seen & (1ull << 63))
			return perr(c, "[%s] appears twice", name);
		*c->seen |= 1ull << 63;	/* bit 63: the section was opened */
		return 0;
	}
	if (strncmp(name, "profile ", 8) == 0)
		return profile_start(c, name + 8 + strspn(name + 8, " "));
	return perr(c, "unknown section [%s] (daemon, access, profile NAME)",
	    name);
}

/* fgets() over the text for inih, counting lines and vetting them. */
static char *
reader(char *str, int num, void *stream)
{
	struct pctx *c = stream;
	const char *nl, *s;
	size_t n, avail;

	if (c->pos >= c->len || num < 2)
		return NULL;
	s = c->text + c->pos;
	avail = c->len - c->pos;
	nl = memchr(s, '\n', avail);
	n = nl != NULL ? (size_t)(nl - s) + 1 : avail;
	c->line++;
	if (memchr(s, '\0', n) != NULL)
		(void)perr(c, "NUL byte in the file");
	else if (n > (size_t)num - 1)
		(void)perr(c, "line longer than %d bytes", num - 2);
	c->pos += n;
	n = n > (size_t)num - 1 ? (size_t)num - 1 : n;
	memcpy(str, s, n);
	str[n] = '\0';
	s = str + strspn(str, " \t");
	if (c->err->line == 0 && s[0] == '[')
		(void)section_start(c, s);
	if (c->err->line != 0)
		str[0] = '\0';	/* inih skips it; the error is already noted */
	return str;
}

int
policy_parse_text(const char *text, size_t len, struct policy *p,
    struct policy_err *err)
{
	struct pctx c = { .text = text, .len = len, .p = p, .err = err };
	int r;

	err->line = 0;
	err->msg[0] = '\0';
	if (len > POLICY_FILE_MAX) {
		err->line = 1;
		(void)snprintf(err->msg, sizeof(err->msg),
		    "file is larger than %u bytes", POLICY_FILE_MAX);
		return -EINVAL;
	}
	r = ini_parse_stream(reader, &c, ini_cb, &c);
	if (err->line != 0)
		return -EINVAL;
	if (r != 0) {
		err->line = r > 0 ? (unsigned)r : 1;
		(void)snprintf(err->msg, sizeof(err->msg), "syntax error: "
		    "expected '[section]', 'key = value' or a comment");
		return -EINVAL;
	}
	return 0;
}
