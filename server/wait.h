// SPDX-License-Identifier: MIT
// Timed waits for budgetd's background threads (the store watcher, the connection sweeper),
// on the monotonic clock: a wall clock stepped back (NTP, an operator) must not stall them.
// Internal to server/.
#ifndef BUDGETD_SRV_WAIT_H
#define BUDGETD_SRV_WAIT_H

#include <pthread.h>

/* pthread_cond_init() with the monotonic clock; returns its result (0 on success). */
int srv_cond_init(pthread_cond_t *cond);

/* Waits on cond, with lock held, until signalled or ms milliseconds have passed (a spurious
 * wakeup may end it early: callers loop on their own condition). */
void srv_cond_wait_ms(pthread_cond_t *cond, pthread_mutex_t *lock, long ms);

#endif
