// What a stream socket remembers of a reset and of its own shutdowns, so that it reports them the
// way Winsock does: every receive and send pending on a reset (or otherwise aborted) connection,
// and every later one, fails with WSAECONNRESET (or the abortive error the connection ended with)
// for the rest of the socket's life; and one in a direction this side shut down fails with
// WSAESHUTDOWN, where Linux gives a receive 0 (the end of the stream) and a send EPIPE.
//
// The kernel reports the error once: whichever call meets it first takes it (reading sk_err clears
// it), and the others see what is left, a receive the end of the stream (0), a send EPIPE. So the
// first sighting is recorded here, and later results are read through the record. It knows no
// engine: IoLoop (both Linux engines, and a Windows one later), the synchronous recv/send and the
// network-event model all go through it. Guarded by test/io-faults.test.ts "a peer reset mid-
// transfer" and test/connection-reset.test.ts.
#pragma once
#include <cstdint>

namespace wsm {

class ResetRecord {
 public:
  // The abortive error (ECONNRESET, ECONNABORTED, ETIMEDOUT) the connection ended with, once any
  // call has seen it; 0 until then.
  int error() const { return error_; }
  // Records `err` (a positive errno) if it is an abortive one; the first one stays.
  void Note(int err);
  // The socket's pending error (SO_ERROR, a positive errno, 0 for none) as Winsock names it, and
  // recorded: EPIPE there is Linux's error for a reset that came after the peer's FIN (tcp_reset
  // in CLOSE_WAIT; ECONNRESET in every other state), so it is the reset, ECONNRESET. Guarded by
  // test/connection-reset.test.ts "a reset after the peer's FIN".
  int SocketError(int err);
  // This side shut down its sending direction (shutdown 'send' or 'both'): a send's EPIPE then
  // means that, not a reset (Winsock's WSAESHUTDOWN), and a hang-up may be a graceful end.
  void NoteSendShutdown() { sendShutdown_ = true; }
  bool sendShutdown() const { return sendShutdown_; }
  // This side shut down its receiving direction (shutdown 'receive' or 'both').
  void NoteReceiveShutdown() { receiveShutdown_ = true; }
  bool receiveShutdown() const { return receiveShutdown_; }

  // What a receive (`send` false) or a send started now fails with before it reaches the kernel:
  // in a direction this side shut down, ESHUTDOWN (WSAESHUTDOWN, 10058), or the reset once one is
  // known; 0 to go ahead (also on a reset connection not shut down: its queued bytes still come
  // first). Guarded by test/shutdown.test.ts.
  int RefusalOf(bool send) const;
  // The kernel shows the connection closed in both directions (POLLHUP): unless this side shut
  // down its sending direction, only an abort does that (a graceful close from the peer closes
  // one direction), so it is recorded as a reset whose error another call took.
  void NoteHangup();

  // A receive's result (bytes, 0 for the end of the stream, or -errno), as Winsock reports it.
  int32_t Receive(int32_t result);
  // A send's result (bytes or -errno), as Winsock reports it. `connected`: the socket had a
  // connection (EPIPE on one never connected is no reset).
  int32_t Send(int32_t result, bool connected);

 private:
  int error_ = 0;
  bool sendShutdown_ = false;
  bool receiveShutdown_ = false;
};

}  // namespace wsm
