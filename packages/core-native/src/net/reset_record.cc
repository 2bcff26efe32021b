#include "net/reset_record.h"

#include <cerrno>

namespace wsm {

void ResetRecord::Note(int err) {
  if (error_ != 0) return;
  if (err == ECONNRESET || err == ECONNABORTED || err == ETIMEDOUT) error_ = err;
}

int ResetRecord::SocketError(int err) {
  if (err == EPIPE) err = ECONNRESET;
  Note(err);
  return err;
}

void ResetRecord::NoteHangup() {
  if (!sendShutdown_) Note(ECONNRESET);
}

int32_t ResetRecord::Receive(int32_t result) {
  // A receive fails with EPIPE only by taking sk_err: a reset after the peer's FIN (SocketError).
  if (result < 0) result = -SocketError(-result);
  // The end of the stream, or a zero-byte receive's "readable", on a connection known to be reset.
  if (result == 0 && error_ != 0) return -error_;
  return result;
}

int32_t ResetRecord::Send(int32_t result, bool connected) {
  if (result != -EPIPE) {
    if (result < 0) Note(-result);
    return result;
  }
  // EPIPE on a connection this side never shut down: the kernel ended it abortively (a reset, also
  // one that came after the peer's FIN, whose sk_err is EPIPE itself) and another call took the
  // error. Winsock has no EPIPE; it reports the reset.
  if (connected && !sendShutdown_) Note(ECONNRESET);
  if (error_ != 0) return -error_;
  // A send that was under way when this side shut down its sending direction.
  return sendShutdown_ ? -ESHUTDOWN : result;
}

int ResetRecord::RefusalOf(bool send) const {
  if (!(send ? sendShutdown_ : receiveShutdown_)) return 0;
  return error_ != 0 ? error_ : ESHUTDOWN;
}

}  // namespace wsm
