/*
 * fairq.h: the bounded queue of requests waiting for a worker, fair per
 * uid (role: supervisor).
 *
 * Requests wait in one FIFO per client uid, and the uids take turns: when
 * a worker frees up, the uid that has waited longest since its last turn
 * goes next.  One uid flooding the daemon therefore delays only itself,
 * and it may hold at most 1/QUEUE_UID_SHARE of the queue, so there is
 * always room for others.
 */
#pragma once

#include <stddef.h>
#include <sys/queue.h>
#include <sys/types.h>

struct fairq_class;

/* Embedded in whatever waits (struct request). */
struct fairq_item {
	struct fairq_class		*cls;	/* NULL while not queued */
	TAILQ_ENTRY(fairq_item)		 entry;
};

struct fairq {
	TAILQ_HEAD(, fairq_class)	 ring;	/* uids with work, in turn */
	size_t				 len;
	size_t				 max;
};

void	fairq_init(struct fairq *q, size_t max);
/* A new bound (reload); items already queued stay. */
void	fairq_set_max(struct fairq *q, size_t max);
/* Queue it behind uid's others; -EBUSY when the queue or uid's share is full. */
int	fairq_push(struct fairq *q, struct fairq_item *it, uid_t uid);
/* The next item in fair order, or NULL; it is no longer queued. */
struct fairq_item *fairq_pop(struct fairq *q);
/* Take a queued item out (its client left). */
void	fairq_remove(struct fairq *q, struct fairq_item *it);
