/*
 * fairq.c: round-robin over uids, FIFO within one (role: supervisor).
 *
 * The number of distinct uids waiting is at most the queue length, so a
 * linear search of the ring is cheaper than any index over it.
 */
#include <errno.h>
#include <stdlib.h>

#include "fairq.h"
#include "safeload-limits.h"

struct fairq_class {
	uid_t				 uid;
	size_t				 len;
	TAILQ_HEAD(, fairq_item)	 items;
	TAILQ_ENTRY(fairq_class)	 entry;
};

void
fairq_init(struct fairq *q, size_t max)
{
	TAILQ_INIT(&q->ring);
	q->len = 0;
	q->max = max;
}

void
fairq_set_max(struct fairq *q, size_t max)
{
	q->max = max;
}

static struct fairq_class *
fairq_class_get(struct fairq *q, uid_t uid)
{
	struct fairq_class *c;

	TAILQ_FOREACH(c, &q->ring, entry)
		if (c->uid == uid)
			return c;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->uid = uid;
	TAILQ_INIT(&c->items);
	TAILQ_INSERT_TAIL(&q->ring, c, entry);
	return c;
}

static void
fairq_class_put(struct fairq *q, struct fairq_class *c)
{
	if (c->len > 0)
		return;
	TAILQ_REMOVE(&q->ring, c, entry);
	free(c);
}

int
fairq_push(struct fairq *q, struct fairq_item *it, uid_t uid)
{
	size_t share = q->max / QUEUE_UID_SHARE;
	struct fairq_class *c;

	if (q->len >= q->max)
		return -EBUSY;
	if ((c = fairq_class_get(q, uid)) == NULL)
		return -ENOMEM;
	/* With a tiny queue a uid still gets one place. */
	if (c->len >= (share > 0 ? share : 1)) {
		fairq_class_put(q, c);
		return -EBUSY;
	}
	TAILQ_INSERT_TAIL(&c->items, it, entry);
	it->cls = c;
	c->len++;
	q->len++;
	return 0;
}

void
fairq_remove(struct fairq *q, struct fairq_item *it)
{
	struct fairq_class *c = it->cls;

	if (c == NULL)
		return;
	TAILQ_REMOVE(&c->items, it, entry);
	it->cls = NULL;
	c->len--;
	q->len--;
	fairq_class_put(q, c);
}

struct fairq_item *
fairq_pop(struct fairq *q)
{
	struct fairq_class *c = TAILQ_FIRST(&q->ring);
	struct fairq_item *it;

	if (c == NULL)
		return NULL;
	it = TAILQ_FIRST(&c->items);
	/* This uid had its turn: to the back of the ring. */
	TAILQ_REMOVE(&q->ring, c, entry);
	TAILQ_INSERT_TAIL(&q->ring, c, entry);
	fairq_remove(q, it);
	return it;
}
