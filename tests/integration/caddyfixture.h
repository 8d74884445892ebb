#pragma once

// A private Caddy for a test: `caddy run` on a config with only the admin API on
// 127.0.0.1:<free port> (no apps), HOME and XDG dirs in a temporary directory so
// Caddy writes nothing under the real home, killed on destruction (and by the
// kernel if the test process dies first). Header-only: include it and
//
//     CaddyFixture caddy;
//     QVERIFY2(caddy.start(), qPrintable(caddy.errorString()));
//     ... caddy.adminUrl(), caddy.httpPort() ...

#include <QByteArray>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStandardPaths>
#include <QString>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>

#include <csignal>
#include <sys/prctl.h>

class CaddyFixture
{
public:
    CaddyFixture() = default;
    ~CaddyFixture() { stop(); }
    CaddyFixture(const CaddyFixture &) = delete;
    CaddyFixture &operator=(const CaddyFixture &) = delete;

    // A TCP port nothing listens on right now (loopback).
    static int freePort()
    {
        QTcpServer server;
        if (!server.listen(QHostAddress::LocalHost, 0))
            return 0;
        return server.serverPort();
    }

    static QString caddyPath() { return QStandardPaths::findExecutable(QStringLiteral("caddy")); }

    // Starts Caddy and waits until its admin API answers. False with
    // errorString() when Caddy is missing or does not come up.
    bool start(int timeoutMs = 15000)
    {
        if (m_process.state() != QProcess::NotRunning)
            return true;
        const QString caddy = caddyPath();
        if (caddy.isEmpty())
            return fail(QStringLiteral("caddy is not installed (Debian package caddy)"));
        if (!m_dir.isValid())
            return fail(QStringLiteral("no temporary directory: ") + m_dir.errorString());
        m_adminPort = freePort();
        m_httpPort = freePort();
        while (m_httpPort == m_adminPort)
            m_httpPort = freePort();
        if (m_adminPort == 0 || m_httpPort == 0)
            return fail(QStringLiteral("no free loopback port"));

        const QDir dir(m_dir.path());
        for (const char *sub : {"home", "data", "config"})
            dir.mkpath(QString::fromLatin1(sub));
        QFile config(configPath());
        const QByteArray json =
            "{\"admin\": {\"listen\": \"127.0.0.1:" + QByteArray::number(m_adminPort) + "\"}}\n";
        if (!config.open(QIODevice::WriteOnly) || config.write(json) != json.size())
            return fail(QStringLiteral("cannot write ") + configPath());
        config.close();

        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("HOME"), dir.filePath(QStringLiteral("home")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), dir.filePath(QStringLiteral("data")));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), dir.filePath(QStringLiteral("config")));
        m_process.setProcessEnvironment(env);
        m_process.setWorkingDirectory(m_dir.path());
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.setStandardOutputFile(logPath());
        // Caddy dies with the test, even when the test crashes.
        m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        m_process.start(caddy, {QStringLiteral("run"), QStringLiteral("--config"), configPath()});
        if (!m_process.waitForStarted(5000))
            return fail(QStringLiteral("caddy did not start: ") + m_process.errorString());

        const QDeadlineTimer deadline(timeoutMs);
        while (!deadline.hasExpired()) {
            if (m_process.state() == QProcess::NotRunning)
                return fail(QStringLiteral("caddy exited: ") + log());
            if (adminAnswers())
                return true;
            QThread::msleep(50);
        }
        stop();
        return fail(QStringLiteral("caddy's admin API did not answer: ") + log());
    }

    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.kill();
        m_process.waitForFinished(5000);
    }

    bool isRunning() const { return m_process.state() == QProcess::Running; }
    QString adminUrl() const
    {
        return QStringLiteral("http://127.0.0.1:") + QString::number(m_adminPort);
    }
    int adminPort() const { return m_adminPort; }
    // A free port for the HTTP server the test has Caddy create.
    int httpPort() const { return m_httpPort; }
    QString configPath() const { return m_dir.filePath(QStringLiteral("caddy.json")); }
    QString logPath() const { return m_dir.filePath(QStringLiteral("caddy.log")); }
    QString dataDir() const { return m_dir.filePath(QStringLiteral("data")); }
    const QString &errorString() const { return m_error; }

    // The end of Caddy's log, for failure messages.
    QString log() const
    {
        QFile file(logPath());
        if (!file.open(QIODevice::ReadOnly))
            return {};
        return QString::fromUtf8(file.readAll().right(4000));
    }

private:
    bool fail(const QString &message)
    {
        m_error = message;
        return false;
    }

    bool adminAnswers() const
    {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, quint16(m_adminPort));
        if (!socket.waitForConnected(500))
            return false;
        socket.write("GET /config/ HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(m_adminPort) +
                     "\r\nConnection: close\r\n\r\n");
        if (!socket.waitForBytesWritten(500))
            return false;
        QByteArray answer;
        while (answer.size() < 12 && socket.waitForReadyRead(1000))
            answer += socket.readAll();
        return answer.startsWith("HTTP/1.1 200");
    }

    QTemporaryDir m_dir;
    QProcess m_process;
    int m_adminPort = 0;
    int m_httpPort = 0;
    QString m_error;
};
