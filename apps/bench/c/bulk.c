/*
 * bulk.c: bulk echo client for `pnpm bench models`.
 *
 *   bulk host port total_bytes chunk_bytes
 *
 * One connection, one thread, epoll (level-triggered), non-blocking. It streams total_bytes to
 * the echo server and reads the echo back at the same time (so neither side's buffers fill and
 * stall the other), checks every echoed byte against what was sent, then half-closes and waits
 * for the server's FIN. The bytes are a pseudo-random pattern of a prime period (65521), so a
 * lost, repeated or reordered chunk of any power-of-two size is caught.
 *
 * Protocol with the runner (stdout), as pingpong.c's:
 *   "MEASURE_START"  once connected, right before the first byte is sent
 *   "MEASURE_END"    when the last byte of the echo has arrived
 *   one JSON line:   {bytes, chunk, seconds, mbPerSec, clientCpu, errors}
 * Exit status 0 only if every byte came back intact; 1 otherwise; 2 on bad arguments.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PERIOD 65521u /* prime: the pattern never lines up with a power-of-two chunk */
#define CONNECT_TIMEOUT_MS 5000

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

static void fail(const char *what) {
  fprintf(stderr, "bulk: %s: %s\n", what, strerror(errno));
  exit(1);
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: bulk host port total_bytes chunk_bytes\n");
    return 2;
  }
  const char *host = argv[1];
  const char *port = argv[2];
  unsigned long long total = strtoull(argv[3], NULL, 10);
  size_t chunk = strtoul(argv[4], NULL, 10);
  if (total == 0 || chunk == 0 || chunk > (64u << 20)) {
    fprintf(stderr, "bulk: total_bytes and chunk_bytes must be > 0 (chunk at most 64 MiB)\n");
    return 2;
  }

  /* the pattern, twice over plus a chunk, so any window [off % PERIOD, + chunk) is contiguous */
  size_t plen = 2 * PERIOD + chunk;
  unsigned char *pattern = malloc(plen);
  unsigned char *rx = malloc(chunk);
  if (!pattern || !rx) fail("malloc");
  uint32_t x = 2463534242u;
  for (size_t i = 0; i < PERIOD; i++) {
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    pattern[i] = (unsigned char)x;
  }
  for (size_t i = PERIOD; i < plen; i++) pattern[i] = pattern[i % PERIOD];

  struct addrinfo hints = {0}, *ai;
  hints.ai_socktype = SOCK_STREAM;
  int gai = getaddrinfo(host, port, &hints, &ai);
  if (gai) {
    fprintf(stderr, "bulk: %s: %s\n", host, gai_strerror(gai));
    return 1;
  }
  int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) fail("socket");
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) fail("connect");
  freeaddrinfo(ai);

  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.fd = fd};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) fail("epoll_ctl");
  struct epoll_event got;
  int n = epoll_wait(ep, &got, 1, CONNECT_TIMEOUT_MS);
  int soerr = 0;
  socklen_t sl = sizeof soerr;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
  if (n <= 0 || soerr) {
    errno = n <= 0 ? ETIMEDOUT : soerr;
    fail("connect");
  }

  unsigned long long sent = 0, rcvd = 0;
  unsigned long long errors = 0;
  int out_armed = 1, shut = 0;
  double cpu0 = cpu_seconds();
  printf("MEASURE_START\n");
  fflush(stdout);
  double t0 = now_s();
  for (;;) {
    if (epoll_wait(ep, &got, 1, 30000) <= 0) {
      fprintf(stderr, "bulk: no progress for 30 s (sent %llu, received %llu)\n", sent, rcvd);
      errors++;
      break;
    }
    if (got.events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
      ssize_t r = recv(fd, rx, chunk, 0);
      if (r < 0 && errno != EAGAIN) {
        fprintf(stderr, "bulk: recv: %s (received %llu of %llu)\n", strerror(errno), rcvd, total);
        errors++;
        break;
      }
      if (r == 0) {
        if (rcvd < total) {
          fprintf(stderr, "bulk: the server closed after %llu of %llu bytes\n", rcvd, total);
          errors++;
        }
        break;
      }
      if (r > 0) {
        if (rcvd + (unsigned long long)r > total || memcmp(rx, pattern + rcvd % PERIOD, (size_t)r) != 0) {
          fprintf(stderr, "bulk: wrong bytes echoed at offset %llu\n", rcvd);
          errors++;
          break;
        }
        rcvd += (unsigned long long)r;
        if (rcvd == total) break;
      }
    }
    if ((got.events & EPOLLOUT) && sent < total) {
      size_t len = total - sent < chunk ? (size_t)(total - sent) : chunk;
      ssize_t w = send(fd, pattern + sent % PERIOD, len, MSG_NOSIGNAL);
      if (w < 0 && errno != EAGAIN) {
        fprintf(stderr, "bulk: send: %s (sent %llu of %llu)\n", strerror(errno), sent, total);
        errors++;
        break;
      }
      if (w > 0) sent += (unsigned long long)w;
    }
    if (sent == total && out_armed) {
      ev.events = EPOLLIN;
      epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
      out_armed = 0;
      shutdown(fd, SHUT_WR);
      shut = 1;
    }
  }
  double seconds = now_s() - t0;
  printf("MEASURE_END\n");
  double cpu = cpu_seconds() - cpu0;
  if (!errors && shut) {
    /* the echo is complete: the server answers our FIN with its own */
    ev.events = EPOLLIN;
    epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
    if (epoll_wait(ep, &got, 1, 5000) <= 0 || recv(fd, rx, chunk, 0) != 0) {
      fprintf(stderr, "bulk: no FIN from the server within 5 s of the echo's end\n");
      errors++;
    }
  }
  close(fd);
  printf("{\"bytes\":%llu,\"chunk\":%zu,\"seconds\":%.6f,\"mbPerSec\":%.2f,\"clientCpu\":%.4f,\"errors\":%llu}\n",
         rcvd, chunk, seconds, rcvd / seconds / 1e6, seconds > 0 ? cpu / seconds : 0, errors);
  return errors ? 1 : 0;
}
