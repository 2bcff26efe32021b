{
  "variables": {
    "wsm_sanitize%": "0",
    "wsm_portable%": "0",
    "wsm_liburing%": "<!(node scripts/detect-liburing.cjs)"
  },
  "targets": [
    {
      "target_name": "wsm",
      "sources": [
        "src/addon.cc",
        "src/core/errors.cc",
        "src/core/args.cc",
        "src/core/js_call.cc",
        "src/core/teardown_wait.cc",
        "src/net/socket_handle.cc",
        "src/net/datagram.cc",
        "src/net/socket_options.cc",
        "src/net/reset_record.cc",
        "src/net/sockaddr.cc",
        "src/net/socket_table.cc",
        "src/net/bound_addresses.cc",
        "src/models/select.cc",
        "src/models/overlapped_io.cc",
        "src/models/network_events.cc",
        "src/io/io_loop.cc",
        "src/io/io_handle.cc",
        "src/io/engine_factory.cc",
        "src/files/file_handle.cc",
        "src/copy/file_copy.cc",
        "src/copy/exit_removal.cc",
        "src/copy/kernel_copy.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "src"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        # A Worker's terminate() stops its JavaScript in the middle of a native call: the error
        # that call throws can no longer be thrown into JavaScript, and without this node-addon-api
        # throws it on as a C++ exception that nothing catches (std::terminate, the whole process
        # aborts). With it, the unthrowable error is dropped, as the environment is going away.
        # Guarded by test/teardown.test.ts, "a Worker serving connections with the ... driver".
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": [
        "-std=c++17",
        "-fexceptions",
        "-Wall",
        "-Wextra",
        "-Wno-missing-field-initializers",
        "-fstack-protector-strong",
        "-D_FORTIFY_SOURCE=2"
      ],
      "conditions": [
        ["OS=='linux'", {
          "sources": [
            "src/os/linux/readiness.cc",
            "src/os/linux/tcp_counters.cc",
            "src/os/linux/uring_engine.cc",
            "src/os/linux/epoll_engine.cc",
            "src/os/linux/fs_util.cc"
          ]
        }],
        ["OS=='linux' and wsm_liburing in (1, '1')", {
          "defines": ["WSM_HAVE_LIBURING"],
          "libraries": ["-l:liburing.a"]
        }],
        # The linux-x64 prebuild (build-native.cjs --prebuildify sets wsm_portable=1): libstdc++
        # linked in and hidden, glibc symbols newer than 2.28 redirected to src/os/linux/glibc_compat.cc,
        # libpthread named because pthread_once@GLIBC_2.2.5 lives there before glibc 2.34.
        # libgcc_s stays shared: GCC 12's static unwinder needs _dl_find_object (glibc 2.35), and
        # libgcc_s.so.1 is on every system Node runs on (Node needs it). scripts/prebuild-portability.sh checks.
        ["OS=='linux' and wsm_portable in (1, '1')", {
          "sources": ["src/os/linux/glibc_compat.cc"],
          "ldflags": [
            "-static-libstdc++",
            "-Wl,--exclude-libs,ALL",
            "-Wl,--wrap=stat64,--wrap=fstat64,--wrap=fstatat64",
            "-Wl,--wrap=pthread_once,--wrap=__pthread_key_create,--wrap=arc4random"
          ],
          "libraries": ["-Wl,--no-as-needed", "-l:libpthread.so.0", "-Wl,--as-needed"]
        }],
        ["wsm_sanitize in (1, '1')", {
          "cflags_cc": ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-O1", "-g"],
          "cflags_cc!": ["-D_FORTIFY_SOURCE=2"],
          "ldflags": ["-fsanitize=address,undefined"]
        }]
      ]
    }
  ]
}
