/*
 * pingpong.c: closed-loop TCP ping-pong client for the echo benchmark.
 *
 *   pingpong host port connections warmup_s measure_s msg_size
 *
 * Single thread, epoll (level-triggered), non-blocking sockets, TCP_NODELAY.
 * Every connection keeps exactly one message in flight: it sends msg_size
 * bytes, waits until msg_size bytes came back (partial reads and writes are
 * handled), checks that the echo equals what was sent, records the round-trip
 * time and sends the next message. The payload carries the connection index
 * and a per-connection sequence number, so a mixed-up or stale echo is caught.
 *
 * Round-trip times are recorded only during the measure window, into a
 * log-linear histogram (128 sub-buckets per power of two: < 0.8 % error).
 *
 * Protocol with the runner (stdout):
 *   "MEASURE_START"   when the measure window opens (the runner samples the
 *                     server's CPU time there)
 *   "MEASURE_END"     when it closes
 *   one JSON line:    {connections, msgSize, seconds, messages, msgsPerSec,
 *                      p50Us, p99Us, errors, ...}
 * Exit status 0 only if every connection connected, echoed the right bytes
 * and completed at least one round trip; 1 otherwise (the JSON is still
 * printed, with errors > 0 and reasons on stderr); 2 on bad arguments.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CONNECT_BATCH 32          /* connects in flight at once */
#define CONNECT_TIMEOUT_MS 5000
#define MAX_EVENTS 1024
#define MAX_ERROR_LOGS 20

/* ---------- time ---------- */

static inline uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
         (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* ---------- log-linear histogram (values in ns) ---------- */

#define SUB_BITS 7
#define SUB_COUNT (1u << SUB_BITS)            /* 128 */
#define LINEAR_MAX (2u * SUB_COUNT)           /* values < 256 ns are exact */
#define HIST_SIZE (LINEAR_MAX + 64u * SUB_COUNT)

static uint64_t hist[HIST_SIZE];
static uint64_t hist_total, hist_max;
static long double hist_sum;

static inline unsigned hist_index(uint64_t v) {
  if (v < LINEAR_MAX) return (unsigned)v;
  unsigned e = 63u - (unsigned)__builtin_clzll(v); /* e >= 8 */
  unsigned sub = (unsigned)(v >> (e - SUB_BITS)) & (SUB_COUNT - 1);
  unsigned idx = LINEAR_MAX + (e - (SUB_BITS + 1)) * SUB_COUNT + sub;
  return idx < HIST_SIZE ? idx : HIST_SIZE - 1;
}

static double hist_value(unsigned idx) { /* midpoint of the bucket, ns */
  if (idx < LINEAR_MAX) return (double)idx;
  unsigned e = (idx - LINEAR_MAX) / SUB_COUNT + SUB_BITS + 1;
  unsigned sub = (idx - LINEAR_MAX) % SUB_COUNT;
  double width = (double)(1ull << (e - SUB_BITS));
  return (double)(SUB_COUNT + sub) * width + width / 2;
}

static inline void hist_record(uint64_t v) {
  hist[hist_index(v)]++;
  hist_total++;
  hist_sum += v;
  if (v > hist_max) hist_max = v;
}

static double hist_percentile(double p) { /* ns */
  if (hist_total == 0) return 0;
  uint64_t rank = (uint64_t)(p * (double)hist_total + 0.999999);
  if (rank < 1) rank = 1;
  uint64_t seen = 0;
  for (unsigned i = 0; i < HIST_SIZE; i++) {
    seen += hist[i];
    if (seen >= rank) return hist_value(i);
  }
  return (double)hist_max;
}

/* ---------- connections ---------- */

struct conn {
  int fd;
  uint32_t id;
  uint32_t seq;
  uint32_t sent;      /* bytes of tx written */
  uint32_t rcvd;      /* bytes of rx read */
  int want_out;       /* EPOLLOUT registered */
  int dead;
  uint64_t t0;        /* send time of the message in flight */
  uint64_t total;     /* round trips over the whole run */
  uint64_t measured;  /* round trips inside the measure window */
  unsigned char *tx, *rx;
};

static struct conn *conns;
static int nconns;
static uint32_t msg_size;
static int ep;
static uint64_t errors;
static int error_logs;

static void log_error(const char *fmt, ...) {
  errors++;
  if (error_logs++ >= MAX_ERROR_LOGS) return;
  va_list ap;
  va_start(ap, fmt);
  fputs("pingpong: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static void kill_conn(struct conn *c) {
  if (c->dead) return;
  c->dead = 1;
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->fd = -1;
}

static void fill_payload(struct conn *c) {
  /* [0..3] connection id, [4..7] sequence, then a pattern of both */
  unsigned char *p = c->tx;
  uint32_t hdr[2] = {c->id, c->seq};
  uint32_t n = msg_size < 8 ? msg_size : 8;
  memcpy(p, hdr, n);
  for (uint32_t i = 8; i < msg_size; i++) p[i] = (unsigned char)(c->seq * 31u + c->id * 7u + i);
}

static void set_out(struct conn *c, int on) {
  if (c->want_out == on) return;
  struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c};
  if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
    log_error("conn %u: epoll_ctl MOD: %s", c->id, strerror(errno));
    kill_conn(c);
    return;
  }
  c->want_out = on;
}

