#pragma once

#include "protocol/reply.h"

#include <QString>
#include <QWebSocketProtocol>

#include <memory>

QT_BEGIN_NAMESPACE
class QWebSocket;
QT_END_NAMESPACE

namespace berth::protocol {

// What a Berth JSON-RPC server does with the QWebSocket of one accepted
// connection (ProtocolServer and berthd's admin server share these).

// How long a closing connection may take to answer our close frame before it is
// aborted.
constexpr int CloseGraceMs = 5000;

// Qt refuses (close code 1009) what is far beyond maxFrameBytes without
// buffering it; between the limit and that, the server answers TooLarge itself
// (FrameScreen).
void limitIncomingFrames(QWebSocket *socket, qsizetype maxFrameBytes);

// A Reply::Sender that sends text frames on the socket while it is connected
// (false once it is gone: it holds the socket weakly).
std::shared_ptr<Reply::Sender> socketSender(QWebSocket *socket);

// Closes with a close frame and aborts if the peer does not answer in time.
void closeWithGrace(QWebSocket *socket, QWebSocketProtocol::CloseCode code, const QString &reason);

// Closes a connection the server does not take as a session (PolicyViolated
// and the reason); the socket deletes itself once closed.
void refuseSocket(QWebSocket *socket, const QString &reason);

} // namespace berth::protocol
