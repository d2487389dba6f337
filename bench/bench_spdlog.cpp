// bench/bench_spdlog.cpp - spdlog writing the same line to /dev/null, timed like bench_hotpath.
// Synchronous: spdlog formats on the caller's thread (its async mode queues formatted text).
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "bench_common.h"

static std::shared_ptr<spdlog::logger> file_logger, null_logger;

__attribute__((noinline)) static void bench_loop_spdlog(int n)
{
    for (int i = 0; i < n; i++) file_logger->trace("bench tick target=\"loop\" \"i={}\"", i);
}

__attribute__((noinline)) static void bench_loop_spdlog_null(int n)
{
    for (int i = 0; i < n; i++) null_logger->trace("bench tick target=\"loop\" \"i={}\"", i);
}

int main(int argc, char **argv)
{
    double ns;
    file_logger = spdlog::basic_logger_st("file", "/dev/null");
    file_logger->set_level(spdlog::level::trace);
    null_logger = std::make_shared<spdlog::logger>("null", std::make_shared<spdlog::sinks::null_sink_st>());
    null_logger->set_level(spdlog::level::trace);
    if (argc == 3) {
        if (strcmp(argv[1], "spdlog") == 0) bench_loop_spdlog(atoi(argv[2]));
        else bench_loop_spdlog_null(atoi(argv[2]));
        return 0;
    }
    BENCH_MEDIAN(ns, bench_loop_spdlog(BENCH_BATCH), file_logger->flush());
    bench_report("spdlog", ns);
    BENCH_MEDIAN(ns, bench_loop_spdlog_null(BENCH_BATCH), (void)0);
    bench_report("spdlog_null", ns);
    return 0;
}
