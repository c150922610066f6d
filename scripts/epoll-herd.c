// What EPOLLEXCLUSIVE does for a listener two threads watch, without our
// code (evidence for docs/api.md, "Listeners shared by several threads"):
// two threads, each with its own epoll on a dup of one listening socket,
// waiting either directly in epoll_wait (as the poller-thread driver does)
// or nested, through an outer epoll that watches the inner one (as Node's
// libuv loop watches socket2's epoll fd); 100 connections, one at a time.
// It prints, per thread, the events reported, the connections accepted and
// the thread's voluntary context switches (its wake-ups).
//
//   gcc -O1 -pthread -o /tmp/epoll-herd scripts/epoll-herd.c
//   /tmp/epoll-herd NESTED EXCLUSIVE      # each 0 or 1
//
// Linux 6.18 here: direct 102/101 wake-ups without the flag, 101/1 with
// it; nested 102/101 either way (the kernel stops an exclusive wake-up at
// an epoll with a thread waiting in it directly, and a nested one has
// none). Reported events stay near 100 in all four: epoll_wait re-checks
// readiness before reporting, so the thread that lost the race mostly
// wakes for nothing rather than failing an accept.

#define _GNU_SOURCE
#include <sys/epoll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <errno.h>
#include <sys/resource.h>
static long csw[2];
static int ls, nested, excl; static volatile int stop; static int wakes[2], acc[2], eag[2];
static void *worker(void *arg) {
  int i = (long)arg; int fd = dup(ls);
  int ep = epoll_create1(0); struct epoll_event ev = {0};
  ev.events = EPOLLIN | EPOLLET | (excl ? EPOLLEXCLUSIVE : 0); ev.data.u64 = 1;
  if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) perror("ctl");
  int outer = -1;
  if (nested) { outer = epoll_create1(0); struct epoll_event o = {.events = EPOLLIN}; epoll_ctl(outer, EPOLL_CTL_ADD, ep, &o); }
  struct rusage r0, r1; getrusage(RUSAGE_THREAD, &r0);
  while (!stop) {
    struct epoll_event out[8]; int n;
    if (nested) { n = epoll_wait(outer, out, 8, 2000); if (n <= 0) continue; n = epoll_wait(ep, out, 8, 0); }
    else n = epoll_wait(ep, out, 8, 2000);
    if (n <= 0) continue;
    wakes[i]++;
    int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK);
    if (c >= 0) { acc[i]++; close(c); } else if (errno == EAGAIN) eag[i]++;
  }
  getrusage(RUSAGE_THREAD, &r1); csw[i] = r1.ru_nvcsw - r0.ru_nvcsw;
  return NULL;
}
int main(int argc, char **argv) {
  nested = atoi(argv[1]); excl = atoi(argv[2]);
  ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)}; socklen_t l = sizeof a;
  bind(ls, (void *)&a, sizeof a); listen(ls, 128); getsockname(ls, (void *)&a, &l);
  pthread_t t[2]; for (long i = 0; i < 2; i++) pthread_create(&t[i], NULL, worker, (void *)i);
  usleep(100000);
  for (int k = 0; k < 100; k++) { int c = socket(AF_INET, SOCK_STREAM, 0); connect(c, (void *)&a, sizeof a); usleep(5000); close(c); }
  usleep(200000); stop = 1; { int c = socket(AF_INET, SOCK_STREAM, 0); connect(c, (void *)&a, sizeof a); usleep(50000); close(c); int d = socket(AF_INET, SOCK_STREAM, 0); connect(d, (void *)&a, sizeof a); usleep(50000); close(d);} pthread_join(t[0], NULL); pthread_join(t[1], NULL);
  printf("nested=%d excl=%d reported %d %d accepted %d %d eagain %d %d thread wake-ups (voluntary context switches) %ld %ld\n", nested, excl, wakes[0], wakes[1], acc[0], acc[1], eag[0], eag[1], csw[0], csw[1]);
}
