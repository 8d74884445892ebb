#pragma once

#include "provider/ingress.h"
#include "provider/runtime.h"

#include <QObject>
#include <QPointer>
#include <QThread>

#include <functional>
#include <memory>

namespace berth::provider {

// Runs the blocking Runtime and Ingress calls on a thread of their own, one job
// at a time and in order, so the protocol server's event loop never waits for
// Podman or Caddy. A job's result comes back on `context`'s thread; it is
// dropped if `context` is gone by then.
class RuntimeWorker : public QObject
{
    Q_OBJECT

public:
    RuntimeWorker(std::unique_ptr<Runtime> runtime, std::unique_ptr<Ingress> ingress,
                  QObject *parent = nullptr);
    ~RuntimeWorker() override; // waits for the running job

    template<typename T>
    void run(std::function<Result<T>(Runtime &, Ingress &)> job, QObject *context,
             std::function<void(Result<T>)> done)
    {
        post([this, job = std::move(job), context = QPointer<QObject>(context),
              done = std::move(done)] {
            auto result = std::make_shared<Result<T>>(job(*m_runtime, *m_ingress));
            if (context)
                QMetaObject::invokeMethod(context.data(), [done, result] { done(*result); });
        });
    }

    // Jobs queued or running.
    int pending() const;

private:
    void post(std::function<void()> task);

    std::unique_ptr<Runtime> m_runtime;
    std::unique_ptr<Ingress> m_ingress;
    QThread m_thread;
    QObject *m_executor = nullptr; // lives in m_thread
    std::atomic<int> m_pending{0};
};

} // namespace berth::provider
