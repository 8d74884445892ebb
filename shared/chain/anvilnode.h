#pragma once

#include "core/result.h"

#include <QString>
#include <QUrl>

#include <memory>

class QProcess;

namespace berth::chain {

// A local Anvil development chain: started by tests and by `berthctl chain devnet`.
// A non-detached node is stopped when its AnvilNode is destroyed; a detached one
// outlives this process and is stopped later by pid (stopPid).
class AnvilNode
{
public:
    struct Options
    {
        QString binary; // empty: findBinary()
        QString host = QStringLiteral("127.0.0.1");
        quint16 port = 0; // 0: let Anvil pick a free port
        quint64 chainId = 31337;
        int accounts = 10;
        QString logFile; // Anvil's stdout and stderr; empty: a temporary file
        bool detached = false;
        int startTimeoutMs = 20000;
    };

    // $BERTH_ANVIL if set, else `anvil` on PATH; empty if neither exists.
    static QString findBinary();

    // Starts Anvil and waits (up to startTimeoutMs) until it listens.
    static Result<AnvilNode> start(const Options &options);

    // Stops a (detached) Anvil by pid: SIGTERM, then SIGKILL. Refuses if the pid
    // is no longer an Anvil process; a pid that is gone already is success.
    static Result<void> stopPid(qint64 pid);

    AnvilNode(AnvilNode &&other) noexcept;
    AnvilNode &operator=(AnvilNode &&other) noexcept;
    AnvilNode(const AnvilNode &) = delete;
    AnvilNode &operator=(const AnvilNode &) = delete;
    ~AnvilNode();

    QUrl rpcUrl() const;
    QString host() const { return m_host; }
    quint16 port() const { return m_port; }
    qint64 pid() const { return m_pid; }
    quint64 chainId() const { return m_chainId; }
    bool isDetached() const { return m_detached; }
    QString logFile() const { return m_logFile; }
    bool isRunning() const;

    // Terminates, then kills after a grace period. Safe to call twice.
    void stop();

private:
    AnvilNode() = default;

    std::unique_ptr<QProcess> m_process; // null for a detached node
    QString m_host;
    quint16 m_port = 0;
    qint64 m_pid = 0;
    quint64 m_chainId = 0;
    bool m_detached = false;
    QString m_logFile;
    bool m_removeLog = false;
};

} // namespace berth::chain
