#pragma once

// A man in the middle for tests: it terminates TLS with a certificate of its
// own and forwards the bytes over a new TLS connection to a server on
// loopback (berthd), as an attacker between a publisher and a provider would.
// Run it with OnItsThread while berthctl talks through it.

#include <QHostAddress>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpServer>

namespace berth::test {

class TlsProxy : public QTcpServer
{
public:
    TlsProxy(QSslCertificate certificate, QSslKey key, quint16 upstreamPort)
        : m_certificate(std::move(certificate))
        , m_key(std::move(key))
        , m_upstreamPort(upstreamPort)
    {}

    bool start() { return listen(QHostAddress::LocalHost); }
    quint16 port() const { return serverPort(); }
    int connections() const { return m_connections; }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        ++m_connections;
        auto *down = new QSslSocket(this);
        auto *up = new QSslSocket(this);
        if (!down->setSocketDescriptor(descriptor)) {
            down->deleteLater();
            up->deleteLater();
            return;
        }
        down->setLocalCertificate(m_certificate);
        down->setPrivateKey(m_key);
        down->setPeerVerifyMode(QSslSocket::VerifyNone);
        up->setPeerVerifyMode(QSslSocket::VerifyNone); // berthd's own certificate is self-signed
        // Writes before a handshake ends are sent once it has.
        connect(down, &QSslSocket::readyRead, up, [down, up] { up->write(down->readAll()); });
        connect(up, &QSslSocket::readyRead, down, [down, up] { down->write(up->readAll()); });
        connect(down, &QSslSocket::disconnected, up, &QSslSocket::disconnectFromHost);
        connect(up, &QSslSocket::disconnected, down, &QSslSocket::disconnectFromHost);
        connect(down, &QSslSocket::disconnected, down, &QObject::deleteLater);
        connect(up, &QSslSocket::disconnected, up, &QObject::deleteLater);
        down->startServerEncryption();
        up->connectToHostEncrypted(QStringLiteral("127.0.0.1"), m_upstreamPort);
    }

private:
    QSslCertificate m_certificate;
    QSslKey m_key;
    quint16 m_upstreamPort;
    int m_connections = 0;
};

} // namespace berth::test
