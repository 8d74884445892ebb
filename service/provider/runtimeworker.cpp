#include "provider/runtimeworker.h"

namespace berth::provider {

RuntimeWorker::RuntimeWorker(std::unique_ptr<Runtime> runtime, std::unique_ptr<Ingress> ingress,
                             QObject *parent)
    : QObject(parent)
    , m_runtime(std::move(runtime))
    , m_ingress(std::move(ingress))
{
    m_thread.setObjectName(QStringLiteral("berth-runtime"));
    m_executor = new QObject;
    m_executor->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_executor, &QObject::deleteLater);
    m_thread.start();
}

RuntimeWorker::~RuntimeWorker()
{
    m_thread.quit();
    m_thread.wait();
}

int RuntimeWorker::pending() const
{
    return m_pending.load();
}

void RuntimeWorker::post(std::function<void()> task)
{
    ++m_pending;
    QMetaObject::invokeMethod(m_executor, [this, task = std::move(task)] {
        task();
        --m_pending;
    });
}

} // namespace berth::provider
