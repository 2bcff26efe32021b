// libuv filesystem calls chained with continuations, for native jobs that must never block the
// JavaScript thread (open, fstat, ftruncate, rename... run on libuv's threadpool).
#pragma once
#include <uv.h>

#include <functional>
#include <utility>

namespace wsm {

// Runs `start(req, callback)` (a uv_fs_* call) and then `then(result)` on the loop thread, with
// the request cleaned up in between. `result` is the call's result: >= 0, or -errno.
inline void RunFs(uv_loop_t* loop, std::function<int(uv_loop_t*, uv_fs_t*, uv_fs_cb)> start,
                  std::function<void(ssize_t result, const uv_stat_t* stat)> then) {
  struct Step {
    uv_fs_t req;
    std::function<void(ssize_t, const uv_stat_t*)> then;
  };
  auto* step = new Step{};
  step->then = std::move(then);
  step->req.data = step;
  int rc = start(loop, &step->req, [](uv_fs_t* req) {
    auto* s = static_cast<Step*>(req->data);
    ssize_t result = req->result;
    uv_stat_t stat = req->statbuf;
    uv_fs_req_cleanup(req);
    auto then = std::move(s->then);
    delete s;
    then(result, &stat);
  });
  if (rc < 0) {
    // Not even queued: report it the same way, but never from inside the caller's frame twice.
    auto then = std::move(step->then);
    delete step;
    then(rc, nullptr);
  }
}

// Runs `work` on the threadpool (for calls libuv has no uv_fs_* for), then `then(result)` on the
// loop thread. `work` returns >= 0 or -errno.
inline void RunWork(uv_loop_t* loop, std::function<int()> work, std::function<void(int result)> then) {
  struct Job {
    uv_work_t req;
    std::function<int()> work;
    std::function<void(int)> then;
    int result = 0;
  };
  auto* job = new Job{};
  job->work = std::move(work);
  job->then = std::move(then);
  job->req.data = job;
  int rc = uv_queue_work(
      loop, &job->req, [](uv_work_t* req) {
        auto* j = static_cast<Job*>(req->data);
        j->result = j->work();
      },
      [](uv_work_t* req, int status) {
        auto* j = static_cast<Job*>(req->data);
        int result = status < 0 ? status : j->result;
        auto then = std::move(j->then);
        delete j;
        then(result);
      });
  if (rc < 0) {
    auto then = std::move(job->then);
    delete job;
    then(rc);
  }
}

}  // namespace wsm
