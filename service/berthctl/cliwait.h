#pragma once

#include "core/result.h"

#include <QEventLoop>
#include <QObject>
#include <QTimer>

#include <functional>
#include <optional>

namespace berth::cli {

// berthctl is a short-lived command: at its top level it waits for one
// asynchronous library operation at a time. The libraries stay asynchronous
// (berthd and the dashboard use them from their event loops); only this
// outermost layer turns a callback into a return value. Never call it from
// inside a library callback.
template<typename T>
Result<T>
waitFor(const std::function<void(QObject *context, std::function<void(Result<T>)> done)> &start)
{
    QEventLoop loop;
    QObject context;
    std::optional<Result<T>> result;
    start(&context, [&](Result<T> r) {
        result.emplace(std::move(r));
        loop.quit();
    });
    if (!result)
        loop.exec();
    return std::move(*result);
}

// Lets the event loop run for `ms` milliseconds between two polls (same rule:
// only at a command's top level).
inline void pauseFor(int ms)
{
    QEventLoop pause;
    QTimer::singleShot(ms, &pause, &QEventLoop::quit);
    pause.exec();
}

} // namespace berth::cli