static void do_send(struct conn *c) {
  while (c->sent < msg_size) {
    ssize_t n = send(c->fd, c->tx + c->sent, msg_size - c->sent, MSG_NOSIGNAL);
    if (n > 0) { c->sent += (uint32_t)n; continue; }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) { set_out(c, 1); return; }
    log_error("conn %u: send: %s", c->id, n == 0 ? "returned 0" : strerror(errno));
    kill_conn(c);
    return;
  }
  set_out(c, 0);
}

static void start_message(struct conn *c, uint64_t t) {
  c->seq++;
  fill_payload(c);
  c->sent = 0;
  c->rcvd = 0;
  c->t0 = t;
  do_send(c);
}

/* ---------- connecting ---------- */

/* Connects every connection, at most CONNECT_BATCH in flight, and checks that
 * each one completed (SO_ERROR == 0). Returns 0 on success. */
static int connect_all(const struct sockaddr *sa, socklen_t salen) {
  int next = 0, done = 0, inflight = 0;
  struct epoll_event evs[CONNECT_BATCH];
  while (done < nconns) {
    while (inflight < CONNECT_BATCH && next < nconns) {
      struct conn *c = &conns[next];
      c->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (c->fd < 0) { log_error("conn %d: socket: %s", next, strerror(errno)); return -1; }
      int one = 1;
      setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      int r = connect(c->fd, sa, salen);
      if (r < 0 && errno != EINPROGRESS) {
        log_error("conn %d: connect: %s", next, strerror(errno));
        return -1;
      }
      struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
      if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
        log_error("conn %d: epoll_ctl ADD: %s", next, strerror(errno));
        return -1;
      }
      next++;
      inflight++;
    }
    int n = epoll_wait(ep, evs, CONNECT_BATCH, CONNECT_TIMEOUT_MS);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      log_error("connect: %d connection(s) did not complete within %d ms", inflight, CONNECT_TIMEOUT_MS);
      return -1;
    }
    for (int i = 0; i < n; i++) {
      struct conn *c = evs[i].data.ptr;
      int err = 0;
      socklen_t len = sizeof err;
      if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
      if (err) { log_error("conn %u: connect: %s", c->id, strerror(err)); return -1; }
      struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
      if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
        log_error("conn %u: epoll_ctl MOD: %s", c->id, strerror(errno));
        return -1;
      }
      inflight--;
      done++;
    }
  }
  return 0;
}

/* ---------- main ---------- */

static void usage(void) {
  fputs("usage: pingpong host port connections warmup_s measure_s msg_size\n", stderr);
  exit(2);
}

