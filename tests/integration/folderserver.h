#pragma once

// Test helpers for a publisher's images: a static web server for one folder
// (the publisher's own host for published blobs) and a podman wrapper that
// points berthctl's podman (BERTH_PODMAN) at a PodmanFixture's store.

#include "onitsthread.h"
#include "podmanfixture.h"

#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QObject>
#include <QTcpServer>
#include <QTcpSocket>

#include <memory>

namespace berth::test {

using namespace Qt::StringLiterals;

// A static web server on loopback for one folder (what a publisher's own host
// would be): GET /<name> answers the file, anything else 404; it remembers
// the paths asked for.
class FolderServer : public QObject
{
public:
    explicit FolderServer(QString folder)
        : m_folder(std::move(folder))
        , m_server(this) // a child, so that moveToThread takes it along
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection())
                serve(socket);
        });
    }

    bool listen() { return m_server.listen(QHostAddress::LocalHost); }
    QString base() const { return u"http://127.0.0.1:%1/"_s.arg(m_server.serverPort()); }
    const QList<QByteArray> &requests() const { return m_requests; }

private:
    void serve(QTcpSocket *socket)
    {
        auto buffer = std::make_shared<QByteArray>();
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket, buffer] {
            buffer->append(socket->readAll());
            if (!buffer->contains("\r\n\r\n"))
                return;
            const QByteArray target = buffer->left(buffer->indexOf("\r\n")).split(' ').value(1);
            m_requests.append(target);
            const QString name = QString::fromLatin1(target.mid(1));
            QFile file(QDir(m_folder).filePath(name));
            const bool found =
                !name.contains(u'/') && !name.isEmpty() && file.open(QIODevice::ReadOnly);
            const QByteArray body = found ? file.readAll() : QByteArray("not found");
            socket->write((found ? "HTTP/1.1 200 OK" : "HTTP/1.1 404 Not Found") +
                          QByteArray("\r\nContent-Length: ") + QByteArray::number(body.size()) +
                          "\r\nConnection: close\r\n\r\n" + body);
            socket->disconnectFromHost();
        });
    }

    QString m_folder;
    QTcpServer m_server;
    QList<QByteArray> m_requests;
};

// A FolderServer on its own thread: it answers while the test blocks, e.g. in
// QProcess::waitForFinished on a berthctl whose provider fetches from it.
class BackgroundFolderServer
{
public:
    explicit BackgroundFolderServer(QString folder)
        : m_server(std::move(folder))
    {}

    bool listen()
    {
        return m_server.call([](FolderServer &s) { return s.listen(); });
    }
    QString base() const
    {
        return m_server.call([](FolderServer &s) { return s.base(); });
    }
    QList<QByteArray> requests() const
    {
        return m_server.call([](FolderServer &s) { return s.requests(); });
    }

private:
    OnItsThread<FolderServer> m_server;
};

// Writes an executable script at `path` that runs the fixture's podman on its
// store; name it in BERTH_PODMAN for berthctl. False when it cannot be written.
inline bool writePodmanWrapper(const PodmanFixture &fixture, const QString &path)
{
    QStringList store;
    if (fixture.isolatedStore()) {
        const QDir dir(fixture.workDir());
        store = {u"--root"_s,   dir.filePath(u"root"_s), u"--runroot"_s, dir.filePath(u"run"_s),
                 u"--tmpdir"_s, dir.filePath(u"tmp"_s)};
    }
    QFile script(path);
    if (!script.open(QIODevice::WriteOnly))
        return false;
    script.write("#!/bin/sh\nexport CONTAINERS_CONF='" +
                 fixture.environment().value(u"CONTAINERS_CONF"_s).toUtf8() + "'\nexec '" +
                 PodmanFixture::podmanPath().toUtf8() + "' " + store.join(u' ').toUtf8() +
                 " \"$@\"\n");
    script.close();
    return script.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
}

} // namespace berth::test
