#pragma once

// A test server (any QObject) on a thread of its own: it keeps answering while
// the test blocks, e.g. in QProcess::waitForFinished on a berthctl that talks
// to it. Calls run on that thread and wait for their result.

#include <QMetaObject>
#include <QThread>

#include <type_traits>
#include <utility>

namespace berth::test {

template<typename T> class OnItsThread
{
public:
    template<typename... Args>
    explicit OnItsThread(Args &&...args)
        : m_object(new T(std::forward<Args>(args)...))
    {
        m_object->moveToThread(&m_thread);
        m_thread.start();
    }
    ~OnItsThread()
    {
        QMetaObject::invokeMethod(
            m_object, [object = m_object] { delete object; }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
    }
    OnItsThread(const OnItsThread &) = delete;
    OnItsThread &operator=(const OnItsThread &) = delete;

    // f(T&) on the object's thread; its result, copied back.
    template<typename F> auto call(F f) const
    {
        using R = std::invoke_result_t<F, T &>;
        if constexpr (std::is_void_v<R>) {
            QMetaObject::invokeMethod(
                m_object, [&] { f(*m_object); }, Qt::BlockingQueuedConnection);
        } else {
            R out{};
            QMetaObject::invokeMethod(
                m_object, [&] { out = f(*m_object); }, Qt::BlockingQueuedConnection);
            return out;
        }
    }

private:
    QThread m_thread;
    T *m_object;
};

} // namespace berth::test