int main(int argc, char **argv) {
  if (argc != 7) usage();
  const char *host = argv[1];
  const char *port = argv[2];
  nconns = atoi(argv[3]);
  double warmup_s = atof(argv[4]);
  double measure_s = atof(argv[5]);
  long size = atol(argv[6]);
  if (nconns < 1 || warmup_s < 0 || measure_s <= 0 || size < 1 || size > (1 << 24)) usage();
  msg_size = (uint32_t)size;

  /* 500+ connections need file descriptors: raise the soft limit */
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }

  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai;
  int gai = getaddrinfo(host, port, &hints, &ai);
  if (gai) { fprintf(stderr, "pingpong: %s:%s: %s\n", host, port, gai_strerror(gai)); return 1; }

  ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) { perror("pingpong: epoll_create1"); return 1; }
  conns = calloc((size_t)nconns, sizeof *conns);
  unsigned char *bufs = malloc((size_t)nconns * msg_size * 2);
  if (!conns || !bufs) { fputs("pingpong: out of memory\n", stderr); return 1; }
  for (int i = 0; i < nconns; i++) {
    conns[i].id = (uint32_t)i;
    conns[i].fd = -1;
    conns[i].tx = bufs + (size_t)i * msg_size * 2;
    conns[i].rx = conns[i].tx + msg_size;
  }

  int rc = 0;
  uint64_t t_start = 0, t_ms = 0, t_me = 0, t_end = 0;
  double cpu_ms = 0, cpu_me = 0;
  if (connect_all(ai->ai_addr, ai->ai_addrlen) < 0) {
    rc = 1;
    goto report;
  }
  freeaddrinfo(ai);
  ai = NULL;

  t_start = now_ns();
  t_ms = t_start + (uint64_t)(warmup_s * 1e9);  /* measure start */
  t_me = t_ms + (uint64_t)(measure_s * 1e9);    /* measure end */
  int measuring = 0;

  for (int i = 0; i < nconns; i++) start_message(&conns[i], t_start);

  struct epoll_event evs[MAX_EVENTS];
  for (;;) {
    uint64_t now = now_ns();
    if (!measuring && now >= t_ms) {
      measuring = 1;
      cpu_ms = cpu_seconds();
      fputs("MEASURE_START\n", stdout);
      fflush(stdout);
    }
    if (now >= t_me) break;
    uint64_t until = measuring ? t_me : t_ms;
    int timeout = (int)((until - now) / 1000000u) + 1;
    if (timeout > 100) timeout = 100;
    int n = epoll_wait(ep, evs, MAX_EVENTS, timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("pingpong: epoll_wait");
      errors++;
      break;
    }
    for (int i = 0; i < n; i++) {
      struct conn *c = evs[i].data.ptr;
      if (c->dead) continue;
      uint32_t e = evs[i].events;
      if ((e & EPOLLOUT) && c->sent < msg_size) {
        do_send(c);
        if (c->dead) continue;
      }
      if (e & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
        if (c->rcvd >= msg_size) continue; /* not expected; stays queued until next message */
        ssize_t r = recv(c->fd, c->rx + c->rcvd, msg_size - c->rcvd, 0);
        if (r < 0) {
          if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
          log_error("conn %u: recv: %s", c->id, strerror(errno));
          kill_conn(c);
          continue;
        }
        if (r == 0) {
          log_error("conn %u: server closed the connection", c->id);
          kill_conn(c);
          continue;
        }
        c->rcvd += (uint32_t)r;
        if (c->rcvd > c->sent) {
          log_error("conn %u: received bytes that were not sent yet", c->id);
          kill_conn(c);
          continue;
        }
        if (c->rcvd < msg_size) continue;
        uint64_t t = now_ns();
        if (memcmp(c->rx, c->tx, msg_size) != 0) {
          uint32_t got[2] = {0, 0};
          memcpy(got, c->rx, msg_size < 8 ? msg_size : 8);
          log_error("conn %u: wrong bytes echoed for seq %u (header says conn %u seq %u)",
                    c->id, c->seq, got[0], got[1]);
          kill_conn(c);
          continue;
        }
        c->total++;
        if (t >= t_ms && t < t_me && c->t0 >= t_start) {
          hist_record(t - c->t0);
          c->measured++;
        }
        start_message(c, t);
      }
    }
  }
  t_end = now_ns();
  cpu_me = cpu_seconds();
  fputs("MEASURE_END\n", stdout);
  fflush(stdout);

  /* every live connection must have made progress (a server that never
   * accepted or never answered one of them is a failure, not a slow run).
   * The messages still in flight are abandoned: closing with unread data
   * makes the kernel send RSTs, which the servers must tolerate. */
  for (int i = 0; i < nconns; i++) {
    struct conn *c = &conns[i];
    if (c->dead) continue;
    if (c->total == 0) log_error("conn %u: no round trip completed in the whole run", c->id);
  }

report:;
  /* round trips are counted when they complete inside [t_ms, t_me) */
  double seconds = t_me > t_ms && t_end >= t_me ? (double)(t_me - t_ms) / 1e9 : 0;
  uint64_t min_pc = UINT64_MAX, max_pc = 0;
  int alive = 0;
  for (int i = 0; i < nconns; i++) {
    if (conns[i].fd >= 0) { close(conns[i].fd); alive++; }
    if (conns[i].measured < min_pc) min_pc = conns[i].measured;
    if (conns[i].measured > max_pc) max_pc = conns[i].measured;
  }
  if (min_pc == UINT64_MAX) min_pc = 0;
  printf("{\"connections\":%d,\"msgSize\":%u,\"seconds\":%.6f,\"messages\":%llu,"
         "\"msgsPerSec\":%.1f,\"p50Us\":%.2f,\"p99Us\":%.2f,\"p999Us\":%.2f,"
         "\"maxUs\":%.2f,\"meanUs\":%.2f,\"minPerConn\":%llu,\"maxPerConn\":%llu,"
         "\"aliveConnections\":%d,\"clientCpu\":%.3f,\"errors\":%llu}\n",
         nconns, msg_size, seconds, (unsigned long long)hist_total,
         seconds > 0 ? (double)hist_total / seconds : 0.0, hist_percentile(0.50) / 1e3, hist_percentile(0.99) / 1e3,
         hist_percentile(0.999) / 1e3, (double)hist_max / 1e3,
         hist_total ? (double)(hist_sum / hist_total) / 1e3 : 0.0,
         (unsigned long long)min_pc, (unsigned long long)max_pc, alive,
         seconds > 0 ? (cpu_me - cpu_ms) / seconds : 0.0,
         (unsigned long long)errors);
  fflush(stdout);
  if (errors) rc = 1;
  return rc;
}
