/*
 * epoll_echo.c: the reference echo server of the benchmark.
 *
 *   epoll_echo [port] [host]        (defaults: 0 = ephemeral, 127.0.0.1)
 *
 * Single thread, level-triggered epoll, non-blocking sockets. The listening
 * socket is drained with accept4 until EAGAIN; each readable connection gets
 * one read into a shared 16 KiB buffer, which is written straight back. What
 * the kernel does not take is kept in a per-connection pending buffer: the
 * connection then waits for EPOLLOUT only (no more reads until the pending
 * bytes are out, so a peer that does not read cannot make us buffer without
 * bound), and goes back to EPOLLIN once drained.
 *
 * Prints "LISTENING <port>" on stdout once listening. Exits 0 on SIGTERM or
 * SIGINT.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 16384
#define MAX_EVENTS 512

struct conn {
  int open;
  int want_out;
  char *pending; /* bytes read but not yet written back */
  size_t len, off, cap;
};

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static struct conn *conns;
static size_t nslots;
static int ep;
static char buf[BUF_SIZE];

static struct conn *slot(int fd) {
  if ((size_t)fd >= nslots) {
    size_t n = nslots ? nslots : 1024;
    while (n <= (size_t)fd) n *= 2;
    struct conn *c = realloc(conns, n * sizeof *c);
    if (!c) { fputs("epoll_echo: out of memory\n", stderr); exit(1); }
    memset(c + nslots, 0, (n - nslots) * sizeof *c);
    conns = c;
    nslots = n;
  }
  return &conns[fd];
}

static void close_conn(int fd) {
  struct conn *c = slot(fd);
  epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
  close(fd);
  free(c->pending);
  memset(c, 0, sizeof *c);
}

static int set_interest(int fd, struct conn *c, int out) {
  if (c->want_out == out) return 0;
  struct epoll_event ev = {.events = out ? EPOLLOUT : EPOLLIN, .data.fd = fd};
  if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) < 0) return -1;
  c->want_out = out;
  return 0;
}

/* Writes data; keeps what does not fit in c->pending. Returns -1 on error. */
static int write_or_queue(int fd, struct conn *c, const char *data, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = send(fd, data + done, len - done, MSG_NOSIGNAL);
    if (n > 0) { done += (size_t)n; continue; }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return -1;
  }
  size_t rest = len - done;
  if (rest == 0) return 0;
  if (c->cap < rest) {
    char *p = realloc(c->pending, rest);
    if (!p) return -1;
    c->pending = p;
    c->cap = rest;
  }
  memcpy(c->pending, data + done, rest);
  c->len = rest;
  c->off = 0;
  return set_interest(fd, c, 1);
}

static int flush_pending(int fd, struct conn *c) {
  while (c->off < c->len) {
    ssize_t n = send(fd, c->pending + c->off, c->len - c->off, MSG_NOSIGNAL);
    if (n > 0) { c->off += (size_t)n; continue; }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    return -1;
  }
  c->len = c->off = 0;
  return set_interest(fd, c, 0);
}

static void accept_all(int lfd) {
  for (;;) {
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) perror("epoll_echo: accept4");
      return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct conn *c = slot(fd);
    memset(c, 0, sizeof *c);
    c->open = 1;
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
      perror("epoll_echo: epoll_ctl ADD");
      close(fd);
      c->open = 0;
    }
  }
}

int main(int argc, char **argv) {
  const char *port = argc > 1 ? argv[1] : "0";
  const char *host = argc > 2 ? argv[2] : "127.0.0.1";

  struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: epoll_wait returns EINTR */
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }

  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai;
  int gai = getaddrinfo(host, port, &hints, &ai);
  if (gai) { fprintf(stderr, "epoll_echo: %s:%s: %s\n", host, port, gai_strerror(gai)); return 1; }
  int lfd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (lfd < 0) { perror("epoll_echo: socket"); return 1; }
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(lfd, ai->ai_addr, ai->ai_addrlen) < 0) { perror("epoll_echo: bind"); return 1; }
  freeaddrinfo(ai);
  if (listen(lfd, 4096) < 0) { perror("epoll_echo: listen"); return 1; }

  struct sockaddr_storage ss;
  socklen_t sslen = sizeof ss;
  getsockname(lfd, (struct sockaddr *)&ss, &sslen);
  int bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                             : ((struct sockaddr_in *)&ss)->sin_port);

  ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) { perror("epoll_echo: epoll_create1"); return 1; }
  struct epoll_event lev = {.events = EPOLLIN, .data.fd = lfd};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) < 0) { perror("epoll_echo: epoll_ctl"); return 1; }

  printf("LISTENING %d\n", bound);
  fflush(stdout);

  struct epoll_event evs[MAX_EVENTS];
  while (!stop) {
    int n = epoll_wait(ep, evs, MAX_EVENTS, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("epoll_echo: epoll_wait");
      return 1;
    }
    for (int i = 0; i < n; i++) {
      int fd = evs[i].data.fd;
      uint32_t e = evs[i].events;
      if (fd == lfd) { accept_all(lfd); continue; }
      struct conn *c = slot(fd);
      if (!c->open) continue; /* closed earlier in this batch */
      if (c->want_out) {
        if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP))
          if (flush_pending(fd, c) < 0) close_conn(fd);
        continue;
      }
      if (!(e & (EPOLLIN | EPOLLERR | EPOLLHUP))) continue;
      ssize_t r = recv(fd, buf, sizeof buf, 0);
      if (r > 0) {
        if (write_or_queue(fd, c, buf, (size_t)r) < 0) close_conn(fd);
      } else if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        close_conn(fd);
      }
    }
  }
  close(lfd);
  close(ep);
  return 0;
}
