// SPDX-License-Identifier: MIT
// LD_PRELOAD for check_server: when budgetd's main thread takes its listening socket out of
// an epoll set (MHD_quiesce_daemon() at SIGTERM), a worker thread has just taken it out
// first, as a worker woken at that moment does (libmicrohttpd's MHD_epoll()). The race
// aborted budgetd's stop in about 4 % of the stops under strace (tests/deploy/units);
// here it happens at every stop.
#include <dlfcn.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

typedef int epoll_ctl_fn(int, int, int, struct epoll_event *);

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)
{
	static epoll_ctl_fn *real;
	int listening = 0;
	socklen_t len = sizeof(listening);

	if (real == NULL)
		real = (epoll_ctl_fn *)dlsym(RTLD_NEXT, "epoll_ctl");
	if (op == EPOLL_CTL_DEL && gettid() == getpid() &&
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening)
		real(epfd, op, fd, event); /* the worker's removal, first */
	return real(epfd, op, fd, event);
}
