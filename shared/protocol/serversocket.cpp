#include "protocol/serversocket.h"

#include <QPointer>
#include <QTimer>
#include <QWebSocket>

namespace berth::protocol {

void limitIncomingFrames(QWebSocket *socket, qsizetype maxFrameBytes)
{
    const quint64 qtLimit = 2 * quint64(maxFrameBytes) + 1024;
    socket->setMaxAllowedIncomingFrameSize(qtLimit);
    socket->setMaxAllowedIncomingMessageSize(qtLimit);
}

std::shared_ptr<Reply::Sender> socketSender(QWebSocket *socket)
{
    QPointer<QWebSocket> guarded(socket);
    return std::make_shared<Reply::Sender>([guarded](const QByteArray &frame) {
        if (!guarded || guarded->state() != QAbstractSocket::ConnectedState)
            return false;
        guarded->sendTextMessage(QString::fromUtf8(frame));
        return true;
    });
}

void closeWithGrace(QWebSocket *socket, QWebSocketProtocol::CloseCode code, const QString &reason)
{
    QTimer::singleShot(CloseGraceMs, socket, [socket] { socket->abort(); });
    socket->close(code, reason);
}

void refuseSocket(QWebSocket *socket, const QString &reason)
{
    QObject::connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
    QTimer::singleShot(CloseGraceMs, socket, [socket] {
        socket->abort();
        socket->deleteLater();
    });
    socket->close(QWebSocketProtocol::CloseCodePolicyViolated, reason);
}

} // namespace berth::protocol
