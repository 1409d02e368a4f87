// SPDX-License-Identifier: MIT
// The background threads' timed wait: it lasts its milliseconds on the clock the condition
// variable was made with (a deadline on the wrong clock ends at once, or decades later), and
// a signal ends it early. Bounds are wide: this checks the clock, not the speed.
#include "wait.h"
#include "util.h"

#include <check.h>
#include <time.h>

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond;
static int signalled;

/* How long one wait of ms took, with lock held as the callers do. */
static long long timed_wait(long ms)
{
	long long start = now_ms();

	pthread_mutex_lock(&lock);
	srv_cond_wait_ms(&cond, &lock, ms);
	pthread_mutex_unlock(&lock);
	return now_ms() - start;
}

START_TEST(test_waits_its_milliseconds)
{
	ck_assert_int_eq(srv_cond_init(&cond), 0);
	/* spurious wakeups are allowed but never all of them: take the longest of three */
	long long a = timed_wait(60), b = timed_wait(60), c = timed_wait(60);
	long long most = a > b ? (a > c ? a : c) : (b > c ? b : c);
	ck_assert_int_ge(most, 59);
	ck_assert_int_lt(most, 5000);
	pthread_cond_destroy(&cond);
}
END_TEST

START_TEST(test_deadline_across_a_second)
{
	/* 1,990 ms carries the nanoseconds into the seconds at least once */
	ck_assert_int_eq(srv_cond_init(&cond), 0);
	long long took = timed_wait(1990);
	ck_assert_int_ge(took, 1989);
	ck_assert_int_lt(took, 6000);
	pthread_cond_destroy(&cond);
}
END_TEST

static void *signal_soon(void *arg)
{
	(void)arg;
	struct timespec pause = { .tv_nsec = 50 * 1000000L };

	nanosleep(&pause, NULL);
	pthread_mutex_lock(&lock);
	signalled = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
	return NULL;
}

START_TEST(test_signal_ends_the_wait)
{
	pthread_t t;
	long long start = now_ms();

	ck_assert_int_eq(srv_cond_init(&cond), 0);
	pthread_mutex_lock(&lock);
	signalled = 0;
	ck_assert_int_eq(pthread_create(&t, NULL, signal_soon, NULL), 0);
	while (!signalled && now_ms() - start < 30000)
		srv_cond_wait_ms(&cond, &lock, 30000);
	pthread_mutex_unlock(&lock);
	pthread_join(t, NULL);
	ck_assert_int_eq(signalled, 1);
	ck_assert_int_lt(now_ms() - start, 10000);
	pthread_cond_destroy(&cond);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("wait");
	TCase *tc = tcase_create("wait");

	tcase_add_test(tc, test_waits_its_milliseconds);
	tcase_add_test(tc, test_deadline_across_a_second);
	tcase_add_test(tc, test_signal_ends_the_wait);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
